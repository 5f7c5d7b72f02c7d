package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// The races of a job's result against a change of the data it came from
// (review of the alignments jobs, finding 1). They need a second writer,
// which SQLite does not have: there they hold by its single writer.

// TestResultWaitsForANewVersion: a job finishing while a new version is
// being added (its dataChanged run, its commit not yet) waits for the
// commit and is then refused; nothing computed from the old data is
// left.
func TestResultWaitsForANewVersion(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		if !s.postgres {
			return
		}
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
		must(t, err)
		tx, err := s.wdb.BeginTx(ctx, nil)
		must(t, err)
		defer tx.Rollback()
		must(t, s.dataChanged(ctx, tx, w.process))
		id := w.queueAlignments(t)
		done := make(chan error, 1)
		go func() {
			done <- s.FinishWithResult(ctx, id, w.process, v, JobResult{ContentType: "application/json", Body: []byte(`{"old":true}`), Exact: true})
		}()
		select {
		case err := <-done:
			t.Fatalf("the result was stored while the data changed: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		_, err = tx.ExecContext(ctx, s.rebind("INSERT INTO log_versions (process_id, created_at, created_by, source, cases, events, resident, data) VALUES (?, 0, 0, 'new', 0, 0, 0, ?)"), w.process, []byte{})
		must(t, err)
		must(t, tx.Commit())
		if err := <-done; !errors.Is(err, ErrDataChanged) {
			t.Errorf("finishing after the new version: %v, want ErrDataChanged", err)
		}
		n, err := s.JobResults(ctx, w.process)
		must(t, err)
		_, res, err := s.JobResultOf(ctx, w.user, id)
		must(t, err)
		if n != 0 || res.Body != nil {
			t.Errorf("a result of the old version survives: %d results, body %s", n, res.Body)
		}
	})
}

// TestDropSeesAResultCommittingMeanwhile: DropJobResults (a new privacy
// policy, an erasure) run while a job's result is being committed waits
// for it and deletes it. FinishWithResult's statements are replayed by
// hand so as to pause before its commit.
func TestDropSeesAResultCommittingMeanwhile(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		if !s.postgres {
			return
		}
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
		must(t, err)
		id := w.queueAlignments(t)
		tx, err := s.wdb.BeginTx(ctx, nil)
		must(t, err)
		defer tx.Rollback()
		var env int64
		must(t, tx.QueryRowContext(ctx, s.rebind("SELECT env_id FROM processes WHERE id = ? FOR UPDATE"), w.process).Scan(&env))
		must(t, s.endJob(ctx, tx, id, "done", "", v))
		_, err = tx.ExecContext(ctx, s.rebind("INSERT INTO job_results (job_id, env_id, process_id, version_id, exact, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
			id, env, w.process, v, false, "application/json", s.seal(blobAD(blobJobResult, id), []byte(`{"k":5}`)), 0)
		must(t, err)
		dropped := make(chan error, 1)
		go func() { _, err := s.DropJobResults(ctx, w.env, "policy changed"); dropped <- err }()
		time.Sleep(300 * time.Millisecond) // the drop waits on the job's row
		must(t, tx.Commit())
		must(t, <-dropped)
		if n, _ := s.JobResults(ctx, w.process); n != 0 {
			t.Errorf("DropJobResults returned, yet %d result(s) computed before it remain", n)
		}
	})
}

// TestJobResultsBounded: a user keeps the newest MaxJobResultsPerUser
// results; setting or removing the reference model, which results may
// have been computed against, deletes the process's (review of the
// alignments jobs, findings 4 and 8).
func TestJobResultsBounded(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
		must(t, err)
		var ids []access.ID
		for range MaxJobResultsPerUser + 3 {
			id := w.queueAlignments(t)
			must(t, s.FinishWithResult(ctx, id, w.process, v, JobResult{ContentType: "application/json", Body: []byte(`{}`)}))
			ids = append(ids, id)
		}
		if n, _ := s.JobResults(ctx, w.process); n != MaxJobResultsPerUser {
			t.Errorf("%d results kept, want %d", n, MaxJobResultsPerUser)
		}
		for i, id := range ids {
			_, res, err := s.JobResultOf(ctx, w.user, id)
			must(t, err)
			if kept := i >= 3; kept != (res.Body != nil) {
				t.Errorf("result %d of %d: kept %v", i+1, len(ids), res.Body != nil)
			}
		}
		must(t, s.PutReferenceModel(ctx, w.process, ReferenceModel{Format: "bpmn", Name: "m.bpmn", Data: []byte("<x/>")}))
		if n, _ := s.JobResults(ctx, w.process); n != 0 {
			t.Errorf("%d results left after the reference model changed", n)
		}
	})
}

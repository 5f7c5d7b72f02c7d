package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// queueAlignments queues an alignments job of the world's user and
// starts it, checking that enqueue is given the new job in a transaction
// where it is queued.
func (w *jobWorld) queueAlignments(t *testing.T) access.ID {
	t.Helper()
	ctx := context.Background()
	var state string
	id, err := w.s.QueueJob(ctx, Job{Env: w.env, Process: w.process, User: w.user, Kind: JobAlignments}, 100, func(tx *sql.Tx, job access.ID) (int64, error) {
		return 42, tx.QueryRow(w.s.rebind("SELECT state FROM jobs WHERE id = ?"), job).Scan(&state)
	})
	must(t, err)
	if state != "queued" {
		t.Fatalf("in enqueue's transaction the job is %q, want queued", state)
	}
	var river int64
	must(t, w.s.db.QueryRow(w.s.rebind("SELECT river_id FROM jobs WHERE id = ?"), id).Scan(&river))
	if river != 42 {
		t.Errorf("the job keeps River's id %d, want 42", river)
	}
	must(t, w.s.StartJob(ctx, id))
	return id
}

// TestJobResultSealedForItsUser: a finished job's result is sealed at
// rest, read back by its user only, and kept once.
func TestJobResultSealedForItsUser(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
		must(t, err)
		id := w.queueAlignments(t)
		body := []byte(`{"method":"alignments","deviations":[{"activity":"Approve invoice"}]}`)
		must(t, s.FinishWithResult(ctx, id, w.process, v, JobResult{ContentType: "application/json", Body: body, Exact: true}))
		var raw []byte
		must(t, s.db.QueryRow(s.rebind("SELECT body FROM job_results WHERE job_id = ?"), id).Scan(&raw))
		if bytes.Contains(raw, []byte("Approve invoice")) {
			t.Error("the result is stored in the clear")
		}
		j, res, err := s.JobResultOf(ctx, w.user, id)
		must(t, err)
		if j.State != "done" || j.Progress != 1 || j.Version != v || !bytes.Equal(res.Body, body) || res.ContentType != "application/json" || !res.Exact {
			t.Errorf("job %+v, result %q %q; want done at 1 from version %d with the body", j, res.ContentType, res.Body, v)
		}
		other, err := s.CreateUser(ctx, User{Username: "other"})
		must(t, err)
		if _, _, err := s.JobResultOf(ctx, other, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("another user's read: %v, want ErrNotFound", err)
		}
		if err := s.FinishWithResult(ctx, id, w.process, v, JobResult{ContentType: "application/json", Body: body, Exact: true}); !errors.Is(err, ErrJobEnded) {
			t.Errorf("a second finish: %v, want ErrJobEnded", err)
		}
		big := w.queueAlignments(t)
		if err := s.FinishWithResult(ctx, big, w.process, v, JobResult{ContentType: "application/json", Body: make([]byte, MaxJobResult+1)}); !errors.Is(err, ErrResultTooLarge) {
			t.Errorf("a result past the bound: %v, want ErrResultTooLarge", err)
		}
	})
}

// TestJobResultsGoWithTheData: every change of a process's data deletes
// its results and fails its analysis jobs under way, which then store
// nothing; a result computed from a version no longer the latest is
// refused.
func TestJobResultsGoWithTheData(t *testing.T) {
	changes := []struct {
		name   string
		change func(t *testing.T, ctx context.Context, w *jobWorld, v access.ID)
	}{
		{"new version", func(t *testing.T, ctx context.Context, w *jobWorld, _ access.ID) {
			_, err := w.s.AddVersion(ctx, w.process, Version{Source: "y"}, []byte("newer"))
			must(t, err)
		}},
		{"version deleted", func(t *testing.T, ctx context.Context, w *jobWorld, v access.ID) {
			must(t, w.s.DeleteVersion(ctx, w.process, v))
		}},
		{"version rewritten", func(t *testing.T, ctx context.Context, w *jobWorld, v access.ID) {
			_, err := w.s.RewriteVersion(ctx, LogVersion{Process: w.process, Version: v}, func([]byte) ([]byte, error) { return []byte("erased"), nil })
			must(t, err)
		}},
		{"erasure in the environment", func(t *testing.T, ctx context.Context, w *jobWorld, _ access.ID) {
			_, err := w.s.DropJobResults(ctx, w.env, "erased")
			must(t, err)
		}},
		{"process deleted", func(t *testing.T, ctx context.Context, w *jobWorld, _ access.ID) {
			must(t, w.s.DeleteProcess(ctx, w.env, w.process))
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
				v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
				must(t, err)
				done := w.queueAlignments(t)
				must(t, s.FinishWithResult(ctx, done, w.process, v, JobResult{ContentType: "application/json", Body: []byte("{}")}))
				running := w.queueAlignments(t)
				c.change(t, ctx, w, v)
				if n, err := s.JobResults(ctx, 0); err != nil || n != 0 {
					t.Errorf("results left: %d %v", n, err)
				}
				if _, res, err := s.JobResultOf(ctx, w.user, done); err != nil || res.Body != nil {
					t.Errorf("the done job's result after the change: %q %v, want none", res.Body, err)
				}
				err = s.FinishWithResult(ctx, running, w.process, v, JobResult{ContentType: "application/json", Body: []byte("{}")})
				if !errors.Is(err, ErrJobEnded) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrDataChanged) {
					t.Errorf("finishing a job that ran across the change: %v, want it refused", err)
				}
				if n, err := s.JobResults(ctx, 0); err != nil || n != 0 {
					t.Errorf("results stored after the change: %d %v", n, err)
				}
			})
		})
	}
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("log"))
		must(t, err)
		id := w.queueAlignments(t)
		// Added past the store's hooks: FinishWithResult's own check.
		_, err = s.db.Exec(s.rebind("INSERT INTO log_versions (process_id, created_at, created_by, source, cases, events, resident, data) VALUES (?, 0, 0, 'z', 0, 0, 0, ?)"), w.process, []byte{})
		must(t, err)
		if err := s.FinishWithResult(ctx, id, w.process, v, JobResult{ContentType: "application/json", Body: []byte("{}")}); !errors.Is(err, ErrDataChanged) {
			t.Errorf("a result of a version no longer the latest: %v, want ErrDataChanged", err)
		}
	})
}

// TestLostAlignmentJobSaysStartAgain: an alignments job whose River job
// is gone is failed with a reason of its own (no file to upload again).
func TestLostAlignmentJobSaysStartAgain(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		id := w.queueAlignments(t) // River's job 42 does not exist
		imp := w.stage(t, []byte("lost too"))
		_, err := s.FailLostJobs(ctx, "upload the file again", time.Hour)
		must(t, err)
		for job, want := range map[access.ID]string{id: lostAnalysisReason, imp: "upload the file again"} {
			j, err := s.JobOf(ctx, w.user, job)
			must(t, err)
			if j.State != "failed" || j.Error != want {
				t.Errorf("lost %s job: %s %q, want failed %q", j.Kind, j.State, j.Error, want)
			}
		}
	})
}

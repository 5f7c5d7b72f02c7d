package jobs

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// alignWorld is a store with an environment whose administrator owns a
// process with one version, and a Queue whose alignments are compute's.
type alignWorld struct {
	st                 *store.Store
	q                  *Queue
	env, user, process access.ID
	version            access.ID
	compute            func(ctx context.Context, a AlignmentsArgs, progress func(done, total int)) (Computed, error)
}

func newAlignWorld(t *testing.T, dsn string) *alignWorld {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &alignWorld{st: st}
	if w.user, err = st.CreateUser(ctx, store.User{Username: "analyst"}); err != nil {
		t.Fatal(err)
	}
	var root access.ID
	if w.env, root, err = st.CreateEnvironment(ctx, "e", w.user); err != nil {
		t.Fatal(err)
	}
	if w.process, err = st.CreateProcess(ctx, store.Process{Env: w.env, Name: "p", Owner: access.Principal{User: w.user}, Unit: root}); err != nil {
		t.Fatal(err)
	}
	if w.version, err = st.AddVersion(ctx, w.process, store.Version{Source: "x"}, []byte("log")); err != nil {
		t.Fatal(err)
	}
	w.q = New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, ProgressEvery: 5 * time.Millisecond,
		Alignments: func(ctx context.Context, a AlignmentsArgs, progress func(done, total int)) (Computed, error) {
			return w.compute(ctx, a, progress)
		}})
	return w
}

// run queues a job and runs it as its last attempt, returning the job as
// its user then sees it.
func (w *alignWorld) run(t *testing.T) store.Job {
	t.Helper()
	ctx := context.Background()
	id, err := w.st.QueueJob(ctx, store.Job{Env: w.env, Process: w.process, User: w.user, Kind: store.JobAlignments}, 100, func(*sql.Tx, access.ID) (int64, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := w.q.alignmentsJob(ctx, AlignmentsArgs{Job: id, Env: w.env, Process: w.process, User: w.user, Query: url.Values{"method": {"alignments"}}}, true); err != nil && !strings.Contains(err.Error(), "the reason is in procmine's job") {
		t.Errorf("alignmentsJob: %v", err)
	}
	j, err := w.st.JobOf(ctx, w.user, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// progressOf reads a job's progress while it runs.
func (w *alignWorld) progressOf(t *testing.T, ctx context.Context, job access.ID) float64 {
	j, err := w.st.JobOf(ctx, w.user, job)
	if err != nil {
		t.Error(err)
	}
	return j.Progress
}

// TestAlignmentsJob: the job writes its progress while the aligner
// reports it and keeps the result; it stops, keeping nothing, when a
// change of the data fails it meanwhile; it fails with the report's
// refusal, and when its user has left the environment.
func TestAlignmentsJob(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			w := newAlignWorld(t, dsn)
			ctx := context.Background()

			var seen []float64
			w.compute = func(ctx context.Context, a AlignmentsArgs, progress func(done, total int)) (Computed, error) {
				for d := 1; d <= 4; d++ {
					progress(d, 4)
					// The ticker writes it soon; on a busy machine, later.
					want := 0.99 * float64(d) / 4
					p := w.progressOf(t, ctx, a.Job)
					for deadline := time.Now().Add(10 * time.Second); p < want && time.Now().Before(deadline); {
						time.Sleep(5 * time.Millisecond)
						p = w.progressOf(t, ctx, a.Job)
					}
					seen = append(seen, p)
				}
				return Computed{Version: w.version, Result: store.JobResult{ContentType: "application/json", Body: []byte(`{"method":"alignments"}`), Exact: true}}, nil
			}
			j := w.run(t)
			if j.State != "done" || j.Progress != 1 || j.Version != w.version {
				t.Errorf("job: %+v, want done at 1", j)
			}
			if len(seen) != 4 || seen[0] <= 0 || seen[1] <= seen[0] || seen[3] >= 1 {
				t.Errorf("progress while aligning: %v, want it rising short of 1", seen)
			}
			if _, res, err := w.st.JobResultOf(ctx, w.user, j.ID); err != nil || string(res.Body) != `{"method":"alignments"}` {
				t.Errorf("result: %q %v", res.Body, err)
			}

			// A new version while it aligns: the job is failed, its work
			// is stopped, nothing is kept.
			stopped := false
			w.compute = func(ctx context.Context, a AlignmentsArgs, progress func(done, total int)) (Computed, error) {
				progress(1, 10)
				if _, err := w.st.AddVersion(context.Background(), w.process, store.Version{Source: "y"}, []byte("newer")); err != nil {
					t.Error(err)
				}
				select {
				case <-ctx.Done():
					stopped = true
				case <-time.After(5 * time.Second):
				}
				return Computed{Version: w.version, Result: store.JobResult{Body: []byte("{}")}}, ctx.Err()
			}
			j = w.run(t)
			if !stopped || j.State != "failed" || !strings.Contains(j.Error, "data changed") {
				t.Errorf("a job across a new version: stopped %v, %+v", stopped, j)
			}
			if n, err := w.st.JobResults(ctx, w.process); err != nil || n != 0 {
				t.Errorf("results after a new version: %d %v", n, err)
			}
			latest, err := w.st.LatestVersion(ctx, w.process)
			if err != nil {
				t.Fatal(err)
			}
			w.version = latest

			// The report's refusal is the job's reason.
			w.compute = func(context.Context, AlignmentsArgs, func(int, int)) (Computed, error) {
				return Computed{}, &Refusal{Message: "the view has too few cases"}
			}
			if j := w.run(t); j.State != "failed" || j.Error != "the view has too few cases" {
				t.Errorf("a refusal: %+v", j)
			}
			// So is a busy server, on the last attempt.
			w.compute = func(context.Context, AlignmentsArgs, func(int, int)) (Computed, error) {
				return Computed{}, &Refusal{Message: "every mining slot is busy", Retry: true}
			}
			if j := w.run(t); j.State != "failed" || j.Error != "every mining slot is busy" {
				t.Errorf("busy on the last attempt: %+v", j)
			}
			// An internal error says so, and nothing more.
			w.compute = func(context.Context, AlignmentsArgs, func(int, int)) (Computed, error) {
				return Computed{}, errors.New("disk on fire at /var/lib/secret")
			}
			if j := w.run(t); j.State != "failed" || strings.Contains(j.Error, "secret") || !strings.Contains(j.Error, "internal error") {
				t.Errorf("an internal error: %+v", j)
			}

			// A user who left the environment: nothing is computed.
			computed := false
			w.compute = func(context.Context, AlignmentsArgs, func(int, int)) (Computed, error) {
				computed = true
				return Computed{}, nil
			}
			other, err := w.st.CreateUser(ctx, store.User{Username: "other"})
			if err != nil {
				t.Fatal(err)
			}
			// An administrator stays: the environment keeps one.
			root, err := w.st.Subject(ctx, w.env, w.user)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.SetMember(ctx, w.env, other, root.Unit, []string{access.SystemAdministrator}); err != nil {
				t.Fatal(err)
			}
			if err := w.st.RemoveMember(ctx, w.env, w.user); err != nil {
				t.Fatal(err)
			}
			if j := w.run(t); computed || j.State != "failed" || !strings.Contains(j.Error, "no longer a member") {
				t.Errorf("a user who left: computed %v, %+v", computed, j)
			}
		})
	}
}

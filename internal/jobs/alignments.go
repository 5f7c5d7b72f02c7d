package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/store"
)

// AlignmentsArgs is a queued alignment of a process's view against a
// model: the job users watch, whose it is, and the query of the report
// (GET …/conformance?method=alignments&…) it answers. The query may hold
// filter values, which may name a person: it is kept decoded, so that an
// erasure finds and rewrites them (store.EraseFromImports), and River's
// row goes soon after the job.
type AlignmentsArgs struct {
	Job     access.ID  `json:"job"`
	Env     access.ID  `json:"env"`
	Process access.ID  `json:"process"`
	User    access.ID  `json:"user"`
	Query   url.Values `json:"query"`
}

func (AlignmentsArgs) Kind() string { return store.JobAlignments }

// InsertOpts: an alignment stopped by a shutdown runs once more; it reads
// only what the store holds, and computes the same again. Alignments
// have a queue of their own (queueAnalysis), so that long ones never
// hold the workers uploads need.
func (AlignmentsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 2, Queue: queueAnalysis}
}

// queueAnalysis is the queue alignments run in, one at a time per server.
const queueAnalysis = "analysis"

// Computed is what an alignments job computed: the report's answer, and
// the version of the process's data it was computed from.
type Computed struct {
	Version access.ID
	Result  store.JobResult
}

// Refusal is the report's own refusal of the query (its filters, the
// model, the data it needs), with the message its user reads: the job
// fails with it, and is not tried again unless Retry (the server was
// busy), then only once more.
type Refusal struct {
	Message string
	Retry   bool
}

func (e *Refusal) Error() string { return e.Message }

// MaxAlignmentJobs bounds the alignments jobs a user may have waiting or
// running at once.
const MaxAlignmentJobs = 3

type alignmentsWorker struct {
	river.WorkerDefaults[AlignmentsArgs]
	q *Queue
}

func (w *alignmentsWorker) Timeout(*river.Job[AlignmentsArgs]) time.Duration {
	return w.q.alignTimeout()
}

func (w *alignmentsWorker) Work(ctx context.Context, job *river.Job[AlignmentsArgs]) error {
	return w.q.alignmentsJob(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

func (q *Queue) alignTimeout() time.Duration { return cmp.Or(q.cfg.AlignTimeout, 10*time.Minute) }

// alignmentsJob computes the answer a queued job's report would give its
// user now, through the report's own code (Config.Alignments), and keeps
// it with the job. Rights are checked again first: the user may have
// left the environment or lost the right to the process's reports while
// the job waited. A refusal of the report fails the job for good with
// its message; anything else is retried, and fails the job only on the
// last attempt.
func (q *Queue) alignmentsJob(ctx context.Context, a AlignmentsArgs, last bool) (err error) {
	fail := func(reason string) error {
		if ferr := q.cfg.Store.FailJob(context.WithoutCancel(ctx), a.Job, reason); ferr != nil && !errors.Is(ferr, store.ErrJobEnded) {
			q.cfg.Log.Error("job", "job", a.Job, "err", ferr)
		}
		return river.JobCancel(errors.New("the alignment failed; the reason is in procmine's job"))
	}
	defer func() {
		if v := recover(); v != nil {
			q.cfg.Log.Error("alignments panic", "job", a.Job, "panic", v)
			err = fail("internal error while aligning")
		}
	}()
	retry := func(err error) error {
		q.cfg.Log.Error("alignments", "job", a.Job, "err", err)
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fail(fmt.Sprintf("the alignment took longer than %s and was stopped: narrow the view with filters, or lower the budget", q.alignTimeout()))
		case last && ctx.Err() != nil:
			return fail("the server stopped during the alignment: start it again")
		case last:
			return fail("internal error: the alignment could not be computed or stored")
		}
		return err
	}
	if err := q.cfg.Store.StartJob(ctx, a.Job); errors.Is(err, store.ErrJobEnded) {
		return nil // a retry of a job that did end, or one a change of the data failed
	} else if err != nil {
		return retry(err)
	}
	if sub, err := q.cfg.Store.Subject(ctx, a.Env, a.User); errors.Is(err, store.ErrNotFound) {
		return fail("you are no longer a member of the environment: nothing was computed")
	} else if err != nil {
		return retry(err)
	} else if rec, err := q.cfg.Store.ProcessRecord(ctx, a.Env, a.Process); errors.Is(err, store.ErrNotFound) {
		return fail("the process was deleted: nothing was computed")
	} else if err != nil {
		return retry(err)
	} else if authz.ReportDenied(sub, rec) != nil {
		return fail("you may no longer read this process's reports: nothing was computed")
	}
	if q.cfg.Alignments == nil {
		return fail("this server cannot compute alignments")
	}

	// Progress is written by a ticker from what the aligner last said:
	// at most every ProgressEvery, whatever the number of variants.
	var done, total atomic.Int64
	var ended atomic.Bool
	// A job failed meanwhile (a change of the process's data, an
	// erasure) stops its work at once.
	work, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(cmp.Or(q.cfg.ProgressEvery, 500*time.Millisecond))
		defer t.Stop()
		written := -1.0
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				n, d := total.Load(), done.Load()
				if n == 0 {
					continue
				}
				// Short of 1: the job is done when its result is stored.
				if p := 0.99 * float64(d) / float64(n); p > written {
					switch err := q.cfg.Store.JobProgress(ctx, a.Job, p); {
					case err == nil:
						written = p
					case errors.Is(err, store.ErrJobEnded):
						ended.Store(true)
						cancel()
						return
					}
				}
			}
		}
	})
	c, err := func() (Computed, error) {
		defer wg.Wait()
		defer close(stop)
		return q.cfg.Alignments(work, a, func(d, n int) { done.Store(int64(d)); total.Store(int64(n)) })
	}()
	var refusal *Refusal
	switch {
	case ended.Load():
		return nil // failed with its reason meanwhile
	case errors.As(err, &refusal) && refusal.Retry && !last:
		return err
	case errors.As(err, &refusal):
		return fail(refusal.Message)
	case err != nil:
		return retry(err)
	}
	err = q.cfg.Store.FinishWithResult(ctx, a.Job, a.Process, c.Version, c.Result)
	switch {
	case errors.Is(err, store.ErrJobEnded):
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fail("the process was deleted during the alignment: nothing was kept")
	case errors.Is(err, store.ErrDataChanged):
		return fail("the process's data changed during the alignment: start it again")
	case errors.Is(err, store.ErrResultTooLarge):
		return fail(fmt.Sprintf("the result is larger than %d MB, the most a job keeps: narrow the view with filters", store.MaxJobResult>>20))
	case err != nil:
		return retry(err)
	}
	return nil
}

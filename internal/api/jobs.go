package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// importArgs is a queued import: the job users watch, and how to read
// the file staged with it.
type importArgs struct {
	Job     access.ID        `json:"job"`
	Env     access.ID        `json:"env"`
	Process access.ID        `json:"process"`
	User    access.ID        `json:"user"`
	Name    string           `json:"name"`
	Size    int64            `json:"size"`
	Options importer.Options `json:"options"`
	// Privacy applies the environment's privacy policy, as it is when the
	// import runs, before anything is stored.
	Privacy bool `json:"privacy"`
}

func (importArgs) Kind() string { return "import" }

// InsertOpts: an import interrupted by a crash or a shutdown is run once
// more from its staged file, not more: a file that brought one server down
// must not bring down the others in turn.
func (importArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 2} }

type importWorker struct {
	river.WorkerDefaults[importArgs]
	s *Server
}

func (w *importWorker) Timeout(*river.Job[importArgs]) time.Duration { return w.s.cfg.ImportTimeout }

func (w *importWorker) Work(ctx context.Context, job *river.Job[importArgs]) error {
	return w.s.importJob(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

func (s *Server) jobQueue() *river.Client[*sql.Tx] {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	return s.queue
}

// importJob reads a staged upload into a new version of the process. A
// fault of the file fails the job for good with the reason; anything else
// is retried, and fails the job only on the last attempt.
func (s *Server) importJob(ctx context.Context, a importArgs, last bool) (err error) {
	// The reason is the user's to read, in the job; River keeps its own
	// record of errors, outside erasure: it gets no more than this.
	fail := func(reason string) error {
		if ferr := s.cfg.Store.FailJob(context.WithoutCancel(ctx), a.Job, reason); ferr != nil && !errors.Is(ferr, store.ErrJobEnded) {
			s.cfg.Log.Error("job", "job", a.Job, "err", ferr)
		}
		return river.JobCancel(errors.New("the import failed; the reason is in procmine's job"))
	}
	defer func() {
		// A reader's panic on some file must fail the job, not the server.
		if v := recover(); v != nil {
			s.cfg.Log.Error("import panic", "job", a.Job, "panic", v)
			err = fail("internal error while reading the file")
		}
	}()
	retry := func(err error) error {
		s.cfg.Log.Error("import", "job", a.Job, "err", err)
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fail(fmt.Sprintf("%s: the import took longer than %s and was stopped", a.Name, s.cfg.ImportTimeout))
		case last && ctx.Err() != nil:
			return fail("the server stopped during the import: upload the file again")
		case last:
			return fail("internal error: the file could not be read or stored")
		}
		return err
	}
	if err := s.cfg.Store.StartJob(ctx, a.Job); errors.Is(err, store.ErrJobEnded) {
		return nil // a retry of a job that did end
	} else if err != nil {
		return retry(err)
	}
	// The uploader may have lost the right to add data, or the process may
	// be gone, while the file waited.
	if sub, err := s.cfg.Store.Subject(ctx, a.Env, a.User); errors.Is(err, store.ErrNotFound) {
		return fail("you are no longer a member of the environment: the file was not imported")
	} else if err != nil {
		return retry(err)
	} else if rec, err := s.cfg.Store.ProcessRecord(ctx, a.Env, a.Process); errors.Is(err, store.ErrNotFound) {
		return fail("the process was deleted: the file was not imported")
	} else if err != nil {
		return retry(err)
	} else if authz.ImportDenied(sub, rec) != nil {
		return fail("you may no longer add data to this process: the file was not imported")
	}
	var applier *privacy.Applier
	if a.Privacy {
		if _, applier, err = s.policyOf(ctx, a.Env); err != nil {
			return retry(err)
		}
	}
	opts := a.Options
	// Real logs compress about 20 to 1; far more is a bomb.
	opts.MaxContent = min(maxContent, 200*a.Size+1<<20)
	// The log is bounded while it is read, not only once encoded (the
	// maxStored check below): eventlog's default budget of memory and
	// attribute keys, whatever the job's arguments say.
	opts.Budget = eventlog.Budget{}
	pr := &progressReader{r: storeReader{s.cfg.Store.Upload(ctx, a.Job)}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // report progress while reading
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if a.Size > 0 {
					s.cfg.Store.JobProgress(ctx, a.Job, 0.9*float64(pr.read.Load())/float64(a.Size))
				}
			}
		}
	})
	l, err := func() (*eventlog.Log, error) {
		defer wg.Wait()
		defer close(done)
		return importer.Read(pr, a.Name, opts)
	}()
	if err != nil {
		// The store's errors (and a timeout or shutdown) are retried;
		// every other is the file's.
		var se *storeReadError
		switch {
		case errors.As(err, &se):
			return retry(se.err)
		case ctx.Err() != nil:
			return retry(ctx.Err())
		}
		var pe *eventlog.ParseError
		var ue *importer.UsageError
		var tooLarge *importer.ErrTooLarge
		if errors.As(err, &pe) || errors.As(err, &ue) || errors.As(err, &tooLarge) {
			return fail(err.Error())
		}
		return fail("the file could not be read: " + err.Error())
	}
	if applier != nil {
		// Before anything is stored: resources and string attributes.
		l.Rewrite(applier.Rewriter())
	}
	data, err := l.MarshalBinary()
	if err != nil {
		return retry(err)
	}
	if len(data) > maxStored {
		return fail(fmt.Sprintf("%s: the log is too large to store (%d events, %d MB encoded; at most %d MB)", a.Name, l.NumEvents(), len(data)>>20, maxStored>>20))
	}
	v := store.Version{By: a.User, Source: a.Name, Cases: l.NumCases(), Events: l.NumEvents()}
	version, err := s.cfg.Store.FinishImport(ctx, a.Job, a.Process, v, data)
	switch {
	case errors.Is(err, store.ErrJobEnded):
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fail("the process was deleted during the import: the file was not imported")
	}
	if err != nil {
		return retry(err)
	}
	s.cfg.Store.Audit(ctx, store.AuditEntry{Env: a.Env, At: s.cfg.Now().UTC(), ActorID: a.User, Actor: fmt.Sprintf("user %d", a.User),
		Action: "data.version", Target: store.AuditTarget("process", a.Process), Detail: fmt.Sprintf("version %d: %d cases, %d events from %s", version, l.NumCases(), l.NumEvents(), a.Name)})
	return nil
}

// storeReader marks the errors of reading the staged upload, which are
// the store's and not the file's.
type storeReader struct{ r io.Reader }

type storeReadError struct{ err error }

func (e *storeReadError) Error() string { return "reading the staged upload: " + e.err.Error() }
func (e *storeReadError) Unwrap() error { return e.err }

func (r storeReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &storeReadError{err}
	}
	return n, err
}

// levelAtLeast passes on only records of at least its level.
type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

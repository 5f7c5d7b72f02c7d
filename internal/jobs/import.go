package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/ocel"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
	"github.com/riverqueue/river"
)

// ImportArgs is a queued import: the job users watch, and how to read
// the file staged with it.
type ImportArgs struct {
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
	// Mapping are the column-mapping fields the upload gave, remembered
	// for the process's next upload once the import succeeds.
	Mapping map[string]string `json:"mapping,omitempty"`
}

func (ImportArgs) Kind() string { return "import" }

// InsertOpts: an import interrupted by a crash or a shutdown is run once
// more from its staged file, not more: a file that brought one server down
// must not bring down the others in turn.
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 2} }

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	q *Queue
}

func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return w.q.cfg.ImportTimeout }

func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	return w.q.importJob(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

func (q *Queue) Client() *river.Client[*sql.Tx] {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.client
}

// importJob reads a staged upload into a new version of the process. A
// fault of the file fails the job for good with the reason; anything else
// is retried, and fails the job only on the last attempt.
func (q *Queue) importJob(ctx context.Context, a ImportArgs, last bool) (err error) {
	// The reason is the user's to read, in the job; River keeps its own
	// record of errors, outside erasure: it gets no more than this.
	fail := func(reason string) error {
		if ferr := q.cfg.Store.FailJob(context.WithoutCancel(ctx), a.Job, reason); ferr != nil && !errors.Is(ferr, store.ErrJobEnded) {
			q.cfg.Log.Error("job", "job", a.Job, "err", ferr)
		} else if ferr == nil {
			// Not the reason: it may quote the file.
			q.notify(ctx, a.Env, webhooks.ImportFailed, ImportData{Process: a.Process, Job: a.Job}, nil)
		}
		return river.JobCancel(errors.New("the import failed; the reason is in procmine's job"))
	}
	defer func() {
		// A reader's panic on some file must fail the job, not the server.
		if v := recover(); v != nil {
			q.cfg.Log.Error("import panic", "job", a.Job, "panic", v)
			err = fail("internal error while reading the file")
		}
	}()
	retry := func(err error) error {
		q.cfg.Log.Error("import", "job", a.Job, "err", err)
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fail(fmt.Sprintf("%s: the import took longer than %s and was stopped", a.Name, q.cfg.ImportTimeout))
		case last && ctx.Err() != nil:
			return fail("the server stopped during the import: upload the file again")
		case last:
			return fail("internal error: the file could not be read or stored")
		}
		return err
	}
	if err := q.cfg.Store.StartJob(ctx, a.Job); errors.Is(err, store.ErrJobEnded) {
		return nil // a retry of a job that did end
	} else if err != nil {
		return retry(err)
	}
	// The uploader may have lost the right to add data, or the process may
	// be gone, while the file waited.
	if sub, err := q.cfg.Store.Subject(ctx, a.Env, a.User); errors.Is(err, store.ErrNotFound) {
		return fail("you are no longer a member of the environment: the file was not imported")
	} else if err != nil {
		return retry(err)
	} else if rec, err := q.cfg.Store.ProcessRecord(ctx, a.Env, a.Process); errors.Is(err, store.ErrNotFound) {
		return fail("the process was deleted: the file was not imported")
	} else if err != nil {
		return retry(err)
	} else if authz.ImportDenied(sub, rec) != nil {
		return fail("you may no longer add data to this process: the file was not imported")
	}
	var applier *privacy.Applier
	if a.Privacy {
		if applier, err = q.cfg.Policy(ctx, a.Env); err != nil {
			return retry(err)
		}
	}
	opts := a.Options
	// Real logs compress about 20 to 1; far more is a bomb.
	opts.MaxContent = min(MaxContent, 200*a.Size+1<<20)
	// The log is bounded while it is read, not only once encoded (the
	// maxStored check below): eventlog's default budget of memory and
	// attribute keys, whatever the job's arguments say.
	opts.Budget = eventlog.Budget{}
	opts.Size = a.Size
	opts.Context, opts.TempDir = ctx, q.cfg.TempDir
	// An object-centric log's graph, across its types, is kept with the
	// version it is flattened into.
	var graph string
	opts.OnOCEL = func(l *ocel.Log) {
		if b, err := json.Marshal(l.Graph(opts.ObjectType)); err == nil {
			graph = string(b)
		}
	}
	// A gzip file's last bytes say how large its content is: read only
	// for one, and only for one large enough to be worth it.
	opts.ContentSize = func() int64 {
		if a.Size <= 1<<20 {
			return 0
		}
		tail, err := q.cfg.Store.UploadTail(ctx, a.Job, 4)
		if err != nil {
			return 0
		}
		return eventlog.GzipContentSize(a.Size, tail)
	}
	pr := &progressReader{r: storeReader{q.cfg.Store.Upload(ctx, a.Job)}}
	defer func() {
		// What reading a large file took (a multiple of the log) goes
		// back to the operating system now, not when the runtime gets to
		// it: a server's resident size after an import is what it keeps.
		// Not after small ones: each is a full collection.
		if pr.read.Load() > freeAfter {
			debug.FreeOSMemory()
		}
	}()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // report progress while reading
		t := time.NewTicker(cmp.Or(q.cfg.ProgressEvery, 250*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if a.Size > 0 {
					q.cfg.Store.JobProgress(ctx, a.Job, 0.9*float64(pr.read.Load())/float64(a.Size))
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
		var server *importer.ServerError
		switch {
		case errors.As(err, &se):
			return retry(se.err)
		case errors.As(err, &server):
			return retry(err)
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
	// What the log will take in a server's memory, measured: the log and
	// the activity-instance view every report starts from. One that
	// cannot fit in the memory budget is refused now, with the size it
	// needs, rather than at every report.
	cases, events := l.NumCases(), l.NumEvents()
	data, resident, refusal, err := q.storable(l, a.Name, "upload a part of the log", pr.read.Load() > freeAfter)
	if err != nil {
		return retry(err)
	}
	if refusal != "" {
		return fail(refusal)
	}
	version, err := q.cfg.Store.FinishImport(ctx, store.Imported{
		Job: a.Job, Process: a.Process, Data: data, Room: true,
		Version: store.Version{By: a.User, Source: a.Name, Cases: cases, Events: events, Resident: resident, ObjectCentric: graph},
		// A mapping that read the file is offered again; one that did
		// not never replaces it.
		Mapping: a.Mapping,
		Audit: func(version access.ID) store.AuditEntry {
			return store.AuditEntry{Env: a.Env, At: q.cfg.Now().UTC(), ActorID: a.User, Actor: fmt.Sprintf("user %d", a.User),
				Action: "data.version", Target: store.AuditTarget("process", a.Process), Detail: fmt.Sprintf("version %d: %d cases, %d events from %s", version, cases, events, a.Name)}
		},
	})
	switch {
	case errors.Is(err, store.ErrJobEnded):
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fail("the process was deleted during the import: the file was not imported")
	}
	if err != nil {
		return retry(err)
	}
	q.notify(ctx, a.Env, webhooks.ImportFinished, ImportData{Process: a.Process, Job: a.Job, Version: version, Cases: cases, Events: events}, nil)
	q.checkConformance(ctx, a.Env, a.Process, version)
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

// sweep fails, now and every minute, the jobs that nothing will run
// any more (see store.FailLostJobs), so that none stays "running" for ever
// and no staged file outlives its job, and likewise the webhook
// deliveries whose job is gone (store.FailLostDeliveries); and, now and every hour, deletes
// the objects of the blob store that no row names (store.SweepObjects).
func (q *Queue) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for minute := 0; ; minute++ {
		n, err := q.cfg.Store.FailLostJobs(ctx, "the server running the import stopped and it could not be run again: upload the file again", time.Hour)
		if err != nil && ctx.Err() == nil {
			q.cfg.Log.Error("sweeping lost jobs", "err", err)
		} else if n > 0 {
			q.cfg.Log.Warn("failed lost jobs", "jobs", n)
		}
		// A delivery whose job was discarded (a crash, a database error
		// on its last attempt) would stay waiting for ever, and count
		// against its webhook's pending deliveries.
		if n, err := q.cfg.Store.FailLostDeliveries(ctx, "not delivered: the job delivering it stopped"); err != nil && ctx.Err() == nil {
			q.cfg.Log.Error("sweeping lost webhook deliveries", "err", err)
		} else if n > 0 {
			q.cfg.Log.Warn("failed lost webhook deliveries", "deliveries", n)
		}
		if minute%60 == 0 {
			// An import stopped by a crash leaves the temporary copy of
			// an OCEL SQLite upload behind: older than any import runs,
			// it goes (it may name a person).
			if n := importer.RemoveStaleCopies(q.cfg.TempDir, 2*q.cfg.ImportTimeout); n > 0 {
				q.cfg.Log.Warn("deleted temporary copies of uploads left by a stopped import", "files", n)
			}
			// A day spares the objects of rows still being written, the
			// largest upload included, whatever the bucket's clock.
			n, err := q.cfg.Store.SweepObjects(ctx, time.Now().Add(-24*time.Hour))
			if err != nil && ctx.Err() == nil {
				q.cfg.Log.Error("sweeping the blob store", "err", err)
			} else if n > 0 {
				q.cfg.Log.Warn("deleted objects no row names from the blob store", "objects", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startRiver starts running background jobs: this server's share of the
// queue that every server of the database draws from.
func (q *Queue) startRiver(ctx context.Context) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, &importWorker{q: q})
	river.AddWorker(workers, &refreshWorker{q: q})
	river.AddWorker(workers, &alignmentsWorker{q: q})
	river.AddWorker(workers, &tickWorker{q: q})
	river.AddWorker(workers, &webhookWorker{q: q})
	// River's own messages are for operators only when something is wrong.
	quiet := slog.New(q.cfg.Log.Handler()).With("component", "jobs")
	client, err := river.NewClient(q.cfg.Store.JobDriver(), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}, queueSources: {MaxWorkers: 1}, queueAnalysis: {MaxWorkers: 1}, queueWebhooks: {MaxWorkers: 2}},
		Workers: workers,
		// Neither SQLite nor database/sql listens for notifications: poll.
		FetchCooldown:     50 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		JobTimeout:        q.cfg.ImportTimeout,
		// A job still marked running this long after it started lost its
		// server: it is queued again.
		RescueStuckJobsAfter: 2 * q.cfg.ImportTimeout,
		Logger:               slog.New(levelAtLeast{quiet.Handler(), slog.LevelWarn}),
		// River's rows hold the uploaded file's name, which may name a
		// person: they go soon after their job ends, not days later.
		CompletedJobRetentionPeriod: 10 * time.Minute,
		CancelledJobRetentionPeriod: 10 * time.Minute,
		DiscardedJobRetentionPeriod: 10 * time.Minute,
		// Data sources whose refresh is due are queued by one server,
		// River's leader, every ScheduleEvery.
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(q.cfg.ScheduleEvery, time.Minute)),
			func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	// The queue stops with Stop, gently; the end of ctx would stop it
	// at once.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	q.mu.Lock()
	q.client = client
	q.mu.Unlock()
	return nil
}

// stopRiver lets the jobs under way finish until ctx ends, then cancels
// them; a cancelled import is queued again and resumes on the next start
// of any server.
func (q *Queue) stopRiver(ctx context.Context) error {
	q.mu.Lock()
	client := q.client
	q.client = nil
	q.mu.Unlock()
	if client == nil {
		return nil
	}
	if err := client.Stop(ctx); err != nil {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return errors.Join(err, client.StopAndCancel(stop))
	}
	return nil
}

// progressReader counts the bytes read, for the job's progress.
type progressReader struct {
	r    io.Reader
	read atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read.Add(int64(n))
	return n, err
}

// freeAfter is the upload size past which an import returns the memory it
// took to the operating system when it ends.
const freeAfter = 8 << 20

// storable is l's stored form, written once into a buffer with room for
// its seal, which the store then seals where it lies (store.Imported's
// Room), and what l takes in a server's memory, measured (the log and the
// activity-instance view every report starts from); or, as refusal, why
// this server will not keep it: more than its memory budget (hint says
// what the user may do), or more than a stored version holds. collect
// runs the collector first, after reading a large file.
//
// Nothing refers to the log once its stored form is written, and the
// collector may take it while the store works: at no time is the log
// held with two copies of its stored form (issue 16 bounds an import's
// peak to twice what the log keeps).
func (q *Queue) storable(l *eventlog.Log, name, hint string, collect bool) (data []byte, resident int64, refusal string, err error) {
	resident = eventlog.Resident(l, l.Instances())
	if b := q.cfg.MemoryBudget; b > 0 && resident > b {
		return nil, resident, fmt.Sprintf("%s: the log would take %s of memory once loaded (%d events and their activity instances), more than this server keeps for logs (its memory budget, %s): the administrator may raise --memory-budget, or %s", name, mib(resident), l.NumEvents(), mib(b), hint), nil
	}
	if collect {
		// What reading left (its buffers, the instance view just
		// measured) is collected now, so that the collector's next goal
		// is twice the log, not twice the log and what reading took: the
		// heap then holds the log and its stored form within it.
		runtime.GC()
	}
	size, err := l.BinarySize()
	if err != nil {
		return nil, resident, "", err
	}
	if size > MaxStored {
		return nil, resident, fmt.Sprintf("%s: the log is too large to store (%d events, %d MB encoded; at most %d MB)", name, l.NumEvents(), size>>20, MaxStored>>20), nil
	}
	data, err = l.AppendBinary(make([]byte, seal.Headroom, seal.Headroom+size+seal.Overhead))
	return data, resident, "", err
}

// mib writes a size in MiB, to one decimal.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

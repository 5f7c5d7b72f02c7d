package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// RefreshArgs is a queued refresh of a data source: incremental (the rows
// past its watermark, appended to the version its last refresh made)
// unless Full, or unless the source has no watermark or version yet.
type RefreshArgs struct {
	Source access.ID `json:"source"`
	Full   bool      `json:"full,omitempty"`
	// By is who asked for it; 0 for the schedule.
	By access.ID `json:"by,omitempty"`
}

func (RefreshArgs) Kind() string { return "source-refresh" }

// InsertOpts: a refresh interrupted by a shutdown runs once more. One
// refresh of a source runs at a time, by the source's own claim
// (store.ClaimRefresh), not by River's unique jobs: River marks a job
// done a moment after it ends, and a refresh asked for in that moment
// would be dropped.
// Refreshes have a queue of their own (queueSources), so that sources
// waiting on slow databases never hold the workers uploads need.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 2, Queue: queueSources}
}

// queueSources is the queue refreshes run in, one at a time per server.
const queueSources = "sources"

type refreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	q *Queue
}

func (w *refreshWorker) Timeout(*river.Job[RefreshArgs]) time.Duration { return w.q.cfg.ImportTimeout }

func (w *refreshWorker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	_, err := w.q.Refresh(ctx, job.Args, job.Attempt >= job.MaxAttempts)
	return err
}

// ParseSchedule reads a refresh schedule in cron's five fields (minute,
// hour, day of month, month, day of week; "@daily" and the like too).
func ParseSchedule(s string) (cron.Schedule, error) {
	sch, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("the schedule %q is not in cron's five fields (minute hour day-of-month month day-of-week, as \"0 * * * *\" for hourly): %v", s, err)
	}
	// Each refresh stores a version: one every few minutes is the most
	// a schedule may ask.
	first := sch.Next(time.Now())
	if first.IsZero() {
		return nil, fmt.Errorf("the schedule %q never comes due", s)
	}
	for at, i := first, 0; i < 50; i++ {
		next := sch.Next(at)
		if next.Sub(at) < MinScheduleInterval {
			return nil, fmt.Errorf("the schedule %q refreshes more often than every %v, the most a source may", s, MinScheduleInterval)
		}
		at = next
	}
	return sch, nil
}

// MinScheduleInterval is the shortest time between two scheduled
// refreshes of a source.
const MinScheduleInterval = 5 * time.Minute

// QueueRefresh queues a refresh of the source. It reports false, and
// queues nothing, when one is running or waiting: a caller who asks a
// thousand times holds one refresh, not a thousand.
func (q *Queue) QueueRefresh(ctx context.Context, source access.ID, full bool, by access.ID) (bool, error) {
	client := q.Client()
	if client == nil {
		return false, errors.New("jobs: the queue is not running")
	}
	if running, err := q.cfg.Store.RefreshRunning(ctx, source, q.staleClaim()); err != nil || running {
		return false, err
	}
	queued := false
	err := q.cfg.Store.WithTx(ctx, func(tx *sql.Tx) (err error) {
		if queued, err = q.cfg.Store.MarkQueued(ctx, tx, source, q.staleClaim()); err != nil || !queued {
			return err
		}
		_, err = client.InsertTx(ctx, tx, RefreshArgs{Source: source, Full: full, By: by}, nil)
		return err
	})
	return queued && err == nil, err
}

// staleClaim is how old a refresh's claim must be to be taken over: its
// server has died (a refresh ends within ImportTimeout).
func (q *Queue) staleClaim() time.Duration { return 2*q.cfg.ImportTimeout + time.Minute }

// RefreshResult is what a refresh did.
type RefreshResult struct {
	Version access.ID
	Rows    int
	Full    bool
}

// Refresh reads a data source into a new version of its process. A fault
// of the source (its connection, query or rows, or the rights of the
// user it reads as)
// fails the refresh for good: it is recorded on the source and in the
// audit log, and the last version stays. Anything else is retried, and
// recorded as a failure on the last attempt.
func (q *Queue) Refresh(ctx context.Context, a RefreshArgs, last bool) (res RefreshResult, err error) {
	// One refresh of a source at a time: a second one waiting behind it
	// has nothing to do but what the first did.
	claim, err := q.cfg.Store.ClaimRefresh(ctx, a.Source, q.staleClaim())
	if err != nil {
		return res, err
	}
	if claim == 0 {
		// Gone, or running elsewhere: nothing to do, and nothing waits.
		return res, q.cfg.Store.Unqueued(ctx, a.Source)
	}
	release := func() {
		if rerr := q.cfg.Store.ReleaseRefresh(context.WithoutCancel(ctx), a.Source, claim); rerr != nil {
			q.cfg.Log.Error("source refresh", "source", a.Source, "err", rerr)
		}
	}
	defer func() {
		if err != nil && !errors.Is(err, errEnded) {
			release() // to be tried again: the claim goes with this attempt
		}
	}()
	src, err := q.cfg.Store.DataSourceToRefresh(ctx, a.Source)
	if errors.Is(err, store.ErrNotFound) {
		return res, nil // deleted since
	} else if err != nil {
		return res, err
	}
	actor, actorID := "the schedule", access.ID(0)
	if a.By != 0 {
		actor, actorID = fmt.Sprintf("user %d", a.By), a.By
	}
	fail := func(reason string) error {
		entry := store.AuditEntry{Env: src.Env, At: q.cfg.Now().UTC(), ActorID: actorID, Actor: actor, Action: "data.source.refresh.failed",
			Target: store.AuditTarget("process", src.Process), Detail: store.AuditTarget("source", src.ID) + ": " + reason}
		switch ferr := q.cfg.Store.FailRefresh(context.WithoutCancel(ctx), src.ID, src.Revision, claim, reason, entry); {
		case errors.Is(ferr, store.ErrRefreshRaced):
			release() // changed meanwhile: the reason is not the source's now
		case ferr != nil:
			q.cfg.Log.Error("source refresh", "source", src.ID, "err", ferr)
		default:
			// Not the reason: it may quote the source's rows.
			q.notify(ctx, src.Env, webhooks.ImportFailed, ImportData{Process: src.Process, Source: src.ID}, nil)
		}
		return river.JobCancel(errEnded)
	}
	defer func() {
		if v := recover(); v != nil {
			q.cfg.Log.Error("source refresh panic", "source", src.ID, "panic", v)
			err = fail("internal error while reading the source")
		}
	}()
	retry := func(err error) error {
		q.cfg.Log.Error("source refresh", "source", src.ID, "err", err)
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fail(fmt.Sprintf("the refresh took longer than %s and was stopped", q.cfg.ImportTimeout))
		case last && ctx.Err() != nil:
			return fail("the server stopped during the refresh: refresh again")
		case last:
			return fail("internal error: the source could not be read or stored")
		}
		return err
	}
	// The source reads with the rights, as they are now, of the user who
	// gave it its connection (store.DataSource.CreatedBy, runs_as).
	if sub, err := q.cfg.Store.Subject(ctx, src.Env, src.CreatedBy); errors.Is(err, store.ErrNotFound) {
		return res, fail("the user the source reads as is no longer a member of the environment: nothing was read (give the source its connection again)")
	} else if err != nil {
		return res, retry(err)
	} else if rec, err := q.cfg.Store.ProcessRecord(ctx, src.Env, src.Process); errors.Is(err, store.ErrNotFound) {
		return res, nil // the process, and so the source, is gone
	} else if err != nil {
		return res, retry(err)
	} else if authz.ImportDenied(sub, rec) != nil || !sub.Can(access.Read, rec.As(access.DataSource)) {
		return res, fail("the user the source reads as may no longer add data to this process or read its sources: nothing was read (give the source its connection again)")
	}
	applier, err := q.cfg.Policy(ctx, src.Env)
	if err != nil {
		return res, retry(err)
	}
	after, err := datasource.DecodeWatermark(src.Watermark)
	if err != nil {
		return res, retry(err)
	}
	// Incremental when it can be: a watermark column (or a folder's file
	// names), a watermark, and the version the last refresh made, to
	// append to.
	var old *eventlog.Log
	incremental := !a.Full && datasource.Incremental(src.Kind, src.WatermarkColumn) && after.Kind != "" && src.Version != 0
	if incremental {
		data, err := q.cfg.Store.VersionData(ctx, src.Process, src.Version)
		if errors.Is(err, store.ErrNotFound) {
			incremental = false // deleted: read everything again
		} else if err != nil {
			return res, retry(err)
		} else {
			old = new(eventlog.Log)
			if err := old.UnmarshalBinary(data); err != nil {
				return res, retry(err)
			}
		}
	}
	if !incremental {
		after = datasource.Watermark{}
	}
	mapping, err := datasource.MappingOf(src.Mapping)
	if err != nil {
		return res, fail(err.Error())
	}
	name := fmt.Sprintf("source %q", src.Name)
	read, err := q.cfg.Sources.Read(ctx, datasource.Query{Kind: src.Kind, Connection: src.Connection, SQL: src.Query, Mapping: mapping,
		WatermarkColumn: src.WatermarkColumn, After: after, Name: name})
	var se *datasource.Error
	switch {
	case errors.As(err, &se):
		return res, fail(se.Error())
	case err != nil:
		return res, retry(err)
	case read.Log == nil && !incremental:
		return res, fail(name + ": the query returned no rows")
	}
	res.Rows, res.Full = read.Rows, !incremental
	var l *eventlog.Log
	if read.Log != nil {
		// Before anything is stored: resources and string attributes.
		read.Log.Rewrite(applier.Rewriter())
		l = read.Log
		if incremental {
			// Appending makes the whole log: one that cannot fit is
			// refused before it is made.
			need := eventlog.Resident(old, read.Log)
			if b := q.cfg.MemoryBudget; b > 0 && need > b {
				return res, fail(fmt.Sprintf("%s: the log would take more than %s of memory once loaded (%d events and more), more than this server keeps for logs (its memory budget, %s)", name, mib(need), old.NumEvents()+read.Rows, mib(b)))
			}
			l = eventlog.Append(old, read.Log)
		}
	}
	kind := "full"
	if incremental {
		kind = "incremental"
	}
	r := store.Refreshed{Source: src.ID, Process: src.Process, From: src.Watermark, Revision: src.Revision, Claim: claim, Watermark: read.Watermark.Encode(), Rows: read.Rows,
		Audit: func(version access.ID) store.AuditEntry {
			return store.AuditEntry{Env: src.Env, At: q.cfg.Now().UTC(), ActorID: actorID, Actor: actor, Action: "data.source.refresh",
				Target: store.AuditTarget("process", src.Process), Detail: fmt.Sprintf("%s: %s refresh, %d rows read, version %d", store.AuditTarget("source", src.ID), kind, read.Rows, version)}
		}}
	if l != nil {
		var resident int64
		var refusal string
		r.Data, resident, refusal, err = q.storable(l, name, "narrow the source's query", false)
		if err != nil {
			return res, retry(err)
		}
		if refusal != "" {
			return res, fail(refusal)
		}
		r.Version = store.Version{By: src.CreatedBy, Source: name, Cases: l.NumCases(), Events: l.NumEvents(), Resident: resident}
		// A full refresh that read what the last one stored stores
		// nothing new: a schedule of a source without a watermark does
		// not fill the store with copies.
		if !incremental && src.Version != 0 {
			if prev, err := q.cfg.Store.VersionData(ctx, src.Process, src.Version); err == nil && bytes.Equal(prev, r.Data[seal.Headroom:]) {
				r.Data, r.Version = nil, store.Version{}
				kind = "full (unchanged)"
			}
		}
	}
	res.Version, err = q.cfg.Store.FinishRefresh(ctx, r)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return res, nil
	case errors.Is(err, store.ErrRefreshRaced):
		// Changed meanwhile (its query, say): what was read is not what
		// the source reads now, and the next refresh reads it anew.
		release()
		return res, river.JobCancel(errEnded)
	case err != nil:
		return res, retry(err)
	}
	if r.Data != nil {
		// A new version, as an upload's import makes one.
		q.notify(ctx, src.Env, webhooks.ImportFinished, ImportData{Process: src.Process, Source: src.ID, Version: res.Version, Cases: r.Version.Cases, Events: r.Version.Events}, nil)
		q.checkConformance(ctx, src.Env, src.Process, res.Version)
	}
	return res, nil
}

// errEnded ends a refresh whose outcome is recorded on its source: River
// does not try it again.
var errEnded = errors.New("the refresh ended; how is recorded on procmine's data source")

// TickArgs is the scheduler's periodic job: it queues the refreshes that
// are due. River runs periodic jobs on its elected leader only, so one
// server of the database schedules.
type TickArgs struct{}

func (TickArgs) Kind() string { return "source-schedule" }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	q *Queue
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	_, err := w.q.ScheduleDue(ctx)
	return err
}

// ScheduleDue queues a refresh of every source that is due and moves its
// next run to its schedule's next time, in one transaction each: a
// second scheduler running at once queues none twice. It returns how
// many it queued.
func (q *Queue) ScheduleDue(ctx context.Context) (int, error) {
	client := q.Client()
	if client == nil {
		return 0, errors.New("jobs: the queue is not running")
	}
	now := q.cfg.Now().UTC()
	due, err := q.cfg.Store.DueDataSources(ctx, now, 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		next := time.Time{}
		if sch, err := ParseSchedule(d.Schedule); err == nil {
			next = sch.Next(now)
		}
		err := q.cfg.Store.WithTx(ctx, func(tx *sql.Tx) error {
			ok, err := q.cfg.Store.ScheduleDataSource(ctx, tx, d.ID, d.Due, next)
			if err != nil || !ok {
				return err
			}
			// One already waiting (asked for by hand) does for this one.
			if ok, err = q.cfg.Store.MarkQueued(ctx, tx, d.ID, q.staleClaim()); err != nil || !ok {
				return err
			}
			if _, err := client.InsertTx(ctx, tx, RefreshArgs{Source: d.ID}, nil); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Package jobs runs procmine's background work: imports of uploaded logs
// and alignments of a process's view too heavy for one request,
// queued in the database with River so that any server of the database
// may run them, each bounded in time, memory and what its file may
// expand to, with progress and a reason users read when one fails; and
// the sweep that fails jobs nothing will run any more. The REST API
// queues the jobs (Client) and serves their state from the store.
package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// What an import may take: MaxContent bounds what an upload may expand
// to, and MaxStored keeps an encoded log under what a database value
// holds.
const (
	MaxContent = 8 << 30
	MaxStored  = 900 << 20
)

// Config is what a Queue needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Workers is how many jobs run at once on this server.
	Workers int
	// ImportTimeout bounds an import.
	ImportTimeout time.Duration
	// ProgressEvery is how often a running import writes its progress
	// (250 ms when zero).
	ProgressEvery time.Duration
	// Policy is the applier of the environment's privacy policy as it is
	// when an import runs, for imports that apply it.
	Policy func(ctx context.Context, env access.ID) (*privacy.Applier, error)
	// MemoryBudget is what this server keeps in memory for loaded logs,
	// in bytes (the report engine's): a log that would take more once
	// loaded is refused at import. Zero refuses none.
	MemoryBudget int64
	// TempDir is where an import writes a file it must open by name (an
	// OCEL SQLite file), deleted after; the system's when empty.
	TempDir string
	// Sources is what data sources may reach and read.
	Sources datasource.Config
	// AlignTimeout bounds an alignments job (10 minutes when zero).
	AlignTimeout time.Duration
	// Alignments computes an alignments job's answer, as the report it
	// names would answer its user now, telling progress how many of the
	// view's variants are aligned; a refusal of the report is a
	// *Refusal. The REST API gives it: the report is its.
	Alignments func(ctx context.Context, a AlignmentsArgs, progress func(done, total int)) (Computed, error)
	// ScheduleEvery is how often the scheduler looks for data sources
	// whose refresh is due (a minute when zero: cron's finest unit).
	ScheduleEvery time.Duration
	// Webhooks delivers webhooks (Notify); nil fails every delivery.
	Webhooks *webhooks.Sender
	// WebhookAttempts is how many times a delivery is tried
	// (DefaultWebhookAttempts when zero); WebhookBackoff is the wait
	// after failed attempt n (River's, about n⁴ seconds, when nil).
	WebhookAttempts int
	WebhookBackoff  func(attempt int) time.Duration
	// Conformance is the fitness of a version of a process's data
	// against its reference model, for conformance.below_threshold; ok
	// is false when the process has no reference model. The REST API
	// gives it: the report is its.
	Conformance func(ctx context.Context, env, process, version access.ID) (fitness float64, ok bool, err error)
}

// Queue is this server's share of the job queue every server of the
// database draws from.
type Queue struct {
	cfg    Config
	mu     sync.Mutex
	client *river.Client[*sql.Tx] // once started
	// background runs the sweep until Stop.
	background sync.WaitGroup
	stop       context.CancelFunc
}

// New makes a Queue; Start starts it.
func New(cfg Config) *Queue { return &Queue{cfg: cfg} }

// Start starts running jobs, and the sweep of lost ones.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.startRiver(ctx); err != nil {
		return err
	}
	background, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.stop = cancel
	q.background.Go(func() { q.sweep(background) })
	return nil
}

// Stop lets the jobs under way finish until ctx ends, then cancels them
// (a cancelled import is queued again and resumes on the next start of
// any server), and stops the sweep.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.stopRiver(ctx)
	if q.stop != nil {
		q.stop()
	}
	q.background.Wait()
	return err
}

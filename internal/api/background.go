package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/procmine/procmine/internal/store"
)

// Start starts the server's background work: its share of the job queue
// and, on PostgreSQL, the listener that keeps its caches in step with the
// other servers of the database. Stop ends it.
func (s *Server) Start(ctx context.Context) error {
	if err := s.startJobs(ctx); err != nil {
		return err
	}
	background, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBackground = cancel
	if s.cfg.Store.Shared() {
		// Until it listens, and whenever it stops, the server keeps no
		// decoded logs: it could miss that another server changed one.
		s.reports.Bypass(true)
		s.background.Go(func() {
			s.cfg.Store.Listen(background, s.changed, func(err error) {
				s.reports.Bypass(true)
				s.reports.ForgetAll()
				s.cfg.Log.Warn("notifications from the other servers are interrupted; keeping no logs in memory until they are back", "err", err)
			})
		})
	}
	s.background.Go(func() { s.sweepJobs(background) })
	return nil
}

// sweepJobs fails, now and every minute, the jobs that nothing will run
// any more (see store.FailLostJobs), so that none stays "running" for ever
// and no staged file outlives its job.
func (s *Server) sweepJobs(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		n, err := s.cfg.Store.FailLostJobs(ctx, "the server running the import stopped and it could not be run again: upload the file again", time.Hour)
		if err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("sweeping lost jobs", "err", err)
		} else if n > 0 {
			s.cfg.Log.Warn("failed lost jobs", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop lets the jobs under way finish until ctx ends (see stopJobs), and
// stops listening and sweeping.
func (s *Server) Stop(ctx context.Context) error {
	err := s.stopJobs(ctx)
	if s.stopBackground != nil {
		s.stopBackground()
	}
	s.background.Wait()
	return err
}

// changed drops what a notification says has changed; "" is anything.
func (s *Server) changed(payload string) {
	switch {
	case payload == "":
		// (Re)connected: anything may have changed before.
		s.reports.ForgetAll()
		s.reports.Bypass(false)
		s.forgetPolicies()
	case payload == store.ChangedPolicies:
		s.forgetPolicies()
	default:
		if v, ok := store.ParseChangedVersion(payload); ok {
			s.reports.Forget(v)
		}
	}
}

// tell drops what changed here and tells the other servers, after the
// change is committed.
func (s *Server) tell(ctx context.Context, payload string) {
	s.changed(payload)
	if err := s.cfg.Store.Notify(context.WithoutCancel(ctx), payload); err != nil {
		s.cfg.Log.Error("telling the other servers of a change", "change", payload, "err", err)
	}
}

// startJobs starts running background jobs: this server's share of the
// queue that every server of the database draws from.
func (s *Server) startJobs(ctx context.Context) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, &importWorker{s: s})
	// River's own messages are for operators only when something is wrong.
	quiet := slog.New(s.cfg.Log.Handler()).With("component", "jobs")
	client, err := river.NewClient(s.cfg.Store.JobDriver(), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.cfg.JobWorkers}},
		Workers: workers,
		// Neither SQLite nor database/sql listens for notifications: poll.
		FetchCooldown:     50 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		JobTimeout:        s.cfg.ImportTimeout,
		// A job still marked running this long after it started lost its
		// server: it is queued again.
		RescueStuckJobsAfter: 2 * s.cfg.ImportTimeout,
		Logger:               slog.New(levelAtLeast{quiet.Handler(), slog.LevelWarn}),
		// River's rows hold the uploaded file's name, which may name a
		// person: they go soon after their job ends, not days later.
		CompletedJobRetentionPeriod: 10 * time.Minute,
		CancelledJobRetentionPeriod: 10 * time.Minute,
		DiscardedJobRetentionPeriod: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	// The queue stops with StopJobs, gently; the end of ctx would stop it
	// at once.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	s.queueMu.Lock()
	s.queue = client
	s.queueMu.Unlock()
	return nil
}

// stopJobs lets the jobs under way finish until ctx ends, then cancels
// them; a cancelled import is queued again and resumes on the next start
// of any server.
func (s *Server) stopJobs(ctx context.Context) error {
	s.queueMu.Lock()
	client := s.queue
	s.queue = nil
	s.queueMu.Unlock()
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

package api

import (
	"context"

	"github.com/procmine/procmine/internal/store"
)

// Start starts the server's background work: its share of the job queue
// and, on PostgreSQL, the listener that keeps its caches in step with the
// other servers of the database. Stop ends it.
func (s *Server) Start(ctx context.Context) error {
	if err := s.jobs.Start(ctx); err != nil {
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
	return nil
}

// Stop lets the jobs under way finish until ctx ends (see jobs.Queue.Stop),
// and stops listening.
func (s *Server) Stop(ctx context.Context) error {
	err := s.jobs.Stop(ctx)
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
		s.signin.ForgetPolicies()
	case payload == store.ChangedPolicies:
		s.signin.ForgetPolicies()
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

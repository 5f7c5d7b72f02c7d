// Package report is the report code the REST API and the studio share:
// what a report is computed from (a version's decoded log, kept in memory
// within a budget, with the caller's view and filters), disclosure control
// for callers who may read reports but not raw data, the figures, maps
// and models every report shows, and the slots that bound the heavy work
// (mining, replaying) one request can start. Nothing here decides who may
// read what: that is the authorization layer's (package authz), which
// every entry point asks first.
package report

import (
	"context"
	"sync"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// Config is what an Engine needs.
type Config struct {
	Store *store.Store
	Authz *authz.Authorizer
	// MemoryBudget bounds the loaded logs and answers kept in memory
	// (bytes as eventlog.Resident measures them; 1 GiB when zero): a
	// version that would take more than all of it is refused.
	MemoryBudget int64
	// MiningWorkers is how many models are mined or replayed at once.
	MiningWorkers int
	// Policy is the environment's privacy policy and disclosure key, for
	// disclosure control.
	Policy func(ctx context.Context, env access.ID) (privacy.Policy, []byte, error)
}

// Engine computes reports: one per server, shared by its API and studio.
type Engine struct {
	store  *store.Store
	authz  *authz.Authorizer
	policy func(ctx context.Context, env access.ID) (privacy.Policy, []byte, error)
	logs   *logCache
	// mining holds a slot for each model being mined or replayed.
	mining chan struct{}
	// miners holds, for each caller with model work under way or
	// waiting, the slots that caller may hold at once (miningPerCaller).
	minersMu sync.Mutex
	miners   map[access.ID]*callerSlots
}

// New makes an Engine.
func New(cfg Config) *Engine {
	return &Engine{store: cfg.Store, authz: cfg.Authz, policy: cfg.Policy, logs: newLogCache(cfg.MemoryBudget),
		mining: make(chan struct{}, cfg.MiningWorkers)}
}

// Entry is the kept entry of a version of a process: its decoded log,
// loaded once, and what was computed from it.
func (e *Engine) Entry(ctx context.Context, process, version access.ID) (*Entry, error) {
	return e.logs.entry(ctx, e.store, process, version)
}

// Log is a version's decoded log.
func (e *Engine) Log(ctx context.Context, process, version access.ID) (*eventlog.Log, error) {
	return e.logs.get(ctx, e.store, process, version)
}

// Forget drops what is kept of a version: it changed or is gone.
func (e *Engine) Forget(version access.ID) { e.logs.forget(version) }

// ForgetAll drops everything kept.
func (e *Engine) ForgetAll() { e.logs.forgetAll() }

// Bypass tells the engine to keep nothing (on) or to keep logs again
// (off): while notifications from the other servers may be missed, a log
// changed by one of them could be served stale.
func (e *Engine) Bypass(on bool) { e.logs.bypass.Store(on) }

// MiningSlots is the channel of mining slots, for tests that hold them.
func (e *Engine) MiningSlots() chan struct{} { return e.mining }

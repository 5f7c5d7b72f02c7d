// Package audit writes procmine's audit log: what each request did, by
// whom, from where. The store keeps the log append-only (a trigger refuses
// changes); this package decides what an entry holds and keeps what
// anyone can trigger again and again from flooding it.
package audit

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/store"
)

// Log writes entries to the store's audit log.
type Log struct {
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	proxies request.Proxies

	// throttle remembers when an entry of a key was last written (see
	// Throttle).
	mu   sync.Mutex
	last map[string]time.Time
}

// New is a Log writing to st, stamping entries with now and the client's
// address as the trusted proxies give it; failures to write go to log.
func New(st *store.Store, log *slog.Logger, now func() time.Time, proxies request.Proxies) *Log {
	return &Log{store: st, log: log, now: now, proxies: proxies}
}

// Record records what a request did, as its caller. A failure to record
// is logged and does not undo the change: the change has happened.
func (l *Log) Record(r *http.Request, env access.ID, action, target, detail string) {
	u, _ := request.User(r.Context())
	l.RecordAs(r, env, u, action, target, detail)
}

// Entry is the entry Record would write, for a store function that writes
// it in the transaction of the change it records.
func (l *Log) Entry(r *http.Request, env access.ID, action, target, detail string) store.AuditEntry {
	u, _ := request.User(r.Context())
	return store.AuditEntry{Env: env, At: l.now().UTC(), ActorID: u.ID, Actor: u.Username, Action: action, Target: target, Detail: detail, IP: l.proxies.ClientIP(r), App: request.App(r.Context())}
}

// timeout bounds one audit write, which no longer ends with its request.
const timeout = 10 * time.Second

// RecordAs records with an explicit actor, for sign-in, before there is a
// caller. The entry is written even when the client has gone away: what a
// request did (or tried) is recorded whether or not anyone waits for the
// answer.
func (l *Log) RecordAs(r *http.Request, env access.ID, u store.User, action, target, detail string) {
	e := store.AuditEntry{Env: env, At: l.now().UTC(), ActorID: u.ID, Actor: u.Username, Action: action, Target: target, Detail: detail, IP: l.proxies.ClientIP(r), App: request.App(r.Context())}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	if err := l.store.Audit(ctx, e); err != nil {
		l.log.Error("audit", "err", err, "action", action, "target", target)
	}
}

// Throttle tells whether an entry of this key was not written in the last
// minute, and notes it: what anyone can trigger again and again (a
// refused request, a forged sign-on answer) is recorded once a minute,
// not each time.
func (l *Log) Throttle(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.last == nil || len(l.last) > 10000 {
		l.last = map[string]time.Time{}
	}
	if at, ok := l.last[key]; ok && now.Sub(at) < time.Minute {
		return false
	}
	l.last[key] = now
	return true
}

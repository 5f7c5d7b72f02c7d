package store

import (
	"context"
	"sync"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// Authorization reads the caller's subject, the process's record and its
// latest version on every request. The store keeps them in memory under
// the access generation they were read at: triggers move the generation
// in every transaction that changes what they come from (migration
// 00015), so an answer is never used after a change has committed,
// whichever server or tool made it. Every request reads the generation
// once (WithGeneration): one indexed row, instead of nine queries.

// authCacheLimit bounds the entries kept: past it, they all go. And they
// all go after authCacheAge however the generation stands: a database
// restored from a backup starts again from an older generation, and a
// cache must not meet that number again with answers from before.
const (
	authCacheLimit = 100_000
	authCacheAge   = time.Minute
)

type authCache struct {
	mu       sync.Mutex
	gen      int64
	since    time.Time // when the entries began
	subjects map[[2]access.ID]*access.Subject
	records  map[[2]access.ID]*access.Record
	latest   map[access.ID]access.ID
}

type genKey struct{}

// WithGeneration reads the access generation once for the work of ctx (a
// request): the store's subjects, records and latest versions are then
// answered from memory when nothing has changed since they were read.
func (s *Store) WithGeneration(ctx context.Context) (context.Context, error) {
	var gen int64
	if err := s.db.QueryRowContext(ctx, "SELECT gen FROM access_generation WHERE id = 1").Scan(&gen); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, genKey{}, gen), nil
}

// cachedAt returns the cache as of ctx's generation, emptied when the
// generation has moved; ok is false without one (nothing is cached then).
func (s *Store) cachedAt(ctx context.Context) (c *authCache, gen int64, ok bool) {
	gen, ok = ctx.Value(genKey{}).(int64)
	if !ok {
		return nil, 0, false
	}
	c = &s.auth
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen > c.gen || c.subjects == nil || len(c.subjects)+len(c.records)+len(c.latest) > authCacheLimit || time.Since(c.since) > authCacheAge {
		c.gen, c.since = gen, time.Now()
		c.subjects = map[[2]access.ID]*access.Subject{}
		c.records = map[[2]access.ID]*access.Record{}
		c.latest = map[access.ID]access.ID{}
	}
	return c, gen, gen == c.gen
}

// cached looks key up in m, under the cache's lock.
func cached[K comparable, V any](c *authCache, m func(*authCache) map[K]V, key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := m(c)[key]
	return v, ok
}

// keep stores what was read under gen, unless the generation has moved
// on meanwhile (then it may be out of date).
func keep[K comparable, V any](c *authCache, gen int64, m func(*authCache) map[K]V, key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		m(c)[key] = v
	}
}

func subjectsOf(c *authCache) map[[2]access.ID]*access.Subject { return c.subjects }
func recordsOf(c *authCache) map[[2]access.ID]*access.Record   { return c.records }
func latestOf(c *authCache) map[access.ID]access.ID            { return c.latest }

// Subject is loadSubject, from memory when nothing changed.
func (s *Store) Subject(ctx context.Context, env, user access.ID) (*access.Subject, error) {
	c, gen, ok := s.cachedAt(ctx)
	if !ok {
		return s.loadSubject(ctx, env, user)
	}
	key := [2]access.ID{env, user}
	if sub, ok := cached(c, subjectsOf, key); ok {
		return sub, nil
	}
	sub, err := s.loadSubject(ctx, env, user)
	if err == nil {
		keep(c, gen, subjectsOf, key, sub)
	}
	return sub, err
}

// ProcessRecord is loadProcessRecord, from memory when nothing changed.
// The record is shared: callers change copies (Record.As), never it.
func (s *Store) ProcessRecord(ctx context.Context, env, id access.ID) (*access.Record, error) {
	c, gen, ok := s.cachedAt(ctx)
	if !ok {
		return s.loadProcessRecord(ctx, env, id)
	}
	key := [2]access.ID{env, id}
	if rec, ok := cached(c, recordsOf, key); ok {
		return rec, nil
	}
	rec, err := s.loadProcessRecord(ctx, env, id)
	if err == nil {
		keep(c, gen, recordsOf, key, rec)
	}
	return rec, err
}

// LatestVersion is loadLatestVersion, from memory when nothing changed.
func (s *Store) LatestVersion(ctx context.Context, process access.ID) (access.ID, error) {
	c, gen, ok := s.cachedAt(ctx)
	if !ok {
		return s.loadLatestVersion(ctx, process)
	}
	if v, ok := cached(c, latestOf, process); ok {
		return v, nil
	}
	v, err := s.loadLatestVersion(ctx, process)
	if err == nil {
		keep(c, gen, latestOf, process, v)
	}
	return v, err
}

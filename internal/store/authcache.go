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

// keep stores what was read under gen, unless the generation has moved
// on meanwhile (then it may be out of date).
func keep[K comparable, V any](c *authCache, gen int64, m func(*authCache) map[K]V, key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		m(c)[key] = v
	}
}

// through answers key from the map m of the cache as of ctx's
// generation, or loads it and keeps it there; without a generation it
// loads. Errors (not found among them) are never kept.
func through[K comparable, V any](ctx context.Context, s *Store, m func(*authCache) map[K]V, key K, load func() (V, error)) (V, error) {
	c, gen, ok := s.cachedAt(ctx)
	if !ok {
		return load()
	}
	c.mu.Lock()
	v, ok := m(c)[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		keep(c, gen, m, key, v)
	}
	return v, err
}

func subjectsOf(c *authCache) map[[2]access.ID]*access.Subject { return c.subjects }
func recordsOf(c *authCache) map[[2]access.ID]*access.Record   { return c.records }
func latestOf(c *authCache) map[access.ID]access.ID            { return c.latest }

// Subject is loadSubject, from memory when nothing changed.
func (s *Store) Subject(ctx context.Context, env, user access.ID) (*access.Subject, error) {
	return through(ctx, s, subjectsOf, [2]access.ID{env, user}, func() (*access.Subject, error) { return s.loadSubject(ctx, env, user) })
}

// ProcessRecord is loadProcessRecord, from memory when nothing changed.
// The record is shared: callers change copies (Record.As), never it.
func (s *Store) ProcessRecord(ctx context.Context, env, id access.ID) (*access.Record, error) {
	return through(ctx, s, recordsOf, [2]access.ID{env, id}, func() (*access.Record, error) { return s.loadProcessRecord(ctx, env, id) })
}

// LatestVersion is loadLatestVersion, from memory when nothing changed.
func (s *Store) LatestVersion(ctx context.Context, process access.ID) (access.ID, error) {
	return through(ctx, s, latestOf, process, func() (access.ID, error) { return s.loadLatestVersion(ctx, process) })
}

package report

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/store"
)

// logCache keeps the most recently used decoded logs, by version, so that
// report after report reads memory, not the database, within a memory
// budget: past it, the least recently used go. A version whose data is
// rewritten (erasure, a privacy policy applied) or deleted is forgotten,
// here and, through the database's notifications, on every server.
type logCache struct {
	// bypass keeps nothing: while notifications from the other servers
	// may be missed, a log changed by one of them could be served stale.
	bypass atomic.Bool

	mu      sync.Mutex
	budget  int64 // bytes, estimated
	used    int64
	entries map[access.ID]*Entry
	clock   int64
	// loading are the decodes under way while bypassing.
	loading map[access.ID]*Entry
}

// decodedFactor estimates what a log takes in memory from its encoded
// size: the decoded columns and the two views made from them.
const decodedFactor = 4

// Entry is a version's decoded log as kept, with what was computed from
// it (see Keep).
type Entry struct {
	version access.ID
	once    sync.Once
	log     *eventlog.Log
	err     error
	used    int64
	size    int64 // estimated bytes, once loaded

	// The two views every report starts from, made once.
	viewOnce [2]sync.Once
	views    [2]*eventlog.Log

	// kept are what was computed from this version and is asked for
	// again: report answers by route, query and kind of caller, and the
	// graphs maps are drawn from; at most maxAnswers.
	keptMu sync.Mutex
	kept   map[string]keptValue
}

type keptValue struct {
	v    any
	size int64
}

// Kept is an answer as it is sent.
type Kept struct {
	ContentType string
	Body        []byte
}

// maxAnswers bounds the answers kept per version: past it, they are all
// dropped and kept anew.
const maxAnswers = 256

// View returns the raw-event view (raw) or the activity-instance view of
// a cached log, made once.
func (e *Entry) View(raw bool) *eventlog.Log {
	i := 0
	if raw {
		i = 1
	}
	e.viewOnce[i].Do(func() {
		if raw {
			e.views[i] = e.log.Raw()
		} else {
			e.views[i] = e.log.Instances()
		}
	})
	return e.views[i]
}

func newLogCache(budget int64) *logCache {
	return &logCache{budget: budget, entries: map[access.ID]*Entry{}}
}

// get returns a version's log, decoding it once however many ask at once.
func (c *logCache) get(ctx context.Context, st *store.Store, process, version access.ID) (*eventlog.Log, error) {
	e, err := c.entry(ctx, st, process, version)
	if err != nil {
		return nil, err
	}
	return e.log, nil
}

// entry returns the cache entry of a version, loaded.
func (c *logCache) entry(ctx context.Context, st *store.Store, process, version access.ID) (*Entry, error) {
	c.mu.Lock()
	bypass := c.bypass.Load()
	e, ok := c.entries[version]
	if !ok && bypass {
		// Not kept, but one decode for all who ask at once.
		if e, ok = c.loading[version]; !ok {
			e = &Entry{version: version}
			if c.loading == nil {
				c.loading = map[access.ID]*Entry{}
			}
			c.loading[version] = e
			defer func() {
				c.mu.Lock()
				if c.loading[version] == e {
					delete(c.loading, version)
				}
				c.mu.Unlock()
			}()
		}
	} else if !ok {
		e = &Entry{version: version}
		c.entries[version] = e
	}
	c.clock++
	e.used = c.clock
	c.mu.Unlock()
	e.once.Do(func() {
		// Others may wait on this load: it must not end with one client.
		ctx := context.WithoutCancel(ctx)
		var data []byte
		if data, e.err = st.VersionData(ctx, process, version); e.err == nil {
			var l eventlog.Log
			if e.err = l.UnmarshalBinary(data); e.err == nil {
				e.log = &l
				c.mu.Lock()
				// Forgotten while it loaded (changed by another
				// server): the asker gets it, the cache does not.
				if c.entries[version] == e {
					e.size = int64(len(data)) * decodedFactor
					c.used += e.size
					c.shrink(version)
				}
				c.mu.Unlock()
			}
		}
	})
	if e.err != nil {
		c.forget(version)
		return nil, e.err
	}
	return e, nil
}

// shrink drops the least recently used entries, never keep, until the
// cache is within its budget; c.mu is held. A log larger than the whole
// budget stays alone: the request that asked for it needs it.
func (c *logCache) shrink(keep access.ID) {
	for c.used > c.budget {
		var oldest access.ID
		var at int64 = -1
		for id, e := range c.entries {
			if id != keep && e.size > 0 && (at < 0 || e.used < at) {
				oldest, at = id, e.used
			}
		}
		if at < 0 {
			return
		}
		c.used -= c.entries[oldest].size
		delete(c.entries, oldest)
	}
}

func (c *logCache) forget(version access.ID) {
	c.mu.Lock()
	if e, ok := c.entries[version]; ok {
		c.used -= e.size
		delete(c.entries, version)
	}
	delete(c.loading, version)
	c.mu.Unlock()
}

// Keep returns the value kept under key with the entry, or computes it
// and, when that is not an error, keeps it, counting its size and the
// key's in the budget. The same value may be computed twice at once; it is
// the same.
func Keep[T any](en *Engine, e *Entry, key string, size func(T) int64, compute func() (T, error)) (T, error) {
	c := en.logs
	e.keptMu.Lock()
	k, ok := e.kept[key]
	e.keptMu.Unlock()
	if ok {
		return k.v.(T), nil
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	e.keptMu.Lock()
	var grew int64
	if len(e.kept) >= maxAnswers || e.kept == nil {
		for _, old := range e.kept {
			grew -= old.size
		}
		e.kept = map[string]keptValue{}
	}
	if old, ok := e.kept[key]; ok {
		grew -= old.size
	}
	n := int64(len(key)) + size(v)
	e.kept[key] = keptValue{v: v, size: n}
	grew += n
	e.keptMu.Unlock()
	c.mu.Lock()
	if c.entries[e.version] == e {
		e.size += grew
		c.used += grew
		c.shrink(e.version)
	}
	c.mu.Unlock()
	return v, nil
}

func (c *logCache) forgetAll() {
	c.mu.Lock()
	c.entries, c.used, c.loading = map[access.ID]*Entry{}, 0, nil
	c.mu.Unlock()
}

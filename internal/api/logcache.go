package api

import (
	"context"
	"sync"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/store"
)

// logCache keeps the most recently used decoded logs, by version, so that
// report after report reads memory, not the database. Versions never
// change, so an entry is never stale; a deleted version is forgotten.
type logCache struct {
	mu      sync.Mutex
	max     int
	entries map[access.ID]*cached
	clock   int64
}

type cached struct {
	once sync.Once
	log  *eventlog.Log
	err  error
	used int64

	// The two views every report starts from, made once.
	viewOnce [2]sync.Once
	views    [2]*eventlog.Log
}

// view returns the raw-event view (raw) or the activity-instance view of
// a cached log, made once.
func (e *cached) view(raw bool) *eventlog.Log {
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

func newLogCache(max int) *logCache { return &logCache{max: max, entries: map[access.ID]*cached{}} }

// get returns a version's log, decoding it once however many ask at once.
func (c *logCache) get(ctx context.Context, st *store.Store, process, version access.ID) (*eventlog.Log, error) {
	e, err := c.entry(ctx, st, process, version)
	if err != nil {
		return nil, err
	}
	return e.log, nil
}

// entry returns the cache entry of a version, loaded.
func (c *logCache) entry(ctx context.Context, st *store.Store, process, version access.ID) (*cached, error) {
	c.mu.Lock()
	e, ok := c.entries[version]
	if !ok {
		if len(c.entries) >= c.max {
			c.evict()
		}
		e = &cached{}
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
			}
		}
	})
	if e.err != nil {
		c.forget(version)
		return nil, e.err
	}
	return e, nil
}

// evict drops the least recently used entry; c.mu is held.
func (c *logCache) evict() {
	var oldest access.ID
	var at int64 = -1
	for id, e := range c.entries {
		if at < 0 || e.used < at {
			oldest, at = id, e.used
		}
	}
	delete(c.entries, oldest)
}

func (c *logCache) forget(version access.ID) {
	c.mu.Lock()
	delete(c.entries, version)
	c.mu.Unlock()
}

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
}

func newLogCache(max int) *logCache { return &logCache{max: max, entries: map[access.ID]*cached{}} }

// get returns a version's log, decoding it once however many ask at once.
func (c *logCache) get(ctx context.Context, st *store.Store, process, version access.ID) (*eventlog.Log, error) {
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
	}
	return e.log, e.err
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

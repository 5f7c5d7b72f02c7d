package report

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
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
	budget  int64 // bytes, as eventlog.Resident counts them
	used    int64
	entries map[access.ID]*Entry
	clock   int64
	// loading are the decodes under way while bypassing.
	loading map[access.ID]*Entry
	// decodes counts the versions decoded.
	decodes atomic.Int64
}

// Entry is a version's decoded log as kept, with what was computed from
// it (see Keep).
type Entry struct {
	version access.ID
	once    sync.Once
	log     *eventlog.Log
	err     error
	used    int64
	size    int64 // bytes: its log and views (as measured at import) and kept answers
	loaded  bool  // the log is in (under the cache's mu): it may be dropped

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

// Version is the version the entry holds.
func (e *Entry) Version() access.ID { return e.version }

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
	if budget <= 0 {
		budget = 1 << 30
	}
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
		e.err = c.load(context.WithoutCancel(ctx), st, process, e)
	})
	if e.err != nil {
		c.forgetEntry(e)
		return nil, e.err
	}
	return e, nil
}

// load reads and decodes a version into e. Its size, measured at import,
// is made room for before it is read, among the logs already loaded: the
// budget holds while it loads, a version that cannot fit is refused
// unread, and one that does not fit beside the loads under way waits for
// a retry (503). A version not measured yet (imported before procmine
// measured, or rewritten since) is measured once decoded, and its size
// stored.
func (c *logCache) load(ctx context.Context, st *store.Store, process access.ID, e *Entry) error {
	version := e.version
	need, err := st.VersionResident(ctx, process, version)
	if err != nil {
		return err
	}
	if need > c.budget {
		return errOverBudget()
	}
	if err := c.reserve(e, need); err != nil {
		return err
	}
	data, err := st.VersionData(ctx, process, version)
	if err != nil {
		return err
	}
	var l eventlog.Log
	if err := l.UnmarshalBinary(data); err != nil {
		return err
	}
	c.decodes.Add(1)
	e.log = &l
	if need == 0 {
		need = eventlog.Resident(&l, e.View(false))
		if err := st.SetVersionResident(ctx, process, version, need); err != nil {
			return err
		}
		if need > c.budget {
			e.log, e.views = nil, [2]*eventlog.Log{}
			return errOverBudget()
		}
		if err := c.reserve(e, need); err != nil {
			e.log, e.views = nil, [2]*eventlog.Log{}
			return err
		}
	}
	c.mu.Lock()
	e.loaded = true
	c.mu.Unlock()
	return nil
}

// reserve counts size bytes for e, once, making room for them among the
// loaded logs, unless e is not (or no longer, changed by another server
// while it loaded) one of the cache's entries: the asker gets it, the
// cache does not. With no room beside the loads under way it is
// errMemoryBusy, and nothing is counted.
func (c *logCache) reserve(e *Entry, size int64) error {
	if size == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.version] != e || e.size != 0 {
		return nil
	}
	e.size = size
	c.used += size
	c.shrink(e.version)
	if c.used > c.budget {
		c.used -= size
		e.size = 0
		return errMemoryBusy()
	}
	return nil
}

// errOverBudget is the answer for a version that would take more memory
// than the whole budget. It gives no figure: a report reader may not
// learn the log's size beyond the counts disclosure control gives.
func errOverBudget() error {
	return response.Errorf(http.StatusInsufficientStorage, "over_memory_budget",
		"this version of the log needs more memory than this server keeps for logs (its memory budget): the administrator may raise --memory-budget")
}

// errMemoryBusy is the answer for a version that fits the budget but not
// beside the logs being loaded for other requests.
func errMemoryBusy() error {
	e := response.Errorf(http.StatusServiceUnavailable, "busy", "the server's memory for logs is taken by others being loaded: try again in a few seconds")
	e.RetryAfter = 5
	return e
}

// shrink drops the least recently used loaded entries, never keep, until
// the cache is within its budget; c.mu is held. Entries still loading
// stay (their loads are under way). Kept answers may take an entry past
// the budget alone; it stays: the request that asked for it needs it.
func (c *logCache) shrink(keep access.ID) {
	for c.used > c.budget {
		var oldest access.ID
		var at int64 = -1
		for id, e := range c.entries {
			if id != keep && e.loaded && e.size > 0 && (at < 0 || e.used < at) {
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

// forgetEntry forgets e, if it is still the version's entry: a failed
// load must not take a newer entry of the same version with it.
func (c *logCache) forgetEntry(e *Entry) {
	c.mu.Lock()
	if c.entries[e.version] == e {
		c.used -= e.size
		delete(c.entries, e.version)
	}
	if c.loading[e.version] == e {
		delete(c.loading, e.version)
	}
	c.mu.Unlock()
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

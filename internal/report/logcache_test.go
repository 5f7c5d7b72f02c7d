package report

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestLogCacheBudget: decoded logs are kept within the memory budget, as
// measured at import, the least recently used going first; two that fit
// are not decoded again when used in turn; one larger than the whole
// budget is refused before it is read.
func TestLogCacheBudget(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			u, _ := st.CreateUser(ctx, store.User{Username: "o"})
			env, root, _ := st.CreateEnvironment(ctx, "cache", u)
			p, _ := st.CreateProcess(ctx, store.Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
			var versions []access.ID
			var size, smallest int64
			for i := range 3 {
				l := generate.P2P(generate.Options{Cases: 100, Seed: uint64(i + 1)})
				data, _ := l.MarshalBinary()
				resident := eventlog.Resident(l, l.Instances())
				size = max(size, resident)
				if smallest == 0 || resident < smallest {
					smallest = resident
				}
				v, err := st.AddVersion(ctx, p, store.Version{By: u, Source: "g", Cases: l.NumCases(), Events: l.NumEvents(), Resident: resident}, data)
				if err != nil {
					t.Fatal(err)
				}
				versions = append(versions, v)
			}
			c := newLogCache(2*size + size/2) // room for two
			for _, v := range versions {
				if _, err := c.get(ctx, st, p, v); err != nil {
					t.Fatal(err)
				}
			}
			if _, ok := c.entries[versions[0]]; ok || len(c.entries) != 2 || c.used > c.budget {
				t.Errorf("after three loads: %d entries, %d of %d bytes, first kept %v", len(c.entries), c.used, c.budget, ok)
			}
			// Using the second makes the third the least recently used.
			c.get(ctx, st, p, versions[1])
			c.get(ctx, st, p, versions[0])
			if _, ok := c.entries[versions[2]]; ok {
				t.Error("the least recently used was kept")
			}
			// While notifications may be missed, callers asking at once are
			// all served and nothing is kept (not even a decode under way).
			off := newLogCache(1 << 30)
			off.bypass.Store(true)
			var wg sync.WaitGroup
			logs := make([]*eventlog.Log, 8)
			for i := range logs {
				wg.Go(func() { logs[i], _ = off.get(ctx, st, p, versions[0]) })
			}
			wg.Wait()
			for _, l := range logs {
				if l == nil || l.NumCases() != 100 {
					t.Fatal("a log not served while bypassing")
				}
			}
			if len(off.entries) != 0 || off.used != 0 || len(off.loading) != 0 {
				t.Errorf("bypassing kept %d entries, %d bytes, %d loads", len(off.entries), off.used, len(off.loading))
			}
			off.bypass.Store(false)
			off.get(ctx, st, p, versions[0])
			if len(off.entries) != 1 {
				t.Error("nothing kept once the bypass ends")
			}
			// Two that fit are used in turn, each decoded once.
			two := newLogCache(2*size + size/2)
			for range 3 {
				for _, v := range versions[:2] {
					if _, err := two.get(ctx, st, p, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			if n := two.decodes.Load(); n != 2 {
				t.Errorf("two versions that fit, used in turn three times: %d decodes, want 2", n)
			}
			// One larger than the whole budget is refused, unread (no
			// decode), with the size it needs; nothing is kept.
			tiny := newLogCache(smallest / 2)
			_, err = tiny.get(ctx, st, p, versions[0])
			if e := response.As(err); e == nil || e.Status != http.StatusInsufficientStorage || !strings.Contains(e.Message, "memory budget") || tiny.decodes.Load() != 0 || tiny.used != 0 || len(tiny.entries) != 0 {
				t.Errorf("a log larger than the budget: %v; %d decodes, %d bytes kept", err, tiny.decodes.Load(), tiny.used)
			}
			// A version imported before sizes were measured is measured
			// when loaded, and refused once it is known not to fit.
			l := generate.P2P(generate.Options{Cases: 100, Seed: 9})
			data, _ := l.MarshalBinary()
			old, err := st.AddVersion(ctx, p, store.Version{By: u, Source: "g", Cases: l.NumCases(), Events: l.NumEvents()}, data)
			if err != nil {
				t.Fatal(err)
			}
			measured := newLogCache(1 << 30)
			want := eventlog.Resident(l, l.Instances()) // with the slack appending left, which decoding does not
			if _, err := measured.get(ctx, st, p, old); err != nil || measured.used < want*8/10 || measured.used > want {
				t.Errorf("an unmeasured version: %v, %d bytes counted, Resident says %d before it was stored", err, measured.used, want)
			}
			if n, err := st.VersionResident(ctx, p, old); err != nil || n != measured.used {
				t.Errorf("the measured size stored: %d, %v; want %d", n, err, measured.used)
			}
			if _, err := tiny.get(ctx, st, p, old); response.As(err) == nil || tiny.used != 0 || len(tiny.entries) != 0 {
				t.Errorf("an unmeasured version larger than the budget: %v, %d bytes kept", err, tiny.used)
			}
		})
	}
}

// TestLogCacheReservesBesideLoads: a load makes room among the logs
// already loaded, never by dropping one still loading; with no room
// beside the loads under way it is told to retry (503), counting nothing.
func TestLogCacheReservesBesideLoads(t *testing.T) {
	c := newLogCache(100)
	a, b := &Entry{version: 1}, &Entry{version: 2}
	c.entries[1], c.entries[2] = a, b
	if err := c.reserve(a, 80); err != nil {
		t.Fatal(err)
	}
	err := c.reserve(b, 50)
	if e := response.As(err); e == nil || e.Status != http.StatusServiceUnavailable || c.used != 80 || b.size != 0 {
		t.Errorf("beside a load under way: %v, %d bytes counted", err, c.used)
	}
	a.loaded = true
	if err := c.reserve(b, 50); err != nil || c.used != 50 || c.entries[1] != nil {
		t.Errorf("beside a loaded log: %v, %d bytes counted, first kept %v", err, c.used, c.entries[1] != nil)
	}
	// A failed load of a version forgets its own entry, not a newer one.
	old := &Entry{version: 2}
	c.forgetEntry(old)
	if c.entries[2] != b || c.used != 50 {
		t.Error("a stale entry's failure dropped the newer entry")
	}
}

package report

import (
	"context"
	"sync"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestLogCacheBudget: decoded logs are kept within the memory budget, the
// least recently used going first; one larger than the budget is still
// served.
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
			var size int64
			for i := range 3 {
				l := generate.P2P(generate.Options{Cases: 100, Seed: uint64(i + 1)})
				data, _ := l.MarshalBinary()
				size = max(size, int64(len(data))*decodedFactor)
				v, err := st.AddVersion(ctx, p, store.Version{By: u, Source: "g", Cases: l.NumCases(), Events: l.NumEvents()}, data)
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
			tiny := newLogCache(1)
			if l, err := tiny.get(ctx, st, p, versions[0]); err != nil || l.NumCases() != 100 {
				t.Errorf("a log larger than the budget: %v", err)
			}
		})
	}
}

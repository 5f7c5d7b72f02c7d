package api

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// limiters are limiters on each database, with a clock the test moves.
func limiters(t *testing.T, now *time.Time) map[string]*limiter {
	out := map[string]*limiter{}
	for name, dsn := range storetest.DSNs(t) {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out[name] = newLimiter(st, func() time.Time { return *now })
	}
	return out
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for name, l := range limiters(t, &now) {
		t.Run(name, func(t *testing.T) {
			attempt := func(keys ...string) time.Duration {
				t.Helper()
				w, err := l.attempt(ctx, keys...)
				if err != nil {
					t.Fatal(err)
				}
				return w
			}
			for range freeAttempts {
				if attempt("a") != 0 {
					t.Fatal("blocked before the free attempts are used")
				}
			}
			if w := attempt("a"); w != time.Second {
				t.Errorf("after %d failures: wait %v, want 1s", freeAttempts, w)
			}
			now = now.Add(time.Second)
			if attempt("a") != 0 {
				t.Error("not allowed after waiting")
			}
			if w := attempt("a"); w != 2*time.Second {
				t.Errorf("one more: wait %v, want 2s (doubling)", w)
			}
			if w := attempt("b", "a"); w != 2*time.Second {
				t.Errorf("a fresh key with a blocked one: wait %v, want 2s", w)
			}
			if err := l.succeeded(ctx, "a", "ip"); err != nil {
				t.Fatal(err)
			}
			if attempt("a") != 0 {
				t.Error("success does not clear the account")
			}
			// Quiet long enough, every count is dropped.
			now = now.Add(2*maxWait + time.Minute)
			attempt("c")
			if n, err := l.st.SignInCounts(ctx); err != nil || n != 1 {
				t.Errorf("counts kept after a quiet half hour: %d %v, want 1 (the new one)", n, err)
			}
		})
	}
}

// TestLimiterCountsParallelGuesses: many guesses at once are counted
// before they are checked, so at most the free attempts get through; with
// two limiters on one database (two servers) as with one.
func TestLimiterCountsParallelGuesses(t *testing.T) {
	now := time.Now()
	for name, l := range limiters(t, &now) {
		t.Run(name, func(t *testing.T) {
			other := newLimiter(l.st, l.now)
			var wg sync.WaitGroup
			var mu sync.Mutex
			through := 0
			for i := range 50 {
				wg.Go(func() {
					by := l
					if i%2 == 1 {
						by = other
					}
					w, err := by.attempt(context.Background(), "user:ann", "ip:1")
					if err != nil {
						t.Error(err)
						return
					}
					if w == 0 {
						mu.Lock()
						through++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if through != freeAttempts {
				t.Errorf("%d of 50 parallel guesses got through, want %d", through, freeAttempts)
			}
		})
	}
}

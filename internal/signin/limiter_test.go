package signin

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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
			for range FreeAttempts {
				if attempt("a") != 0 {
					t.Fatal("blocked before the free attempts are used")
				}
			}
			if w := attempt("a"); w != time.Second {
				t.Errorf("after %d failures: wait %v, want 1s", FreeAttempts, w)
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
			if through != FreeAttempts {
				t.Errorf("%d of 50 parallel guesses got through, want %d", through, FreeAttempts)
			}
		})
	}
}

// TestAttack5ParallelAttemptsWithinTheAllowance: 30 attempts at once, 5
// from each of 6 fresh addresses (within the free attempts), with a
// clock that moves on at every reading, are all let through. Before, the
// time was read before the attempt's transaction: an attempt counted
// first by a parallel transaction, later than that time, made a wait
// (11 of 30 refused over HTTP). It fails on 32907ea when the race
// happens (10 runs of 10, 12 to 18 refused, on two CPUs); the next test
// fails every time.
func TestAttack5ParallelAttemptsWithinTheAllowance(t *testing.T) {
	var ticks atomic.Int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Microsecond) }
	now := base
	for name, l := range limiters(t, &now) {
		t.Run(name, func(t *testing.T) {
			l := newLimiter(l.st, clock)
			var wg sync.WaitGroup
			var refused atomic.Int64
			for a := range 6 {
				for range FreeAttempts {
					wg.Add(1)
					go func() {
						defer wg.Done()
						w, err := l.attempt(context.Background(), fmt.Sprintf("ip:192.0.2.%d", a+1))
						if err != nil {
							t.Error(err)
						}
						if w > 0 {
							refused.Add(1)
						}
					}()
				}
			}
			wg.Wait()
			if n := refused.Load(); n != 0 {
				t.Errorf("%d of %d attempts within the free allowance refused", n, 6*FreeAttempts)
			}
		})
	}
}

// TestAttack5ClockBehindDoesNotRefuse: servers sharing a database whose
// clocks differ by a second: an attempt counted by the one ahead does not
// make the one behind refuse the next, within the free attempts. Before,
// the latest attempt, a second "in the future", was a second's wait.
func TestAttack5ClockBehindDoesNotRefuse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, ahead := range limiters(t, &now) {
		t.Run(name, func(t *testing.T) {
			behind := newLimiter(ahead.st, func() time.Time { return now.Add(-time.Second) })
			if w, err := ahead.attempt(context.Background(), "user:ann"); err != nil || w != 0 {
				t.Fatalf("first attempt: %v %v", w, err)
			}
			if w, err := behind.attempt(context.Background(), "user:ann"); err != nil || w != 0 {
				t.Errorf("second attempt, on the server behind: wait %v (%v)", w, err)
			}
			// Past the free attempts, the wait still counts.
			for range FreeAttempts - 2 {
				ahead.attempt(context.Background(), "user:ann")
			}
			if w, _ := behind.attempt(context.Background(), "user:ann"); w < time.Second {
				t.Errorf("after %d attempts: wait %v, want at least 1s", FreeAttempts, w)
			}
		})
	}
}

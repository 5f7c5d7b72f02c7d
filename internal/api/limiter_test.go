package api

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	for range freeAttempts {
		if l.attempt("a") != 0 {
			t.Fatal("blocked before the free attempts are used")
		}
	}
	if w := l.attempt("a"); w != time.Second {
		t.Errorf("after %d failures: wait %v, want 1s", freeAttempts, w)
	}
	now = now.Add(time.Second)
	if l.attempt("a") != 0 {
		t.Error("not allowed after waiting")
	}
	if w := l.attempt("a"); w != 2*time.Second {
		t.Errorf("one more: wait %v, want 2s (doubling)", w)
	}
	l.succeeded("a", "ip")
	if l.attempt("a") != 0 {
		t.Error("success does not clear the account")
	}
}

// TestLimiterCountsParallelGuesses: many guesses at once are counted
// before they are checked, so at most the free attempts get through.
func TestLimiterCountsParallelGuesses(t *testing.T) {
	now := time.Now()
	l := newLimiter(func() time.Time { return now })
	var wg sync.WaitGroup
	var mu sync.Mutex
	through := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.attempt("user:ann", "ip:1") == 0 {
				mu.Lock()
				through++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if through != freeAttempts {
		t.Errorf("%d of 50 parallel guesses got through, want %d", through, freeAttempts)
	}
}

func TestLimiterStaysBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	for i := range maxTracked {
		l.failures[fmt.Sprint(i)] = failure{count: 1, last: now}
	}
	if w := l.attempt("new"); w != maxWait {
		t.Errorf("a new key while full of recent failures: wait %v", w)
	}
	now = now.Add(maxWait + 2*time.Minute)
	if w := l.attempt("new"); w != 0 || len(l.failures) != 1 {
		t.Errorf("after the old failures expire: wait %v, %d entries", w, len(l.failures))
	}
}

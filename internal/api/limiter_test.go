package api

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterGrowsAndForgets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	for range freeAttempts {
		if l.wait("a") != 0 {
			t.Fatal("blocked before the free attempts are used")
		}
		l.fail("a")
	}
	if w := l.wait("a"); w != time.Second {
		t.Errorf("after %d failures: wait %v, want 1s", freeAttempts, w)
	}
	l.fail("a")
	if w := l.wait("a"); w != 2*time.Second {
		t.Errorf("one more: wait %v, want 2s (doubling)", w)
	}
	for range 30 {
		l.fail("a")
	}
	if w := l.wait("a"); w != maxWait {
		t.Errorf("many failures: wait %v, want the %v cap", w, maxWait)
	}
	l.succeed("a")
	if l.wait("a") != 0 {
		t.Error("success does not clear the account")
	}
	// Old entries are forgotten once the table is full.
	for i := range maxTracked {
		l.failures[fmt.Sprint(i)] = failure{count: 1, last: now}
	}
	now = now.Add(maxWait + time.Second)
	l.fail("fresh")
	if len(l.failures) != 1 {
		t.Errorf("%d entries kept after the purge", len(l.failures))
	}
}

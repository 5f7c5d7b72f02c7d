package api

import (
	"sync"
	"time"
)

// limiter slows down password guessing: after a few failures for an
// account or from an address, each further attempt must wait twice as long
// as the one before (up to 15 minutes). Success clears the account's count.
type limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string]failure
}

type failure struct {
	count int
	last  time.Time
}

const (
	freeAttempts = 5
	maxWait      = 15 * time.Minute
)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, failures: map[string]failure{}}
}

// wait returns how long the caller must still wait before trying again
// for any of the keys (account, address); zero lets it try now.
func (l *limiter) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		f := l.failures[k]
		if f.count < freeAttempts {
			continue
		}
		delay := min(time.Second<<min(f.count-freeAttempts, 20), maxWait)
		longest = max(longest, f.last.Add(delay).Sub(l.now()))
	}
	return max(longest, 0)
}

// maxTracked bounds the memory an attacker can make the limiter use:
// past it, failures older than maxWait are forgotten.
const maxTracked = 100_000

func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= maxTracked {
		for k, f := range l.failures {
			if l.now().Sub(f.last) > maxWait {
				delete(l.failures, k)
			}
		}
	}
	for _, k := range keys {
		f := l.failures[k]
		l.failures[k] = failure{count: f.count + 1, last: l.now()}
	}
}

func (l *limiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

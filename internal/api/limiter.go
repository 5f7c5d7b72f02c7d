package api

import (
	"sync"
	"time"
)

// limiter slows down password guessing: after a few failures for an
// account or from an address, each further attempt must wait twice as long
// as the one before (up to 15 minutes). Every attempt counts as a failure
// when it starts, so parallel guesses cannot slip past the count; success
// then clears the account and takes the attempt back from the address.
type limiter struct {
	mu        sync.Mutex
	now       func() time.Time
	failures  map[string]failure
	lastPurge time.Time
}

type failure struct {
	count int
	last  time.Time
	prev  time.Time // last before the latest attempt, restored if it succeeds
}

const (
	freeAttempts = 5
	maxWait      = 15 * time.Minute
	// maxTracked bounds the memory an attacker can make the limiter use.
	maxTracked = 100_000
)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, failures: map[string]failure{}}
}

func delay(f failure) time.Duration {
	if f.count < freeAttempts {
		return 0
	}
	return min(time.Second<<min(f.count-freeAttempts, 20), maxWait)
}

// attempt returns how long the caller must still wait before trying any of
// the keys; when that is zero it counts the attempt against every key.
func (l *limiter) attempt(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.failures) >= maxTracked && now.Sub(l.lastPurge) > time.Minute {
		l.lastPurge = now
		for k, f := range l.failures {
			if now.Sub(f.last) > maxWait {
				delete(l.failures, k)
			}
		}
	}
	var wait time.Duration
	for _, k := range keys {
		f, ok := l.failures[k]
		if !ok && len(l.failures) >= maxTracked {
			// Full of recent failures: refuse rather than stop counting.
			return maxWait
		}
		wait = max(wait, f.last.Add(delay(f)).Sub(now))
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		f := l.failures[k]
		l.failures[k] = failure{count: f.count + 1, last: now, prev: f.last}
	}
	return 0
}

// refund takes back the latest attempt from every key: for a step that
// tried nothing secret (a right password that must now be followed by a
// code).
func (l *limiter) refund(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		f, ok := l.failures[k]
		if !ok {
			continue
		}
		if f.count <= 1 {
			delete(l.failures, k)
			continue
		}
		f.count, f.last = f.count-1, f.prev
		l.failures[k] = f
	}
}

// succeeded clears the account and takes the attempt back from the address.
func (l *limiter) succeeded(account, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, account)
	if f, ok := l.failures[addr]; ok {
		if f.count <= 1 {
			delete(l.failures, addr)
		} else {
			f.count, f.last = f.count-1, f.prev
			l.failures[addr] = f
		}
	}
}

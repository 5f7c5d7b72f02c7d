package signin

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// limiter slows down password guessing: after a few failures for an
// account or from an address, each further attempt must wait twice as long
// as the one before (up to 15 minutes). Every attempt counts as a failure
// when it starts, so parallel guesses cannot slip past the count; success
// then clears the account and takes the attempt back from the address. The
// counts are in the database, shared by every server: guesses spread over
// servers are counted together.
type limiter struct {
	st  *store.Store
	now func() time.Time
}

// FreeAttempts is how many failed attempts an account or an address makes
// before each next one waits (a second, doubling up to maxWait).
const FreeAttempts = 5

const maxWait = 15 * time.Minute

func newLimiter(st *store.Store, now func() time.Time) *limiter {
	return &limiter{st: st, now: now}
}

func delay(count int) time.Duration {
	if count < FreeAttempts {
		return 0
	}
	return min(time.Second<<min(count-FreeAttempts, 20), maxWait)
}

// attempt returns how long the caller must still wait before trying any of
// the keys; when that is zero it counts the attempt against every key.
//
// A key within its free attempts has no wait, whatever the time of its
// latest attempt: that time can be later than now, read on a server whose
// clock is behind the one that counted it.
func (l *limiter) attempt(ctx context.Context, keys ...string) (time.Duration, error) {
	return l.st.CountSignIn(ctx, l.now, keys, 2*maxWait, func(now time.Time, counts []store.SignInCount) time.Duration {
		var wait time.Duration
		for _, c := range counts {
			if d := delay(c.Count); d > 0 {
				wait = max(wait, c.Last.Add(d).Sub(now))
			}
		}
		return wait
	})
}

// refund takes back the latest attempt from every key: for a step that
// tried nothing secret (a right password that must now be followed by a
// code).
func (l *limiter) refund(ctx context.Context, keys ...string) error {
	return l.st.RefundSignIn(ctx, keys...)
}

// succeeded clears the account and takes the attempt back from the address.
func (l *limiter) succeeded(ctx context.Context, account, addr string) error {
	if err := l.st.ClearSignIn(ctx, account); err != nil {
		return err
	}
	return l.st.RefundSignIn(ctx, addr)
}

// countAttempt counts an attempt at a secret (a password, a code) against
// the account of username, case-folded (ALICE and alice are one account),
// and the client's address, and refuses one made while either must wait
// (429 with Retry-After; what names the attempts: "wrong codes"). An empty username counts
// against the address only. It returns the keys, for succeeded or refund.
func (s *Service) countAttempt(w http.ResponseWriter, r *http.Request, username, what string) (account, addr string, err error) {
	addr = "ip:" + s.cfg.TrustedProxies.ClientIP(r)
	keys := []string{addr}
	if username != "" {
		account = "user:" + strings.ToLower(username)
		keys = []string{account, addr}
	}
	wait, err := s.limiter.attempt(r.Context(), keys...)
	if err != nil {
		return "", "", err
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return "", "", response.Errorf(http.StatusTooManyRequests, "too_many_attempts", "too many "+what+": wait and try again")
	}
	return account, addr, nil
}

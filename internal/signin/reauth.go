package signin

import (
	"errors"
	"net/http"
	"time"

	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// Changes to an account's security (its second factor, its tokens, and
// new accounts it makes) are made only from an interactive session whose
// password or factor was checked recently, or with the password sent again
// in the request: a leaked token, or a session left open on a shared
// machine, must not be enough to enrol an attacker's authenticator, to
// mint a token, or to make an account that outlives them.

// RecentSignIn is how long after its sign-in a session may change the
// account's security without giving the password again.
const RecentSignIn = 10 * time.Minute

// AccountSecurity admits an account-security change: never
// through a personal access token; from a session signed in within
// RecentSignIn; or from an older session with the account's password,
// checked and rate-limited as a sign-in.
func (s *Service) AccountSecurity(w http.ResponseWriter, r *http.Request, password string) error {
	if request.ViaToken(r) {
		return response.Errorf(http.StatusForbidden, "session_required", "a personal access token cannot change account security (second factor, tokens, new accounts): sign in with your password and do it from that session")
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return response.ErrUnauthenticated
	}
	// The sign-in's own time, as stored: one derived from the expiry
	// would make old sessions look new if the session lifetime shrank.
	signedIn, err := s.cfg.Store.SessionSignedIn(r.Context(), auth.Digest(c.Value))
	if err != nil {
		return err
	}
	if s.cfg.Now().Sub(signedIn) <= RecentSignIn {
		return nil
	}
	if password == "" {
		return response.Errorf(http.StatusForbidden, "reauthentication_required", "this change needs a recent sign-in: sign in again (through your organisation's provider, if you sign in with it), or send your password (\"password\") with the change")
	}
	u := request.Caller(r)
	account, addr, err := s.countAttempt(w, r, u.Username, "wrong passwords")
	if err != nil {
		return err
	}
	if err := s.CheckPassword(r.Context(), password, u.PasswordHash); isBusy(err) {
		// Nothing was checked: the attempt is given back.
		if rerr := s.limiter.refund(r.Context(), account, addr); rerr != nil {
			return rerr
		}
		return err
	} else if errors.Is(err, auth.ErrMismatch) {
		s.audit.Record(r, 0, "reauthentication.failed", store.AuditTarget("user", u.ID), "wrong password")
		return response.Errorf(http.StatusForbidden, "wrong_password", "password: not this account's password")
	} else if err != nil {
		return err
	}
	// Only this attempt is taken back: clearing the account's count here
	// would let the password, sent again with each request, reset the
	// count that guards a second-factor code checked after it.
	return s.limiter.refund(r.Context(), account, addr)
}

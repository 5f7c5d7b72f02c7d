package signin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

const SessionCookie = "procmine_session"

// Authenticated admits requests with a live session cookie or a bearer token.
func (s *Service) Authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id access.ID
		var mfa bool
		var err error
		bearer, viaToken := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if viaToken {
			id, mfa, err = s.cfg.Store.TokenUser(r.Context(), auth.Digest(strings.TrimSpace(bearer)), s.cfg.Now())
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil {
			id, mfa, err = s.cfg.Store.SessionUser(r.Context(), auth.Digest(c.Value), s.cfg.Now())
		} else {
			err = store.ErrNotFound
		}
		if errors.Is(err, store.ErrNotFound) {
			response.WriteError(w, r, response.ErrUnauthenticated)
			return
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		// What authorization reads is answered from memory while nothing
		// of it has changed.
		ctx, err := s.cfg.Store.WithGeneration(r.Context())
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		r = r.WithContext(ctx)
		u, err := s.cfg.Store.UserByID(r.Context(), id)
		if err == nil {
			err = s.ConditionalAccess(r, u, accesspolicy.API, mfa)
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		h(w, r.WithContext(request.Signed(r.Context(), u, mfa, viaToken)))
	}
}

type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Code is a one-time password or a recovery code: the second factor.
	Code string `json:"code,omitempty"`
}

// Start checks Credentials, rate-limited, and sets a fresh session
// cookie: the one way in, for the API and the studio alike. Every attempt
// that is counted is also audited with what became of it, including one
// that could not be completed (the client went away, the database
// failed): such an attempt is never recorded as a policy's refusal.
func (s *Service) Start(w http.ResponseWriter, r *http.Request, c Credentials, app string) (store.User, error) {
	if c.Username == "" || c.Password == "" {
		return store.User{}, response.Invalid("username and password are required")
	}
	// A name that cannot be a username is counted against the address
	// only, and never stored: it could be anything, of any size. A name
	// is audited case-folded, as it is counted: ALICE and alice are one
	// account (migration 00020), and one search of the audit log.
	valid := ValidUsername(c.Username)
	counted, name := c.Username, strings.ToLower(c.Username)
	if !valid {
		counted, name = "", "(not a valid username)"
	}
	account, addr, err := s.countAttempt(w, r, counted, "failed sign-ins")
	if err != nil {
		return store.User{}, err
	}
	var u store.User
	// unfinished audits an attempt that ended on an error that is neither
	// the caller's nor a policy's, and returns the error.
	passwordOK := false
	unfinished := func(err error) error {
		who := u
		if who.ID == 0 {
			who = store.User{Username: name}
		}
		detail := "not completed: internal error"
		if r.Context().Err() != nil {
			detail = "not completed: the client went away"
		}
		if passwordOK {
			detail = "password accepted; " + detail
		}
		s.audit.RecordAs(r, 0, who, "sign-in.failed", "user "+who.Username, detail)
		return err
	}
	err = store.ErrNotFound
	if valid {
		u, err = s.cfg.Store.UserByName(r.Context(), c.Username)
	}
	// Both ways take a password slot (Service.passwordSlot), and wait for
	// it alike.
	if err == nil {
		err = s.CheckPassword(r.Context(), c.Password, u.PasswordHash)
	} else if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as for a real account, so timing does not
		// tell which usernames exist.
		if _, herr := s.HashPassword(r.Context(), c.Password); isBusy(herr) {
			err = herr
		}
	}
	if isBusy(err) {
		// No slot came free: nothing was tried, so the attempt is given
		// back (a flood of guesses must not use up others' allowance).
		if rerr := s.limiter.refund(r.Context(), account, addr); rerr != nil {
			return store.User{}, unfinished(rerr)
		}
		return store.User{}, err
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, auth.ErrMismatch) {
			return store.User{}, unfinished(err)
		}
		if u.ID != 0 {
			name = u.Username // as the account is named
		}
		s.cfg.Log.Warn("sign-in failed", "username", name, "ip", s.cfg.TrustedProxies.ClientIP(r))
		s.audit.RecordAs(r, 0, store.User{Username: name}, "sign-in.failed", "user "+name, "")
		return store.User{}, response.Errorf(http.StatusUnauthorized, "bad_credentials", "wrong username or password")
	}
	passwordOK = true
	// The second factor, when given, counts like the password: a wrong
	// code is a failed sign-in.
	mfa := false
	if c.Code != "" {
		ok, err := s.secondFactor(r.Context(), u.ID, c.Code)
		if err != nil {
			return store.User{}, unfinished(err)
		}
		if !ok {
			s.audit.RecordAs(r, 0, u, "sign-in.failed", "user "+u.Username, "wrong second factor")
			return store.User{}, response.Errorf(http.StatusUnauthorized, "bad_code", "wrong or used code")
		}
		mfa = true
	}
	// Conditional access, before any session exists. The attempt stays
	// counted until the sign-in succeeds whole: a right password alone
	// must not reset the count that guards the code. Only the policies'
	// own answers (a *response.Error) are refusals; anything else is a failure to
	// decide.
	if err := s.ConditionalAccess(r, u, app, mfa); err != nil {
		var e *response.Error
		if !errors.As(err, &e) {
			return store.User{}, unfinished(err)
		}
		if e.Code == "mfa_required" {
			t, terr := s.cfg.Store.UserTOTP(r.Context(), u.ID)
			if terr != nil && !errors.Is(terr, store.ErrNotFound) {
				return store.User{}, unfinished(terr)
			}
			if terr == nil && t.Confirmed {
				if c.Code == "" {
					// The first of two steps: nothing was guessed, so the
					// attempt is given back (a wrong code stays counted).
					if err := s.limiter.refund(r.Context(), account, addr); err != nil {
						return store.User{}, unfinished(err)
					}
				}
				return store.User{}, response.Errorf(http.StatusUnauthorized, "code_needed", "enter the code from your authenticator app (or a recovery code) with your password")
			}
			s.audit.RecordAs(r, 0, u, "sign-in.failed", "user "+u.Username, "refused: multi-factor authentication required, no second factor")
			return store.User{}, response.Errorf(http.StatusForbidden, "mfa_required", "a conditional access policy requires multi-factor authentication, and this account has no second factor: enrol one from where no policy asks for it, or ask an administrator")
		}
		s.audit.RecordAs(r, 0, u, "sign-in.failed", "user "+u.Username, "refused by conditional access")
		return store.User{}, err
	}
	if err := s.limiter.succeeded(r.Context(), account, addr); err != nil {
		return store.User{}, unfinished(err)
	}
	// Rotate: whatever session the client had ends now.
	if old, err := r.Cookie(SessionCookie); err == nil {
		s.cfg.Store.DeleteSession(r.Context(), auth.Digest(old.Value))
	}
	token, err := auth.NewToken("ps_")
	if err != nil {
		return store.User{}, unfinished(err)
	}
	now := s.cfg.Now()
	if err := s.cfg.Store.CreateSession(r.Context(), auth.Digest(token), u.ID, now, now.Add(s.cfg.SessionTTL), mfa); err != nil {
		return store.User{}, unfinished(err)
	}
	s.audit.RecordAs(r, 0, u, "sign-in", "user "+u.Username, "")
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	return u, nil
}

// End ends the request's session, if it has one, and clears its
// cookie: the API's sign-out and the studio's.
func (s *Service) End(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.cfg.Store.DeleteSession(r.Context(), auth.Digest(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	return nil
}

var ValidUsername = func(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)) {
			return false
		}
	}
	return true
}

// CreateUser validates and stores a new local account; the online API and
// `procmine admin create-user` share it.
func CreateUser(ctx context.Context, st *store.Store, username, password string, admin bool, p auth.Params) (access.ID, error) {
	return createUser(ctx, st, username, password, admin, func(password string) (string, error) { return auth.HashPassword(password, p) })
}

// createUser is CreateUser with the password hashed by hash: on a request,
// Service.HashPassword, in a password slot.
func createUser(ctx context.Context, st *store.Store, username, password string, admin bool, hash func(string) (string, error)) (access.ID, error) {
	if !ValidUsername(username) {
		return 0, response.Invalid("username must be 1 to 64 letters, digits or . _ - @")
	}
	if len(password) < 12 || len(password) > 1024 {
		return 0, response.Invalid("password must be 12 to 1024 characters long")
	}
	h, err := hash(password)
	if err != nil {
		return 0, err
	}
	return st.CreateUser(ctx, store.User{Username: username, PasswordHash: h, InstallationAdmin: admin})
}

// CreateUser makes an account, its password hashed in one of the
// service's password slots, as every password on a request is.
func (s *Service) CreateUser(ctx context.Context, username, password string, admin bool) (access.ID, error) {
	return createUser(ctx, s.cfg.Store, username, password, admin, func(p string) (string, error) { return s.HashPassword(ctx, p) })
}

// PageSession is the request's context with the signed-in user of its
// session cookie, once the conditional access policies for the studio
// admit them; response.ErrUnauthenticated without a live session.
func (s *Service) PageSession(r *http.Request) (context.Context, error) {
	c, err := r.Cookie(SessionCookie)
	var id access.ID
	var mfa bool
	if err == nil {
		id, mfa, err = s.cfg.Store.SessionUser(r.Context(), auth.Digest(c.Value), s.cfg.Now())
	}
	var u store.User
	if err == nil {
		u, err = s.cfg.Store.UserByID(r.Context(), id)
	}
	if err != nil {
		// An expired session, or none, is not an error to show: the
		// page asks to sign in.
		return nil, errors.Join(response.ErrUnauthenticated, err)
	}
	ctx := request.Signed(r.Context(), u, mfa, false)
	if err := s.ConditionalAccess(r.WithContext(ctx), u, accesspolicy.Studio, mfa); err != nil {
		return nil, err
	}
	return ctx, nil
}

package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// studioBackend is the server as the studio's pages ask it (see
// studio.Backend): the sessions, conditional access, audit log and
// privacy policies the REST API uses.
type studioBackend struct{ s *Server }

func (b studioBackend) PageSession(r *http.Request) (context.Context, error) {
	s := b.s
	c, err := r.Cookie(sessionCookie)
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
	if err := s.conditionalAccess(r.WithContext(ctx), u, accesspolicy.Studio, mfa); err != nil {
		return nil, err
	}
	return ctx, nil
}

func (b studioBackend) SignIn(w http.ResponseWriter, r *http.Request, username, password, code string) error {
	_, err := b.s.startSession(w, r, credentials{Username: username, Password: password, Code: code}, accesspolicy.Studio)
	return err
}

func (b studioBackend) SignOut(w http.ResponseWriter, r *http.Request) error {
	return b.s.endSession(w, r)
}

func (b studioBackend) Audit(r *http.Request, env access.ID, action, target, detail string) {
	b.s.audit(r, env, action, target, detail)
}

func (b studioBackend) PrivacyPolicy(r *http.Request) (privacy.Policy, *privacy.Applier, error) {
	return b.s.policyFor(r)
}

package api

import (
	"context"
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
)

// studioBackend is the server as the studio's pages ask it (see
// studio.Backend): the sessions, conditional access, audit log and
// privacy policies the REST API uses.
type studioBackend struct{ s *Server }

func (b studioBackend) PageSession(r *http.Request) (context.Context, error) {
	return b.s.signin.PageSession(r)
}

func (b studioBackend) SignIn(w http.ResponseWriter, r *http.Request, username, password, code string) error {
	_, err := b.s.signin.Start(w, r, signin.Credentials{Username: username, Password: password, Code: code}, accesspolicy.Studio)
	return err
}

func (b studioBackend) SignOut(w http.ResponseWriter, r *http.Request) error {
	return b.s.signin.End(w, r)
}

func (b studioBackend) Audit(r *http.Request, env access.ID, action, target, detail string) {
	b.s.auditLog.Record(r, env, action, target, detail)
}

func (b studioBackend) PrivacyPolicy(r *http.Request) (privacy.Policy, *privacy.Applier, error) {
	return b.s.policyFor(r)
}

func (b studioBackend) JobResult(r *http.Request, id access.ID) (store.Job, store.JobResult, error) {
	return b.s.readJobResult(r, id)
}

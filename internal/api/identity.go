package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
)

// signIn checks a username and password and starts a session: a fresh
// random id (never one the client brought), kept server-side as a digest.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var c signin.Credentials
	if err := request.Decode(w, r, &c); err != nil {
		response.WriteError(w, r, err)
		return
	}
	u, err := s.signin.Start(w, r, c, accesspolicy.API)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, me(u))
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.signin.End(w, r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type meJSON struct {
	ID                access.ID `json:"id"`
	Username          string    `json:"username"`
	InstallationAdmin bool      `json:"installation_admin"`
}

func me(u store.User) meJSON {
	return meJSON{ID: u.ID, Username: u.Username, InstallationAdmin: u.InstallationAdmin}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	response.JSON(w, http.StatusOK, me(request.Caller(r)))
}

// createToken makes a personal access token; its secret is in this answer
// and nowhere else.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name          string `json:"name"`
		ExpiresInDays int    `json:"expires_in_days"`
		Password      string `json:"password"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	// A token does not make tokens (a leaked short-lived one could
	// otherwise outlive itself), nor does a session left open long ago.
	if err := s.signin.AccountSecurity(w, r, req.Password); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if req.Name == "" || len(req.Name) > 100 {
		response.WriteError(w, r, response.Invalid("name is required (at most 100 characters)"))
		return
	}
	if req.ExpiresInDays == 0 {
		req.ExpiresInDays = 30
	}
	if req.ExpiresInDays < 1 || req.ExpiresInDays > 366 {
		response.WriteError(w, r, response.Invalid("expires_in_days must be from 1 to 366"))
		return
	}
	token, err := auth.NewToken("pm_")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	expires := s.cfg.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour).UTC().Truncate(time.Second)
	id, err := s.cfg.Store.CreateToken(r.Context(), request.Caller(r).ID, req.Name, auth.Digest(token), expires, request.SatisfiedMFA(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, 0, "token.create", "token "+strconv.FormatInt(int64(id), 10), req.Name)
	response.JSON(w, http.StatusCreated, map[string]any{"id": id, "name": req.Name, "token": token, "expires_at": expires})
}

// listTokens lists the caller's own tokens that are not revoked, without
// their secrets (procmine keeps only digests).
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.cfg.Store.Tokens(r.Context(), request.Caller(r).ID)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"tokens": tokens})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := request.PathID(r, "id")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.RevokeToken(r.Context(), request.Caller(r).ID, id); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, 0, "token.revoke", "token "+strconv.FormatInt(int64(id), 10), "")
	w.WriteHeader(http.StatusNoContent)
}

// createUser is for installation administrators.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !request.Caller(r).InstallationAdmin {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "forbidden", "only installation administrators create users"))
		return
	}
	var req struct {
		signin.Credentials
		InstallationAdmin bool `json:"installation_admin"`
		// CurrentPassword is the caller's own password, for making an
		// account from a session older than recentSignIn.
		CurrentPassword string `json:"current_password"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	// A new account with a password outlives the token or the session
	// that made it, and can be given any role: making one (an installation
	// administrator above all) is an account-security change of the
	// caller's, not to be done with a leaked token or a forgotten session.
	if err := s.signin.AccountSecurity(w, r, req.CurrentPassword); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, err := s.signin.CreateUser(r.Context(), req.Username, req.Password, req.InstallationAdmin)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, 0, "user.create", "user "+req.Username, fmt.Sprintf("installation_admin=%v", req.InstallationAdmin))
	response.JSON(w, http.StatusCreated, meJSON{ID: id, Username: req.Username, InstallationAdmin: req.InstallationAdmin})
}

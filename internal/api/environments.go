package api

import (
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	if !request.Caller(r).InstallationAdmin {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "forbidden", "only installation administrators list users"))
		return
	}
	us, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := make([]meJSON, len(us))
	for i, u := range us {
		out[i] = me(u)
	}
	response.JSON(w, http.StatusOK, map[string]any{"users": out})
}

// listEnvironments lists the environments the caller is a member of (an
// installation administrator sees them all).
func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	u := request.Caller(r)
	envs, err := s.cfg.Store.EnvironmentsOf(r.Context(), u.ID, u.InstallationAdmin)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"environments": envs})
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) {
	sub := request.Subject(r)
	envs, err := s.cfg.Store.EnvironmentsOf(r.Context(), sub.User, false)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	for _, e := range envs {
		if e.ID == request.Environment(r) {
			response.JSON(w, http.StatusOK, e)
			return
		}
	}
	response.WriteError(w, r, response.ErrNoEnvironment)
}

func (s *Server) renameEnvironment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Names are unique in the installation, so only those who see every
	// environment rename one: a clash tells them nothing new.
	if !request.Caller(r).InstallationAdmin {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "forbidden", "only installation administrators rename environments"))
		return
	}
	if err := request.CheckName(req.Name, 100); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.RenameEnvironment(r.Context(), request.Environment(r), req.Name); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "environment.rename", store.AuditTarget("environment", request.Environment(r)), req.Name)
	response.JSON(w, http.StatusOK, map[string]any{"id": request.Environment(r), "name": req.Name})
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Its teams go with it, and with them whom a policy naming one applies
	// to.
	if err := s.authz.EnvironmentTeams(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteEnvironment(r.Context(), request.Environment(r)); err != nil {
		response.WriteError(w, r, err)
		return
	}
	// The environment's own log goes with it; the installation's keeps the deletion.
	s.auditLog.Record(r, 0, "environment.delete", store.AuditTarget("environment", request.Environment(r)), "")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listBusinessUnits(w http.ResponseWriter, r *http.Request) {
	if err := authz.Security(r, access.BusinessUnitTable, access.Read); err != nil {
		response.WriteError(w, r, err)
		return
	}
	units, err := s.cfg.Store.BusinessUnits(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"business_units": units})
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	if err := authz.Security(r, access.TeamTable, access.Read); err != nil {
		response.WriteError(w, r, err)
		return
	}
	teams, err := s.cfg.Store.Teams(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"teams": teams})
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	if err := authz.Security(r, access.RoleTable, access.Read); err != nil {
		response.WriteError(w, r, err)
		return
	}
	role, err := s.authz.Role(r, r.PathValue("role"))
	if err != nil {
		response.WriteError(w, r, response.ErrNotFound)
		return
	}
	response.JSON(w, http.StatusOK, roleOut(role))
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Share)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	shares, err := s.cfg.Store.Shares(r.Context(), id)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"shares": shares})
}

func (s *Server) listTeamMembers(w http.ResponseWriter, r *http.Request) {
	team, err := request.PathID(r, "team")
	if err == nil {
		err = authz.Security(r, access.TeamTable, access.Read)
	}
	var members []store.Named
	if err == nil {
		members, err = s.cfg.Store.TeamMembers(r.Context(), request.Environment(r), team)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"members": members})
}

package api

import (
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	if !caller(r).InstallationAdmin {
		writeError(w, r, errorf(http.StatusForbidden, "forbidden", "only installation administrators list users"))
		return
	}
	us, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]meJSON, len(us))
	for i, u := range us {
		out[i] = me(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

// listEnvironments lists the environments the caller is a member of (an
// installation administrator sees them all).
func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	u := caller(r)
	envs, err := s.cfg.Store.EnvironmentsOf(r.Context(), u.ID, u.InstallationAdmin)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"environments": envs})
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) {
	sub := subject(r)
	envs, err := s.cfg.Store.EnvironmentsOf(r.Context(), sub.User, false)
	if err != nil {
		writeError(w, r, err)
		return
	}
	for _, e := range envs {
		if e.ID == environment(r) {
			writeJSON(w, http.StatusOK, e)
			return
		}
	}
	writeError(w, r, errNoEnvironment)
}

// authorizeEnvironmentAdmin admits the environment's System Administrators.
func authorizeEnvironmentAdmin(r *http.Request) error {
	if !subject(r).Bypass {
		return errorf(http.StatusForbidden, "forbidden", "only the environment's System Administrators may do this")
	}
	return nil
}

func (s *Server) renameEnvironment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	// Names are unique in the installation, so only those who see every
	// environment rename one: a clash tells them nothing new.
	if !caller(r).InstallationAdmin {
		writeError(w, r, errorf(http.StatusForbidden, "forbidden", "only installation administrators rename environments"))
		return
	}
	if err := checkName(req.Name, 100); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.cfg.Store.RenameEnvironment(r.Context(), environment(r), req.Name); err != nil {
		writeError(w, r, err)
		return
	}
	s.audit(r, environment(r), "environment.rename", target("environment", environment(r)), req.Name)
	writeJSON(w, http.StatusOK, map[string]any{"id": environment(r), "name": req.Name})
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	if err := authorizeEnvironmentAdmin(r); err != nil {
		writeError(w, r, err)
		return
	}
	// Its teams go with it, and with them whom a policy naming one applies
	// to.
	if err := s.authorizeEnvironmentTeams(r); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteEnvironment(r.Context(), environment(r)); err != nil {
		writeError(w, r, err)
		return
	}
	// The environment's own log goes with it; the installation's keeps the deletion.
	s.audit(r, 0, "environment.delete", target("environment", environment(r)), "")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listBusinessUnits(w http.ResponseWriter, r *http.Request) {
	if err := authorizeSecurity(r, access.BusinessUnitTable, access.Read); err != nil {
		writeError(w, r, err)
		return
	}
	units, err := s.cfg.Store.BusinessUnits(r.Context(), environment(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"business_units": units})
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	if err := authorizeSecurity(r, access.TeamTable, access.Read); err != nil {
		writeError(w, r, err)
		return
	}
	teams, err := s.cfg.Store.Teams(r.Context(), environment(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams})
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	if err := authorizeSecurity(r, access.RoleTable, access.Read); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := s.roleFor(r, r.PathValue("role"))
	if err != nil {
		writeError(w, r, errNotFound)
		return
	}
	writeJSON(w, http.StatusOK, roleOut(role))
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.processFor(r, access.Share)
	if err != nil {
		writeError(w, r, err)
		return
	}
	shares, err := s.cfg.Store.Shares(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": shares})
}

func (s *Server) listTeamMembers(w http.ResponseWriter, r *http.Request) {
	team, err := pathID(r, "team")
	if err == nil {
		err = authorizeSecurity(r, access.TeamTable, access.Read)
	}
	var members []store.Named
	if err == nil {
		members, err = s.cfg.Store.TeamMembers(r.Context(), environment(r), team)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": members})
}

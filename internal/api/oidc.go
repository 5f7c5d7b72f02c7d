package api

import (
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// setTeamGroup makes a team follow a provider group: environment System
// Administrators only, since membership brings the team's roles.
func (s *Server) setTeamGroup(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	team, err := request.PathID(r, "team")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		Group string `json:"group"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if len(req.Group) > 200 || strings.ContainsRune(req.Group, 0) || strings.TrimSpace(req.Group) != req.Group {
		response.WriteError(w, r, response.Invalid("group: at most 200 characters, without surrounding spaces (empty: none)"))
		return
	}
	// Which provider group a team follows decides its members at each
	// single sign-on: for a team an access policy names, that is the
	// installation administrators' to set. (The sync itself is the
	// provider's word, which those administrators chose to follow.)
	if err := s.authz.PolicyTeams(r, team); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.SetTeamGroup(r.Context(), request.Environment(r), team, req.Group); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "team.idp-group", store.AuditTarget("team", team), req.Group)
	response.JSON(w, http.StatusOK, map[string]string{"group": req.Group})
}

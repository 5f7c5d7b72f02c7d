package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	if err := authz.Security(r, access.UserTable, access.Read); err != nil {
		response.WriteError(w, r, err)
		return
	}
	ms, err := s.cfg.Store.Members(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Who holds which role is for those who may read roles.
	if authz.Security(r, access.RoleTable, access.Read) != nil {
		for i := range ms {
			ms[i].Roles = nil
		}
	}
	response.JSON(w, http.StatusOK, map[string]any{"members": ms})
}

// putMember adds or updates a member: business unit and direct roles.
func (s *Server) putMember(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Unit  access.ID `json:"business_unit"`
		Roles []string  `json:"roles"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	user, err := request.PathID(r, "user")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Security(r, access.UserTable, access.Write); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.authz.MemberChange(r, user); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.authz.KeepAnAdministrator(r, user, slices.Contains(req.Roles, access.SystemAdministrator)); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.authz.MemberPlacement(r, user, req.Unit, req.Roles); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.SetMember(r.Context(), request.Environment(r), user, req.Unit, req.Roles); errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid("the user or the business unit does not exist in this installation and environment"))
		return
	} else if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "member.set", store.AuditTarget("user", user), fmt.Sprintf("business unit %d, roles %s", req.Unit, strings.Join(req.Roles, ", ")))
	response.JSON(w, http.StatusOK, map[string]any{"user": user, "business_unit": req.Unit, "roles": req.Roles})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	user, err := request.PathID(r, "user")
	if err == nil {
		err = authz.Security(r, access.UserTable, access.Delete)
	}
	if err == nil {
		err = s.authz.MemberChange(r, user)
	}
	if err == nil {
		err = s.authz.KeepAnAdministrator(r, user, false)
	}
	if err == nil {
		err = s.authz.MemberTeams(r, user)
	}
	if err == nil {
		err = s.cfg.Store.RemoveMember(r.Context(), request.Environment(r), user)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "member.remove", store.AuditTarget("user", user), "")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createBusinessUnit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name   string    `json:"name"`
		Parent access.ID `json:"parent"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Security(r, access.BusinessUnitTable, access.Create); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := request.CheckName(req.Name, 100); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.distinctName(r, "business unit", req.Name); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, err := s.cfg.Store.CreateBusinessUnit(r.Context(), request.Environment(r), req.Name, req.Parent)
	if errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid("parent must be a business unit of this environment"))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "business-unit.create", store.AuditTarget("business unit", id), req.Name)
	response.JSON(w, http.StatusCreated, map[string]any{"id": id, "name": req.Name, "parent": req.Parent})
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string    `json:"name"`
		Kind string    `json:"kind"`
		Unit access.ID `json:"business_unit"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Security(r, access.TeamTable, access.Create); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := request.CheckName(req.Name, 100); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if req.Kind != "owner" && req.Kind != "access" {
		response.WriteError(w, r, response.Invalid(`kind must be "owner" or "access"`))
		return
	}
	if err := s.distinctName(r, "team", req.Name); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, err := s.cfg.Store.CreateTeam(r.Context(), request.Environment(r), req.Name, req.Kind, req.Unit)
	if errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid("business_unit must be a unit of this environment"))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "team.create", store.AuditTarget("team", id), req.Name)
	response.JSON(w, http.StatusCreated, map[string]any{"id": id, "name": req.Name, "kind": req.Kind, "business_unit": req.Unit})
}

func (s *Server) teamMember(remove bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		team, err := request.PathID(r, "team")
		var user access.ID
		if err == nil {
			user, err = request.PathID(r, "user")
		}
		if err == nil {
			err = authz.Security(r, access.TeamTable, access.Write)
		}
		if err == nil {
			err = s.authz.TeamChange(r, team, user)
		}
		if err == nil {
			err = s.authz.PolicyTeams(r, team)
		}
		if err == nil {
			err = s.cfg.Store.TeamMember(r.Context(), request.Environment(r), team, user, remove)
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		action := "team.member.add"
		if remove {
			action = "team.member.remove"
		}
		s.auditLog.Record(r, request.Environment(r), action, store.AuditTarget("team", team), store.AuditTarget("user", user))
		w.WriteHeader(http.StatusNoContent)
	}
}

type roleJSON struct {
	Name        string                       `json:"name"`
	BuiltIn     bool                         `json:"builtin"`
	Locked      bool                         `json:"locked"`
	ServiceOnly bool                         `json:"service_only"`
	Privileges  map[string]map[string]string `json:"privileges"`
}

func roleOut(r access.Role) roleJSON {
	grid := map[string]map[string]string{}
	for _, t := range access.Tables() {
		for _, op := range access.Ops() {
			if d := r.Privileges[t][op]; d != access.None {
				if grid[t.String()] == nil {
					grid[t.String()] = map[string]string{}
				}
				grid[t.String()][op.String()] = d.String()
			}
		}
	}
	return roleJSON{Name: r.Name, BuiltIn: r.BuiltIn, Locked: r.Locked, ServiceOnly: r.ServiceOnly, Privileges: grid}
}

// parseGrid reads {"table": {"op": "depth"}}; anything unknown is a 422.
func parseGrid(grid map[string]map[string]string) (access.Privileges, error) {
	var p access.Privileges
	for tn, ops := range grid {
		t, err := access.ParseTable(tn)
		if err != nil {
			return p, response.Invalid("%v", err)
		}
		for on, dn := range ops {
			op, err := access.ParseOp(on)
			if err != nil {
				return p, response.Invalid("%v", err)
			}
			d, err := access.ParseDepth(dn)
			if err != nil {
				return p, response.Invalid("%v", err)
			}
			p[t][op] = d
		}
	}
	return p, nil
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	if err := authz.Security(r, access.RoleTable, access.Read); err != nil {
		response.WriteError(w, r, err)
		return
	}
	rs, err := s.cfg.Store.Roles(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := []roleJSON{}
	for _, st := range rs {
		role, err := s.authz.Role(r, st.Name)
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		out = append(out, roleOut(role))
	}
	response.JSON(w, http.StatusOK, map[string]any{"roles": out})
}

// createRole makes a custom role; nobody makes a role above themselves.
func (s *Server) createRole(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name       string                       `json:"name"`
		Privileges map[string]map[string]string `json:"privileges"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Security(r, access.RoleTable, access.Create); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := request.CheckName(req.Name, 100); err != nil {
		response.WriteError(w, r, err)
		return
	}
	p, err := parseGrid(req.Privileges)
	if err == nil {
		err = authz.RoleGrant(r, access.Role{Name: req.Name, Privileges: p})
	}
	if err == nil {
		err = s.distinctName(r, "role", req.Name)
	}
	if err == nil {
		_, err = s.cfg.Store.CreateRole(r.Context(), request.Environment(r), req.Name, p)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "role.create", "role "+req.Name, p.String())
	response.JSON(w, http.StatusCreated, roleOut(access.Role{Name: req.Name, Privileges: p}))
}

// setRolePrivileges changes a role's grid. The two process mining roles
// and System Administrator are fixed.
func (s *Server) setRolePrivileges(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Privileges map[string]map[string]string `json:"privileges"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Security(r, access.RoleTable, access.Write); err != nil {
		response.WriteError(w, r, err)
		return
	}
	role, err := s.authz.Role(r, r.PathValue("role"))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if role.Locked || role.Bypass {
		response.WriteError(w, r, response.Invalid("the privileges of %s cannot be changed", role.Name))
		return
	}
	p, err := parseGrid(req.Privileges)
	if err == nil {
		err = authz.RoleGrant(r, access.Role{Name: role.Name, Privileges: p})
	}
	if err == nil {
		err = s.cfg.Store.SetRolePrivileges(r.Context(), request.Environment(r), role.Name, p)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	role.Privileges = p
	s.auditLog.Record(r, request.Environment(r), "role.change", "role "+role.Name, p.String())
	response.JSON(w, http.StatusOK, roleOut(role))
}

// setTeamRoles replaces a team's roles. Its members hold them, so giving
// and taking follow the rules for giving roles: the caller must cover the
// roles the team has and the roles it gets.
func (s *Server) setTeamRoles(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Roles []string `json:"roles"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	team, err := request.PathID(r, "team")
	if err == nil {
		err = authz.Security(r, access.TeamTable, access.Write)
	}
	if err == nil {
		err = s.authz.TeamChange(r, team, 0)
	}
	if err == nil {
		err = s.authz.TeamRoles(r, team, req.Roles)
	}
	if err == nil {
		err = s.cfg.Store.SetTeamRoles(r.Context(), request.Environment(r), team, req.Roles)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "team.roles", store.AuditTarget("team", team), strings.Join(req.Roles, ", "))
	response.JSON(w, http.StatusOK, map[string]any{"team": team, "roles": req.Roles})
}

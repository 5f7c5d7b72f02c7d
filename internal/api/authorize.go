package api

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
)

// This file is the authorization layer: every decision on what a caller
// may do is taken here, through the access resolver.

type subjectKey struct{}
type envKey struct{}

// inEnvironment admits members of the environment in the path and loads
// their access Subject. Non-members, and environments that do not exist,
// get the same 403: nothing tells them apart.
func (s *Server) inEnvironment(h http.HandlerFunc) http.HandlerFunc {
	return s.inEnvironmentOr(h, writeError)
}

// inEnvironmentOr is inEnvironment answering errors with fail.
func (s *Server) inEnvironmentOr(h http.HandlerFunc, fail func(http.ResponseWriter, *http.Request, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env, err := pathID(r, "env")
		if err != nil {
			fail(w, r, errNoEnvironment)
			return
		}
		sub, err := s.cfg.Store.Subject(r.Context(), env, caller(r).ID)
		if errors.Is(err, store.ErrNotFound) {
			fail(w, r, errNoEnvironment)
			return
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), subjectKey{}, sub), envKey{}, env)
		h(w, r.WithContext(ctx))
	}
}

func subject(r *http.Request) *access.Subject {
	return r.Context().Value(subjectKey{}).(*access.Subject)
}
func environment(r *http.Request) access.ID { return r.Context().Value(envKey{}).(access.ID) }

// authorizeCreate checks that the caller may create records of a table.
func authorizeCreate(r *http.Request, t access.Table) error {
	if !subject(r).CanCreate(t) {
		return errForbidden
	}
	return nil
}

// processFor loads a process of the caller's environment and checks op on
// it. A process the caller may not read is not found; one it may read but
// not change is forbidden.
func (s *Server) processFor(r *http.Request, op access.Op) (access.ID, *access.Record, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	rec, err := s.cfg.Store.ProcessRecord(r.Context(), environment(r), id)
	if err != nil {
		return 0, nil, err
	}
	sub := subject(r)
	if !sub.Can(access.Read, rec) {
		return 0, nil, errNotFound
	}
	if !sub.Can(op, rec) {
		return 0, nil, errForbidden
	}
	return id, rec, nil
}

// authorizeRecords checks op on the process's records of a table (its
// event data, recordings, report views), which follow the process's owner
// and shares.
func authorizeRecords(r *http.Request, process *access.Record, table access.Table, op access.Op) error {
	if !subject(r).Can(op, process.As(table)) {
		return errForbidden
	}
	return nil
}

// mayReadData tells whether the caller may read the process's raw data:
// event rows, case ids, resources, exports.
func mayReadData(r *http.Request, process *access.Record) bool {
	return authorizeRecords(r, process, access.EventLog, access.Read) == nil
}

// mayShare tells whether the caller may share the process at all.
func mayShare(r *http.Request, process *access.Record) bool {
	return subject(r).Can(access.Share, process)
}

// authorizeShare checks that the caller may share the process at level.
func authorizeShare(r *http.Request, process *access.Record, level access.ShareAccess) error {
	if !subject(r).CanGrantShare(process, level) {
		return errorf(http.StatusForbidden, "forbidden", "you may not share access you do not hold yourself")
	}
	return nil
}

// authorizeSecurity checks an operation on the environment's security
// records (users, roles, teams, business units): they belong to the whole
// environment, so only Organization depth reaches them.
func authorizeSecurity(r *http.Request, t access.Table, op access.Op) error {
	sub := subject(r)
	if sub.Bypass || sub.Privileges[t][op] == access.Organization {
		return nil
	}
	return errorf(http.StatusForbidden, "forbidden", "this needs security administration rights in the environment")
}

// authorizeRoleGrant applies the rules for giving roles: the granter must
// hold at least every privilege of the role (nobody grants more than they
// have), and the platform's service role goes to no person.
func authorizeRoleGrant(r *http.Request, role access.Role) error {
	if role.ServiceOnly {
		return invalid("%s is held only by procmine's own service identity; it cannot be given to a person", role.Name)
	}
	sub := subject(r)
	if sub.Bypass {
		return nil
	}
	if role.Bypass || !sub.Privileges.Covers(&role.Privileges) {
		return errorf(http.StatusForbidden, "forbidden", "you may not give a role with privileges you do not hold: "+role.Name)
	}
	return nil
}

// authorizeMemberChange lets the environment's System Administrators
// change any member. Others with security rights change neither themselves
// (their unit is the reach of their depths) nor anyone whose privileges
// exceed their own.
func (s *Server) authorizeMemberChange(r *http.Request, target access.ID) error {
	sub := subject(r)
	if sub.Bypass {
		return nil
	}
	if target == sub.User {
		return errorf(http.StatusForbidden, "forbidden", "you may not change your own membership")
	}
	t, err := s.cfg.Store.Subject(r.Context(), environment(r), target)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a member yet
	}
	if err != nil {
		return err
	}
	if t.Bypass || !sub.Privileges.Covers(&t.Privileges) {
		return errorf(http.StatusForbidden, "forbidden", "you may not change a member whose privileges exceed yours")
	}
	return nil
}

// authorizeTeamChange: joining a team gives its roles (and its shares), so
// changing a team's members follows the rules for giving roles, and nobody
// but a System Administrator changes their own teams.
func (s *Server) authorizeTeamChange(r *http.Request, team, user access.ID) error {
	sub := subject(r)
	if sub.Bypass {
		return nil
	}
	if user == sub.User {
		return errorf(http.StatusForbidden, "forbidden", "you may not change your own teams")
	}
	roles, err := s.cfg.Store.TeamRoles(r.Context(), environment(r), team)
	if err != nil {
		return err
	}
	for _, st := range roles {
		role, err := s.roleFor(r, st.Name)
		if err == nil {
			err = authorizeRoleGrant(r, role)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// keepAnAdministrator refuses a change that would leave the environment
// without a member holding System Administrator directly.
func (s *Server) keepAnAdministrator(r *http.Request, target access.ID, stillAdmin bool) error {
	if stillAdmin {
		return nil
	}
	members, err := s.cfg.Store.Members(r.Context(), environment(r))
	if err != nil {
		return err
	}
	others, targetIs := 0, false
	for _, m := range members {
		if !slices.Contains(m.Roles, access.SystemAdministrator) {
			continue
		}
		if m.User == target {
			targetIs = true
		} else {
			others++
		}
	}
	if targetIs && others == 0 {
		return errorf(http.StatusConflict, "last_administrator", "the environment must keep at least one System Administrator")
	}
	return nil
}

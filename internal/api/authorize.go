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

// reportProcessFor loads the process {id} whose reports the caller may
// read: the check every report, page of reports and task-mining view
// starts from.
func (s *Server) reportProcessFor(r *http.Request) (access.ID, *access.Record, error) {
	id, rec, err := s.processFor(r, access.Read)
	if err == nil {
		err = authorizeRecords(r, rec, access.ReportView, access.Read)
	}
	return id, rec, err
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

// importDenied is the rule for adding event data to a process: the
// process must be one the subject may read (else it is not found) and
// whose event logs it may create (else it is forbidden). An upload is
// checked against it, and its import job again when it runs, since rights
// may have changed while the file waited.
func importDenied(sub *access.Subject, process *access.Record) error {
	if !sub.Can(access.Read, process) {
		return errNotFound
	}
	if !sub.Can(access.Create, process.As(access.EventLog)) {
		return errForbidden
	}
	return nil
}

// mayReadData tells whether the caller may read the process's raw data:
// event rows, case ids, resources, exports.
func mayReadData(r *http.Request, process *access.Record) bool {
	return authorizeRecords(r, process, access.EventLog, access.Read) == nil
}

// mayChange tells whether the caller may change the process itself (its
// name, its reference model): the rule processFor(r, access.Write)
// applies.
func mayChange(r *http.Request, process *access.Record) bool {
	return subject(r).Can(access.Write, process)
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

// grantedRoles checks that the caller may give each of the roles named
// (authorizeRoleGrant) and returns the privileges they hold together.
func (s *Server) grantedRoles(r *http.Request, roles []string) (access.Privileges, error) {
	var p access.Privileges
	for _, name := range roles {
		role, err := s.roleFor(r, name)
		if err == nil {
			err = authorizeRoleGrant(r, role)
		}
		if err != nil {
			return p, err
		}
		p.Union(&role.Privileges)
	}
	return p, nil
}

// authorizeMemberPlacement checks the business unit and the direct roles
// a member is given. Each role follows the rules for giving roles. The
// unit must be within the granter's reach: for the security privilege
// used (writing users), and for every privilege the member will hold at
// business-unit or parent-child depth (their new roles and their teams'),
// since those reach the records of the unit the member is placed in. A
// granter who cannot read Finance's processes does not make a reader of
// Finance by moving someone there.
func (s *Server) authorizeMemberPlacement(r *http.Request, target, unit access.ID, roles []string) error {
	p, err := s.grantedRoles(r, roles)
	if err != nil {
		return err
	}
	sub := subject(r)
	if sub.Bypass {
		return nil
	}
	t, err := s.cfg.Store.Subject(r.Context(), environment(r), target)
	switch {
	case err == nil:
		for _, g := range t.Grants {
			if g.Team != 0 {
				p.Union(&g.Role.Privileges)
			}
		}
	case !errors.Is(err, store.ErrNotFound): // not a member yet: no teams
		return err
	}
	if !sub.Reaches(access.UserTable, access.Write, access.BusinessUnit, unit) || !sub.ReachesAll(&p, unit) {
		return errorf(http.StatusForbidden, "forbidden", "you may not place a member in a business unit beyond your reach")
	}
	return nil
}

// authorizeTeamChange: joining a team gives its roles, its shares and the
// ownership of the processes it owns, so changing a team's members (or its
// roles, which its members use its shares with) follows the rules for
// giving each: the caller must cover the team's roles, reach the member's
// business unit for those roles, and be able to share every process the
// team is shared at the team's level (CanGrantShare) and to give the
// ownership of every process it owns (CanGrantOwnership). Nobody but a
// System Administrator changes their own teams.
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
	names := make([]string, len(roles))
	for i, st := range roles {
		names[i] = st.Name
	}
	p, err := s.grantedRoles(r, names)
	if err != nil {
		return err
	}
	if user != 0 {
		if err := s.authorizeTeamReach(r, []access.ID{user}, &p); err != nil {
			return err
		}
	}
	return s.authorizeTeamProcesses(r, team)
}

// authorizeTeamRoles checks giving a team roles: each follows the rules
// for giving roles, and every member of the team must be within the
// caller's reach for them.
func (s *Server) authorizeTeamRoles(r *http.Request, team access.ID, roles []string) error {
	p, err := s.grantedRoles(r, roles)
	if err != nil {
		return err
	}
	if subject(r).Bypass {
		return nil
	}
	members, err := s.cfg.Store.TeamMembers(r.Context(), environment(r), team)
	if err != nil {
		return err
	}
	ids := make([]access.ID, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	return s.authorizeTeamReach(r, ids, &p)
}

// authorizeTeamReach checks that the caller reaches the business unit of
// each member for the team roles' privileges p.
func (s *Server) authorizeTeamReach(r *http.Request, members []access.ID, p *access.Privileges) error {
	sub := subject(r)
	for _, m := range members {
		t, err := s.cfg.Store.Subject(r.Context(), environment(r), m)
		if errors.Is(err, store.ErrNotFound) {
			continue // not a member of the environment: the store refuses
		}
		if err != nil {
			return err
		}
		if !sub.ReachesAll(p, t.Unit) {
			return errorf(http.StatusForbidden, "forbidden", "the team's roles would reach a business unit beyond your reach")
		}
	}
	return nil
}

// authorizeTeamProcesses checks that the caller holds what the team
// carries: every process it owns or is shared.
func (s *Server) authorizeTeamProcesses(r *http.Request, team access.ID) error {
	sub := subject(r)
	ids, err := s.cfg.Store.TeamProcesses(r.Context(), environment(r), team)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rec, err := s.cfg.Store.ProcessRecord(r.Context(), environment(r), id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		ok := rec.Owner.Team != team || sub.CanGrantOwnership(rec)
		for _, sh := range rec.Shares {
			if sh.To.Team == team {
				ok = ok && sub.CanGrantShare(rec, sh.Access)
			}
		}
		if !ok {
			return errorf(http.StatusForbidden, "forbidden", "the team carries access to processes that you do not hold yourself")
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

// recordingView is how much of a recording the caller may see.
type recordingView int

const (
	noView    recordingView = iota // aggregates only: viewers, process mining users
	namesView                      // step names only: a contributor, of others' recordings
	fullView                       // everything: inputs, screenshots
)

// recordingRecord is a published recording as the resolver sees it: owned
// by its recorder, in the process's unit, under the process's shares.
func recordingRecord(process *access.Record, recorder access.ID) *access.Record {
	rec := process.As(access.Recording)
	rec.Owner = access.Principal{User: recorder}
	return rec
}

// ownsRecording: the caller recorded it and still contributes to the
// process. A recorder the process no longer admits manages nothing in it.
func ownsRecording(r *http.Request, process *access.Record, recorder access.ID) bool {
	sub := subject(r)
	return recorder != 0 && recorder == sub.User && sub.Can(access.Append, process.As(access.Recording))
}

// recordingAccess decides how much of a recording of the process the
// caller sees (DESIGN §2): owners, co-owners, administrators and
// customizers everything; a contributor their own recordings in full and
// others' as step names; anyone else nothing beyond the process's reports.
func recordingAccess(r *http.Request, process *access.Record, recorder access.ID) recordingView {
	sub := subject(r)
	switch {
	case sub.Can(access.Read, process.As(access.Recording)):
		return fullView
	case ownsRecording(r, process, recorder) && sub.Can(access.Read, recordingRecord(process, recorder)):
		return fullView
	case sub.Can(access.Append, process.As(access.Recording)):
		return namesView
	}
	return noView
}

// authorizeRecordingList lets those who see at least step names list a
// process's recordings.
func authorizeRecordingList(r *http.Request, process *access.Record) error {
	if recordingAccess(r, process, 0) == noView {
		return errorf(http.StatusForbidden, "forbidden", "recordings are shown to the process's owners, co-owners and contributors")
	}
	return nil
}

// authorizeRecordingAdd checks that the caller may add recordings to the
// process: its owners, co-owners and contributors.
func authorizeRecordingAdd(r *http.Request, process *access.Record) error {
	sub := subject(r)
	rec := process.As(access.Recording)
	if !sub.CanCreate(access.Recording) || !sub.Can(access.Create, rec) || !sub.Can(access.Append, rec) {
		return errorf(http.StatusForbidden, "forbidden", "only the process's owners, co-owners and contributors add recordings")
	}
	return nil
}

// authorizeRecordingChange checks op (Write or Delete) on a recording of
// the process: whoever may change every recording of the process, or its
// recorder while they contribute to the process.
func authorizeRecordingChange(r *http.Request, process *access.Record, recorder access.ID, op access.Op) error {
	sub := subject(r)
	if sub.Can(op, process.As(access.Recording)) {
		return nil
	}
	if ownsRecording(r, process, recorder) && sub.Can(op, recordingRecord(process, recorder)) {
		return nil
	}
	return errorf(http.StatusForbidden, "forbidden", "a contributor manages only their own recordings")
}

// authorizeSession admits the recorder to their own session; anyone
// else's does not exist for them.
func authorizeSession(r *http.Request, rec store.Recording) error {
	if rec.Recorder == 0 || rec.Recorder != subject(r).User || rec.State == store.StatePublished {
		return errNotFound
	}
	return nil
}

// errPolicyTeam refuses a change to who is in a team an access policy
// names.
var errPolicyTeam = errorf(http.StatusForbidden, "forbidden", "this team decides who an access policy applies to: only an installation administrator changes its members")

// authorizePolicyTeams refuses, but to installation administrators, a
// change to who is in any of teams when an access policy (on, report-only
// or off) names it, in its include or its exclude: policies are the
// installation administrators', and whom they apply to must not be
// changed by an environment's administrators, who manage its teams (one
// added to an excluded team, or taken out of an included one, escapes the
// policy). The policies are read from the database, not the cache: a
// policy just made names its teams at once.
func (s *Server) authorizePolicyTeams(r *http.Request, teams ...access.ID) error {
	if caller(r).InstallationAdmin || len(teams) == 0 {
		return nil
	}
	policies, err := s.cfg.Store.AccessPolicies(r.Context())
	if err != nil {
		return err
	}
	for _, p := range policies {
		for _, named := range [][]access.ID{p.Include.Teams, p.Exclude.Teams} {
			for _, t := range named {
				if slices.Contains(teams, t) {
					return errPolicyTeam
				}
			}
		}
	}
	return nil
}

// authorizeMemberTeams is authorizePolicyTeams for taking user out of the
// environment, and so out of its teams.
func (s *Server) authorizeMemberTeams(r *http.Request, user access.ID) error {
	if caller(r).InstallationAdmin {
		return nil
	}
	of, err := s.cfg.Store.TeamsOfUser(r.Context(), user)
	if err != nil || len(of) == 0 {
		return err
	}
	here, err := s.cfg.Store.Teams(r.Context(), environment(r))
	if err != nil {
		return err
	}
	var teams []access.ID
	for _, t := range here {
		if slices.Contains(of, t.ID) {
			teams = append(teams, t.ID)
		}
	}
	return s.authorizePolicyTeams(r, teams...)
}

// authorizeEnvironmentTeams is authorizePolicyTeams for deleting the
// environment, and so every team of it.
func (s *Server) authorizeEnvironmentTeams(r *http.Request) error {
	if caller(r).InstallationAdmin {
		return nil
	}
	here, err := s.cfg.Store.Teams(r.Context(), environment(r))
	if err != nil {
		return err
	}
	teams := make([]access.ID, len(here))
	for i, t := range here {
		teams[i] = t.ID
	}
	return s.authorizePolicyTeams(r, teams...)
}

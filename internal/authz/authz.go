// Package authz is procmine's authorization layer: every decision on
// what a caller may do is taken here, through the access resolver
// (package access), for the REST API and the studio alike. Its checks read
// the caller from the request (package request) and answer with the
// errors the caller may see (package response): a record the caller may
// not read is not found, one it may read but not change is forbidden.
package authz

import (
	"errors"
	"net/http"
	"slices"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// Authorizer takes the decisions that read the store: the process in the
// path, the roles, teams and members a change touches.
type Authorizer struct {
	store *store.Store
}

// New is an Authorizer reading st.
func New(st *store.Store) *Authorizer { return &Authorizer{store: st} }

// InEnvironment admits members of the environment in the path and loads
// their access Subject into the request; errors are answered with fail.
// Non-members, and environments that do not exist, get the same 403:
// nothing tells them apart.
func (a *Authorizer) InEnvironment(h http.HandlerFunc, fail func(http.ResponseWriter, *http.Request, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env, err := request.PathID(r, "env")
		if err != nil {
			fail(w, r, response.ErrNoEnvironment)
			return
		}
		sub, err := a.store.Subject(r.Context(), env, request.Caller(r).ID)
		if errors.Is(err, store.ErrNotFound) {
			fail(w, r, response.ErrNoEnvironment)
			return
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		ctx := request.InEnvironment(r.Context(), env, sub)
		h(w, r.WithContext(ctx))
	}
}

// Create checks that the caller may create records of a table.
func Create(r *http.Request, t access.Table) error {
	if !request.Subject(r).CanCreate(t) {
		return response.ErrForbidden
	}
	return nil
}

// Process loads a process of the caller's environment and checks op on
// it. A process the caller may not read is not found; one it may read but
// not change is forbidden.
func (a *Authorizer) Process(r *http.Request, op access.Op) (access.ID, *access.Record, error) {
	id, err := request.PathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	rec, err := a.store.ProcessRecord(r.Context(), request.Environment(r), id)
	if err != nil {
		return 0, nil, err
	}
	sub := request.Subject(r)
	if !sub.Can(access.Read, rec) {
		return 0, nil, response.ErrNotFound
	}
	if !sub.Can(op, rec) {
		return 0, nil, response.ErrForbidden
	}
	return id, rec, nil
}

// ReportProcess loads the process {id} whose reports the caller may
// read: the check every report, page of reports and task-mining view
// starts from.
func (a *Authorizer) ReportProcess(r *http.Request) (access.ID, *access.Record, error) {
	id, rec, err := a.Process(r, access.Read)
	if err == nil {
		err = ReportDenied(request.Subject(r), rec)
	}
	return id, rec, err
}

// ReportDenied is ReportProcess's rule for a subject outside a request:
// a job checks its user against it again when it runs, and its result
// when it is read, since rights may have changed meanwhile. A process
// the subject may not read is not found; one whose reports it may not
// read is forbidden.
func ReportDenied(sub *access.Subject, process *access.Record) error {
	if !sub.Can(access.Read, process) {
		return response.ErrNotFound
	}
	if !sub.Can(access.Read, process.As(access.ReportView)) {
		return response.ErrForbidden
	}
	return nil
}

// SubjectMayReadData is MayReadData for a subject outside a request.
func SubjectMayReadData(sub *access.Subject, process *access.Record) bool {
	return sub.Can(access.Read, process.As(access.EventLog))
}

// Records checks op on the process's records of a table (its
// event data, recordings, report views), which follow the process's owner
// and shares.
func Records(r *http.Request, process *access.Record, table access.Table, op access.Op) error {
	if !request.Subject(r).Can(op, process.As(table)) {
		return response.ErrForbidden
	}
	return nil
}

// EnvironmentTeams are an environment's teams, under its name.
type EnvironmentTeams struct {
	Env   store.Environment
	Teams []store.Named
}

// ListableTeams are the teams the caller could list through the API
// (GET …/environments/{env}/teams), environment by environment: those of
// the environments they are a member of whose roles let them read teams
// there (Security). The pages that pick teams by name offer these only.
func (a *Authorizer) ListableTeams(r *http.Request) ([]EnvironmentTeams, error) {
	user := request.Caller(r).ID
	envs, err := a.store.EnvironmentsOf(r.Context(), user, false)
	if err != nil {
		return nil, err
	}
	var out []EnvironmentTeams
	for _, env := range envs {
		sub, err := a.store.Subject(r.Context(), env.ID, user)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if Security(r.WithContext(request.InEnvironment(r.Context(), env.ID, sub)), access.TeamTable, access.Read) != nil {
			continue
		}
		teams, err := a.store.Teams(r.Context(), env.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, EnvironmentTeams{Env: env, Teams: teams})
	}
	return out, nil
}

// ViewCreate is the rule for saving a view of the process's report:
// Create on its report views (its owner, a co-owner, an administrator),
// not reading alone.
func ViewCreate(r *http.Request, process *access.Record) error {
	return Records(r, process, access.ReportView, access.Create)
}

// ViewDelete is the rule for deleting a saved view the caller is offered
// (report.ViewOffered; one they are not is not found): its owner may,
// and whoever may delete the process's report views.
func ViewDelete(r *http.Request, process *access.Record, owner access.ID) error {
	if owner == request.Subject(r).User {
		return nil
	}
	return Records(r, process, access.ReportView, access.Delete)
}

// ImportDenied is the rule for adding event data to a process: the
// process must be one the subject may read (else it is not found) and
// whose event logs it may create (else it is forbidden). An upload is
// checked against it, and its import job again when it runs, since rights
// may have changed while the file waited.
func ImportDenied(sub *access.Subject, process *access.Record) error {
	if !sub.Can(access.Read, process) {
		return response.ErrNotFound
	}
	if !sub.Can(access.Create, process.As(access.EventLog)) {
		return response.ErrForbidden
	}
	return nil
}

// SourceProcess loads the process {id} for op on its data sources: Read
// lists and shows them; Create, Write (which includes running one) and
// Delete change what is read into the process, so they need the right to
// add data to it too. A source reaches another system with credentials:
// only a role's data source privilege gives it (Process Mining Users
// have none), a share of the process alone does not.
func (a *Authorizer) SourceProcess(r *http.Request, op access.Op) (access.ID, *access.Record, error) {
	id, rec, err := a.Process(r, access.Read)
	if err != nil {
		return 0, nil, err
	}
	if err := Records(r, rec, access.DataSource, op); err != nil {
		return 0, nil, err
	}
	// A source's query, its watermark and the reason its last refresh
	// failed quote the process's raw data: only those who may read it see
	// them, whatever a custom role gives on sources.
	if !MayReadData(r, rec) {
		return 0, nil, response.ErrForbidden
	}
	if op != access.Read {
		if err := ImportDenied(request.Subject(r), rec); err != nil {
			return 0, nil, err
		}
	}
	return id, rec, nil
}

// MayReadData tells whether the caller may read the process's raw data:
// event rows, case ids, resources, exports.
func MayReadData(r *http.Request, process *access.Record) bool {
	return Records(r, process, access.EventLog, access.Read) == nil
}

// MayChange tells whether the caller may change the process itself (its
// name, its reference model): the rule Process(r, access.Write)
// applies.
func MayChange(r *http.Request, process *access.Record) bool {
	return request.Subject(r).Can(access.Write, process)
}

// MayShare tells whether the caller may share the process at all.
func MayShare(r *http.Request, process *access.Record) bool {
	return request.Subject(r).Can(access.Share, process)
}

// Share checks that the caller may share the process at level.
func Share(r *http.Request, process *access.Record, level access.ShareAccess) error {
	if !request.Subject(r).CanGrantShare(process, level) {
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not share access you do not hold yourself")
	}
	return nil
}

// Security checks an operation on the environment's security
// records (users, roles, teams, business units): they belong to the whole
// environment, so only Organization depth reaches them.
func Security(r *http.Request, t access.Table, op access.Op) error {
	sub := request.Subject(r)
	if sub.Bypass || sub.Privileges[t][op] == access.Organization {
		return nil
	}
	return response.Errorf(http.StatusForbidden, "forbidden", "this needs security administration rights in the environment")
}

// RoleGrant applies the rules for giving roles: the granter must
// hold at least every privilege of the role (nobody grants more than they
// have), and the platform's service role goes to no person.
func RoleGrant(r *http.Request, role access.Role) error {
	if role.ServiceOnly {
		return response.Invalid("%s is held only by procmine's own service identity; it cannot be given to a person", role.Name)
	}
	sub := request.Subject(r)
	if sub.Bypass {
		return nil
	}
	if role.Bypass || !sub.Privileges.Covers(&role.Privileges) {
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not give a role with privileges you do not hold: "+role.Name)
	}
	return nil
}

// MemberChange lets the environment's System Administrators
// change any member. Others with security rights change neither themselves
// (their unit is the reach of their depths) nor anyone whose privileges
// exceed their own.
func (a *Authorizer) MemberChange(r *http.Request, target access.ID) error {
	sub := request.Subject(r)
	if sub.Bypass {
		return nil
	}
	if target == sub.User {
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not change your own membership")
	}
	t, err := a.store.Subject(r.Context(), request.Environment(r), target)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a member yet
	}
	if err != nil {
		return err
	}
	if t.Bypass || !sub.Privileges.Covers(&t.Privileges) {
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not change a member whose privileges exceed yours")
	}
	return nil
}

// GrantedRoles checks that the caller may give each of the roles named
// (RoleGrant) and returns the privileges they hold together.
func (a *Authorizer) GrantedRoles(r *http.Request, roles []string) (access.Privileges, error) {
	var p access.Privileges
	for _, name := range roles {
		role, err := a.Role(r, name)
		if err == nil {
			err = RoleGrant(r, role)
		}
		if err != nil {
			return p, err
		}
		p.Union(&role.Privileges)
	}
	return p, nil
}

// MemberPlacement checks the business unit and the direct roles
// a member is given. Each role follows the rules for giving roles. The
// unit must be within the granter's reach: for the security privilege
// used (writing users), and for every privilege the member will hold at
// business-unit or parent-child depth (their new roles and their teams'),
// since those reach the records of the unit the member is placed in. A
// granter who cannot read Finance's processes does not make a reader of
// Finance by moving someone there.
func (a *Authorizer) MemberPlacement(r *http.Request, target, unit access.ID, roles []string) error {
	p, err := a.GrantedRoles(r, roles)
	if err != nil {
		return err
	}
	sub := request.Subject(r)
	if sub.Bypass {
		return nil
	}
	t, err := a.store.Subject(r.Context(), request.Environment(r), target)
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
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not place a member in a business unit beyond your reach")
	}
	return nil
}

// TeamChange: joining a team gives its roles, its shares and the
// ownership of the processes it owns, so changing a team's members (or its
// roles, which its members use its shares with) follows the rules for
// giving each: the caller must cover the team's roles, reach the member's
// business unit for those roles, and be able to share every process the
// team is shared at the team's level (CanGrantShare) and to give the
// ownership of every process it owns (CanGrantOwnership). Nobody but a
// System Administrator changes their own teams.
func (a *Authorizer) TeamChange(r *http.Request, team, user access.ID) error {
	sub := request.Subject(r)
	if sub.Bypass {
		return nil
	}
	if user == sub.User {
		return response.Errorf(http.StatusForbidden, "forbidden", "you may not change your own teams")
	}
	roles, err := a.store.TeamRoles(r.Context(), request.Environment(r), team)
	if err != nil {
		return err
	}
	names := make([]string, len(roles))
	for i, st := range roles {
		names[i] = st.Name
	}
	p, err := a.GrantedRoles(r, names)
	if err != nil {
		return err
	}
	if user != 0 {
		if err := a.teamReach(r, []access.ID{user}, &p); err != nil {
			return err
		}
	}
	return a.teamProcesses(r, team)
}

// TeamRoles checks giving a team roles: each follows the rules
// for giving roles, and every member of the team must be within the
// caller's reach for them.
func (a *Authorizer) TeamRoles(r *http.Request, team access.ID, roles []string) error {
	p, err := a.GrantedRoles(r, roles)
	if err != nil {
		return err
	}
	if request.Subject(r).Bypass {
		return nil
	}
	members, err := a.store.TeamMembers(r.Context(), request.Environment(r), team)
	if err != nil {
		return err
	}
	ids := make([]access.ID, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	return a.teamReach(r, ids, &p)
}

// teamReach checks that the caller reaches the business unit of
// each member for the team roles' privileges p.
func (a *Authorizer) teamReach(r *http.Request, members []access.ID, p *access.Privileges) error {
	sub := request.Subject(r)
	for _, m := range members {
		t, err := a.store.Subject(r.Context(), request.Environment(r), m)
		if errors.Is(err, store.ErrNotFound) {
			continue // not a member of the environment: the store refuses
		}
		if err != nil {
			return err
		}
		if !sub.ReachesAll(p, t.Unit) {
			return response.Errorf(http.StatusForbidden, "forbidden", "the team's roles would reach a business unit beyond your reach")
		}
	}
	return nil
}

// teamProcesses checks that the caller holds what the team
// carries: every process it owns or is shared.
func (a *Authorizer) teamProcesses(r *http.Request, team access.ID) error {
	sub := request.Subject(r)
	ids, err := a.store.TeamProcesses(r.Context(), request.Environment(r), team)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rec, err := a.store.ProcessRecord(r.Context(), request.Environment(r), id)
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
			return response.Errorf(http.StatusForbidden, "forbidden", "the team carries access to processes that you do not hold yourself")
		}
	}
	return nil
}

// KeepAnAdministrator refuses a change that would leave the environment
// without a member holding System Administrator directly.
func (a *Authorizer) KeepAnAdministrator(r *http.Request, target access.ID, stillAdmin bool) error {
	if stillAdmin {
		return nil
	}
	members, err := a.store.Members(r.Context(), request.Environment(r))
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
		return response.Errorf(http.StatusConflict, "last_administrator", "the environment must keep at least one System Administrator")
	}
	return nil
}

// View is how much of a recording the caller may see.
type View int

const (
	NoView    View = iota // aggregates only: viewers, process mining users
	NamesView             // step names only: a contributor, of others' recordings
	FullView              // everything: inputs, screenshots
)

// RecordingRecord is a published recording as the resolver sees it: owned
// by its recorder, in the process's unit, under the process's shares.
func RecordingRecord(process *access.Record, recorder access.ID) *access.Record {
	rec := process.As(access.Recording)
	rec.Owner = access.Principal{User: recorder}
	return rec
}

// OwnsRecording: the caller recorded it and still contributes to the
// process. A recorder the process no longer admits manages nothing in it.
func OwnsRecording(r *http.Request, process *access.Record, recorder access.ID) bool {
	sub := request.Subject(r)
	return recorder != 0 && recorder == sub.User && sub.Can(access.Append, process.As(access.Recording))
}

// RecordingAccess decides how much of a recording of the process the
// caller sees (DESIGN §2): owners, co-owners, administrators and
// customizers everything; a contributor their own recordings in full and
// others' as step names; anyone else nothing beyond the process's reports.
func RecordingAccess(r *http.Request, process *access.Record, recorder access.ID) View {
	sub := request.Subject(r)
	switch {
	case sub.Can(access.Read, process.As(access.Recording)):
		return FullView
	case OwnsRecording(r, process, recorder) && sub.Can(access.Read, RecordingRecord(process, recorder)):
		return FullView
	case sub.Can(access.Append, process.As(access.Recording)):
		return NamesView
	}
	return NoView
}

// RecordingList lets those who see at least step names list a
// process's recordings.
func RecordingList(r *http.Request, process *access.Record) error {
	if RecordingAccess(r, process, 0) == NoView {
		return response.Errorf(http.StatusForbidden, "forbidden", "recordings are shown to the process's owners, co-owners and contributors, when their role includes recordings")
	}
	return nil
}

// RecordingAdd checks that the caller may add recordings to the
// process: its owners, co-owners and contributors.
func RecordingAdd(r *http.Request, process *access.Record) error {
	sub := request.Subject(r)
	rec := process.As(access.Recording)
	if !sub.CanCreate(access.Recording) || !sub.Can(access.Create, rec) || !sub.Can(access.Append, rec) {
		return response.Errorf(http.StatusForbidden, "forbidden", "only the process's owners, co-owners and contributors add recordings")
	}
	return nil
}

// RecordingChange checks op (Write or Delete) on a recording of
// the process: whoever may change every recording of the process, or its
// recorder while they contribute to the process.
func RecordingChange(r *http.Request, process *access.Record, recorder access.ID, op access.Op) error {
	sub := request.Subject(r)
	if sub.Can(op, process.As(access.Recording)) {
		return nil
	}
	if OwnsRecording(r, process, recorder) && sub.Can(op, RecordingRecord(process, recorder)) {
		return nil
	}
	return response.Errorf(http.StatusForbidden, "forbidden", "a contributor manages only their own recordings")
}

// Session admits the recorder to their own session; anyone
// else's does not exist for them.
func Session(r *http.Request, rec store.Recording) error {
	if rec.Recorder == 0 || rec.Recorder != request.Subject(r).User || rec.State == store.StatePublished {
		return response.ErrNotFound
	}
	return nil
}

// ErrPolicyTeam refuses a change to who is in a team an access policy
// names.
var ErrPolicyTeam = response.Errorf(http.StatusForbidden, "forbidden", "this team decides who an access policy applies to: only an installation administrator changes its members")

// PolicyTeams refuses, but to installation administrators, a
// change to who is in any of teams when an access policy (on, report-only
// or off) names it, in its include or its exclude: policies are the
// installation administrators', and whom they apply to must not be
// changed by an environment's administrators, who manage its teams (one
// added to an excluded team, or taken out of an included one, escapes the
// policy). The policies are read from the database, not the cache: a
// policy just made names its teams at once.
func (a *Authorizer) PolicyTeams(r *http.Request, teams ...access.ID) error {
	if request.Caller(r).InstallationAdmin || len(teams) == 0 {
		return nil
	}
	policies, err := a.store.AccessPolicies(r.Context())
	if err != nil {
		return err
	}
	for _, p := range policies {
		for _, named := range [][]access.ID{p.Include.Teams, p.Exclude.Teams} {
			for _, t := range named {
				if slices.Contains(teams, t) {
					return ErrPolicyTeam
				}
			}
		}
	}
	return nil
}

// MemberTeams is PolicyTeams for taking user out of the
// environment, and so out of its teams.
func (a *Authorizer) MemberTeams(r *http.Request, user access.ID) error {
	if request.Caller(r).InstallationAdmin {
		return nil
	}
	of, err := a.store.TeamsOfUser(r.Context(), user)
	if err != nil || len(of) == 0 {
		return err
	}
	here, err := a.store.Teams(r.Context(), request.Environment(r))
	if err != nil {
		return err
	}
	var teams []access.ID
	for _, t := range here {
		if slices.Contains(of, t.ID) {
			teams = append(teams, t.ID)
		}
	}
	return a.PolicyTeams(r, teams...)
}

// EnvironmentTeams is PolicyTeams for deleting the
// environment, and so every team of it.
func (a *Authorizer) EnvironmentTeams(r *http.Request) error {
	if request.Caller(r).InstallationAdmin {
		return nil
	}
	here, err := a.store.Teams(r.Context(), request.Environment(r))
	if err != nil {
		return err
	}
	teams := make([]access.ID, len(here))
	for i, t := range here {
		teams[i] = t.ID
	}
	return a.PolicyTeams(r, teams...)
}

// Role loads a role of the environment with its built-in flags.
func (a *Authorizer) Role(r *http.Request, name string) (access.Role, error) {
	st, err := a.store.Role(r.Context(), request.Environment(r), name)
	if errors.Is(err, store.ErrNotFound) {
		return access.Role{}, response.Invalid("no role %q in this environment", name)
	}
	if err != nil {
		return access.Role{}, err
	}
	role := access.Role{Name: st.Name, BuiltIn: st.BuiltIn}
	if st.BuiltIn {
		role, _ = access.BuiltInRole(st.Name)
	}
	role.Privileges = st.Privileges
	return role, nil
}

// InstallationAdmin admits installation administrators.
func InstallationAdmin(r *http.Request) error {
	if !request.Caller(r).InstallationAdmin {
		return response.Errorf(http.StatusForbidden, "forbidden", "conditional access is managed by installation administrators")
	}
	return nil
}

// EnvironmentAdmin admits the environment's System Administrators.
func EnvironmentAdmin(r *http.Request) error {
	if !request.Subject(r).Bypass {
		return response.Errorf(http.StatusForbidden, "forbidden", "only the environment's System Administrators may do this")
	}
	return nil
}

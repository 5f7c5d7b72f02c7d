package access

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/matrix.golden")

// The world of the matrix: the subject u works in Sales, under the root
// unit Org, beside Finance, above North; it belongs to an owner team and
// an access team.
const (
	org, sales, north, finance ID = 1, 2, 3, 4
	u, v, w, x, y              ID = 10, 11, 12, 13, 14
	ownerTeam, accessTeam      ID = 20, 21
)

func units(t testing.TB) *Units {
	us, err := NewUnits(map[ID]ID{org: 0, sales: org, north: sales, finance: org})
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// regionalAnalyst is the custom role of the matrix: deeper on processes,
// shallower on recordings, sharing at User depth.
func regionalAnalyst() Role {
	var p Privileges
	p.Grant(Process, ParentChild, Read, Write)
	p.Grant(Process, User, Share)
	p.Grant(Recording, BusinessUnit, Read)
	p.Grant(EventLog, User, Read)
	return Role{Name: "Regional Analyst", Privileges: p}
}

func matrixRoles() []Role { return append(BuiltInRoles(), regionalAnalyst()) }

type relationship struct {
	name string
	rec  func(Table) Record
}

func relationships() []relationship {
	owned := func(owner Principal, unit ID, shares ...ProcessShare) func(Table) Record {
		return func(t Table) Record { return Record{Table: t, Owner: owner, Unit: unit, Shares: shares} }
	}
	direct, team := Principal{User: u}, Principal{Team: accessTeam}
	other := Principal{User: x}
	return []relationship{
		{"owner", owned(Principal{User: u}, sales)},
		{"owner-team", owned(Principal{Team: ownerTeam}, sales)},
		{"same-unit", owned(Principal{User: v}, sales)},
		{"child-unit", owned(Principal{User: w}, north)},
		{"parent-unit", owned(Principal{User: y}, org)},
		{"other-unit", owned(other, finance)},
		{"co-owner", owned(other, finance, ProcessShare{direct, CoOwner})},
		{"co-owner-team", owned(other, finance, ProcessShare{team, CoOwner})},
		{"contributor", owned(other, finance, ProcessShare{direct, Contributor})},
		{"contributor-team", owned(other, finance, ProcessShare{team, Contributor})},
		{"viewer", owned(other, finance, ProcessShare{direct, Viewer})},
		{"viewer-team", owned(other, finance, ProcessShare{team, Viewer})},
	}
}

func subjectWith(t testing.TB, r Role) *Subject {
	return NewSubject(u, sales, units(t), []ID{accessTeam, ownerTeam}, []RoleGrant{{Role: &r}})
}

// matrix renders every role × relationship × table × operation.
func matrix(t testing.TB) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, "# Access matrix: role | relationship | table | create read write delete append appendto assign share")
	fmt.Fprintln(&b, "# + allowed, - denied. Regenerate on purpose: go test ./internal/access -run Matrix -update")
	for _, role := range matrixRoles() {
		s := subjectWith(t, role)
		for _, rel := range relationships() {
			for _, table := range []Table{Process, Recording, EventLog} {
				rec := rel.rec(table)
				fmt.Fprintf(&b, "%-26s | %-16s | %-9s |", role.Name, rel.name, table)
				for _, op := range Ops() {
					ok := s.Can(op, &rec)
					if op == Create {
						ok = s.CanCreate(table)
					}
					if ok {
						b.WriteString(" +")
					} else {
						b.WriteString(" -")
					}
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes()
}

func TestMatrixGolden(t *testing.T) {
	got := matrix(t)
	golden := filepath.Join("testdata", "matrix.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("line %d\n got %s\nwant %s", i+1, gl[i], wl[i])
			}
		}
		if len(gl) != len(wl) {
			t.Errorf("%d lines, golden has %d", len(gl), len(wl))
		}
	}
}

// allowed returns the operations allowed to role on the relationship's
// record of the table, as a string like "read write".
func allowed(t *testing.T, role Role, relName string, table Table) string {
	t.Helper()
	s := subjectWith(t, role)
	for _, rel := range relationships() {
		if rel.name != relName {
			continue
		}
		rec := rel.rec(table)
		var ops []string
		for _, op := range Ops() {
			if op == Create && s.CanCreate(table) || op != Create && s.Can(op, &rec) {
				ops = append(ops, op.String())
			}
		}
		return strings.Join(ops, " ")
	}
	t.Fatalf("no relationship %q", relName)
	return ""
}

func role(t *testing.T, name string) Role {
	r, ok := BuiltInRole(name)
	if !ok {
		t.Fatalf("no built-in role %q", name)
	}
	return r
}

// The statements of DESIGN §2, one test each.

func TestMakerCreatesSharesAndContributes(t *testing.T) {
	maker := role(t, EnvironmentMaker)
	if got := allowed(t, maker, "owner", Process); got != "create read write delete append appendto assign share" {
		t.Errorf("maker on own process: %s", got)
	}
	// Shared as contributor: sees the process and may add a recording
	// (create one and append it to the process), but not change the process.
	if got := allowed(t, maker, "contributor", Process); got != "create read appendto" {
		t.Errorf("maker as contributor on the process: %s", got)
	}
	if got := allowed(t, maker, "contributor", Recording); got != "create append" {
		t.Errorf("maker as contributor on others' recordings: %s", got)
	}
	if got := allowed(t, maker, "other-unit", Process); got != "create" {
		t.Errorf("maker on an unshared process: %s", got)
	}
}

func TestAdministratorsAndCustomizersSeeEveryProcess(t *testing.T) {
	for _, name := range []string{SystemAdministrator, SystemCustomizer} {
		for _, rel := range relationships() {
			if got := allowed(t, role(t, name), rel.name, Process); !strings.Contains(got, "read write delete") {
				t.Errorf("%s on %s: %s", name, rel.name, got)
			}
		}
	}
	// Security administration is the administrator's alone.
	admin, customizer := subjectWith(t, role(t, SystemAdministrator)), subjectWith(t, role(t, SystemCustomizer))
	rec := Record{Table: RoleTable, Owner: Principal{User: x}, Unit: finance}
	if !admin.Can(Write, &rec) || customizer.Can(Write, &rec) || customizer.CanCreate(UserTable) {
		t.Error("only the System Administrator administers security")
	}
}

func TestProcessMiningUserOnlyViewsReports(t *testing.T) {
	pmu := role(t, ProcessMiningUser)
	for _, rel := range []string{"co-owner", "co-owner-team", "contributor", "viewer"} {
		if got := allowed(t, pmu, rel, Process); got != "read" {
			t.Errorf("process mining user shared as %s: %s, want read only", rel, got)
		}
		if got := allowed(t, pmu, rel, Recording); got != "" {
			t.Errorf("process mining user shared as %s on recordings: %s", rel, got)
		}
	}
	if got := allowed(t, pmu, "other-unit", Process); got != "" {
		t.Errorf("process mining user on an unshared process: %s", got)
	}
}

func TestShareNeverLiftsARole(t *testing.T) {
	for _, rel := range []string{"co-owner", "co-owner-team"} {
		if got := allowed(t, role(t, BasicUser), rel, Process); got != "" {
			t.Errorf("basic user shared as %s: %s", rel, got)
		}
	}
}

func TestLockedAndServiceRoles(t *testing.T) {
	for _, r := range BuiltInRoles() {
		locked := r.Name == ProcessMiningUser || r.Name == ProcessMiningApplication
		if r.Locked != locked || r.ServiceOnly != (r.Name == ProcessMiningApplication) {
			t.Errorf("%s: locked %v, service only %v", r.Name, r.Locked, r.ServiceOnly)
		}
	}
}

func TestRolesThroughTeamsAddUp(t *testing.T) {
	maker, analyst := role(t, EnvironmentMaker), regionalAnalyst()
	s := NewSubject(u, sales, units(t), []ID{ownerTeam}, []RoleGrant{
		{Role: &maker}, {Role: &analyst, Team: ownerTeam, TeamName: "Analysts"},
	})
	rec := Record{Table: Process, Owner: Principal{User: w}, Unit: north}
	if !s.Can(Read, &rec) || s.Can(Delete, &rec) {
		t.Error("the team's role should add parent-child read, not delete")
	}
	e := s.Explain(Read, &rec)
	if !e.Allowed || !strings.Contains(e.Reasons[0], "Regional Analyst (through team Analysts) grants read on process at parentchild depth") {
		t.Errorf("explain: %+v", e)
	}
}

func TestExplain(t *testing.T) {
	pmu := role(t, ProcessMiningUser)
	s := subjectWith(t, pmu)
	rec := relationships()[6].rec(Process) // shared as co-owner
	e := s.Explain(Write, &rec)
	if e.Allowed || e.Reasons[0] != "no role grants write on process" ||
		!strings.Contains(strings.Join(e.Reasons, "; "), "shared with the user as co-owner, but a share counts only where a role grants write on process") {
		t.Errorf("%+v", e)
	}
	admin := subjectWith(t, role(t, SystemAdministrator))
	if e := admin.Explain(Delete, &rec); !e.Allowed || !strings.Contains(e.Reasons[0], "bypasses every check") {
		t.Errorf("%+v", e)
	}
}

func TestUnits(t *testing.T) {
	us := units(t)
	for _, c := range []struct {
		unit, root ID
		want       bool
	}{{north, sales, true}, {north, org, true}, {sales, sales, true}, {sales, north, false}, {finance, sales, false}, {99, org, false}} {
		if got := us.Within(c.unit, c.root); got != c.want {
			t.Errorf("Within(%d, %d) = %v", c.unit, c.root, got)
		}
	}
	for _, bad := range []map[ID]ID{{1: 0, 2: 0}, {1: 0, 2: 3}, {1: 2, 2: 1}} {
		if _, err := NewUnits(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestParseNames(t *testing.T) {
	if tb, err := ParseTable("recording"); err != nil || tb != Recording {
		t.Errorf("ParseTable: %v %v", tb, err)
	}
	if op, err := ParseOp("appendto"); err != nil || op != AppendTo {
		t.Errorf("ParseOp: %v %v", op, err)
	}
	if d, err := ParseDepth("parentchild"); err != nil || d != ParentChild {
		t.Errorf("ParseDepth: %v %v", d, err)
	}
	if a, err := ParseShareAccess("co-owner"); err != nil || a != CoOwner {
		t.Errorf("ParseShareAccess: %v %v", a, err)
	}
	if _, err := ParseShareAccess(""); err == nil || err.Error() != `unknown share access "" (one of: viewer, contributor, co-owner)` {
		t.Errorf("ParseShareAccess(\"\"): %v", err)
	}
	if _, err := ParseOp("erase"); err == nil || !strings.Contains(err.Error(), "create, read, write") {
		t.Errorf("ParseOp(erase): %v", err)
	}
}

func TestPrivilegesEncoding(t *testing.T) {
	// A grid stored before data sources existed reads with none of them.
	old, err := ParsePrivileges(strings.Repeat("4", 72))
	if err != nil || old[AccessPolicyTable][Share] != Organization || old[DataSource][Read] != None {
		t.Errorf("a grid of nine tables: %v %v", old[DataSource], err)
	}
	for _, r := range matrixRoles() {
		got, err := ParsePrivileges(r.Privileges.String())
		if err != nil || got != r.Privileges {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	for _, bad := range []string{"12345", "9" + strings.Repeat("0", 79), strings.Repeat("0", 88)} {
		if _, err := ParsePrivileges(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestShareAntiElevation: sharing needs Share, and nobody shares more than
// they hold.
func TestShareAntiElevation(t *testing.T) {
	maker, pmu := role(t, EnvironmentMaker), role(t, ProcessMiningUser)
	rels := map[string]Record{}
	for _, rel := range relationships() {
		rels[rel.name] = rel.rec(Process)
	}
	tests := []struct {
		role  Role
		rel   string
		level ShareAccess
		want  bool
	}{
		{maker, "owner", CoOwner, true},
		{maker, "co-owner", CoOwner, true},
		{maker, "co-owner-team", Viewer, true},
		{maker, "contributor", Viewer, false}, // no Share through a contributor share
		{maker, "other-unit", Viewer, false},
		{pmu, "co-owner", Viewer, false}, // a role without Share
		{regionalAnalyst(), "owner", Viewer, true},
		{regionalAnalyst(), "owner", Contributor, false}, // cannot append to processes itself
		{role(t, SystemCustomizer), "other-unit", CoOwner, true},
	}
	for _, tt := range tests {
		rec := rels[tt.rel]
		if got := subjectWith(t, tt.role).CanGrantShare(&rec, tt.level); got != tt.want {
			t.Errorf("%s on %s sharing as %s: %v, want %v", tt.role.Name, tt.rel, tt.level, got, tt.want)
		}
	}
}

package access

import (
	"fmt"
	"slices"
	"strings"
)

// ID identifies a user, team, business unit or record within a store.
type ID int64

// Principal is a user or a team: exactly one of the two is set.
type Principal struct {
	User ID `json:"user,omitempty"`
	Team ID `json:"team,omitempty"`
}

// ProcessShare gives a principal access to a process.
type ProcessShare struct {
	To     Principal   `json:"principal"`
	Access ShareAccess `json:"access"`
}

// Units is the business-unit tree of one environment. Each unit gets the
// interval of its subtree in a depth-first numbering, so "is this unit at
// or below that one" is two comparisons.
type Units struct {
	span map[ID][2]int32
}

// NewUnits builds the tree from each unit's parent (0 for the root). It
// refuses anything but a single tree.
func NewUnits(parent map[ID]ID) (*Units, error) {
	children := map[ID][]ID{}
	var roots []ID
	for u, p := range parent {
		if p == 0 {
			roots = append(roots, u)
			continue
		}
		if _, ok := parent[p]; !ok {
			return nil, fmt.Errorf("business unit %d has an unknown parent %d", u, p)
		}
		children[p] = append(children[p], u)
	}
	if len(roots) != 1 && len(parent) > 0 {
		return nil, fmt.Errorf("business units must form one tree; found %d roots", len(roots))
	}
	u := &Units{span: make(map[ID][2]int32, len(parent))}
	var next int32
	var walk func(ID)
	walk = func(id ID) {
		lo := next
		next++
		kids := children[id]
		slices.Sort(kids)
		for _, k := range kids {
			walk(k)
		}
		u.span[id] = [2]int32{lo, next}
	}
	for _, r := range roots {
		walk(r)
	}
	if len(u.span) != len(parent) {
		return nil, fmt.Errorf("business units contain a cycle")
	}
	return u, nil
}

// Within reports whether unit is root or lies below it.
func (u *Units) Within(unit, root ID) bool {
	a, ok1 := u.span[unit]
	b, ok2 := u.span[root]
	return ok1 && ok2 && b[0] <= a[0] && a[1] <= b[1]
}

// Below returns root and every unit below it: the reach of parent-child
// depth for a subject in root.
func (u *Units) Below(root ID) []ID {
	r, ok := u.span[root]
	if !ok {
		return nil
	}
	var out []ID
	for id, s := range u.span {
		if r[0] <= s[0] && s[1] <= r[1] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// RoleGrant is a role a subject holds, directly or through a team.
type RoleGrant struct {
	Role *Role
	// Team is the team the role comes through; 0 for a direct assignment.
	Team     ID
	TeamName string
}

// Subject is who asks: a user of one environment with everything the
// resolver needs, loaded once per request (or cached).
type Subject struct {
	User  ID
	Unit  ID
	Units *Units
	// Teams holds the ids of every team the user belongs to, sorted.
	Teams []ID
	// Privileges is the union of all the subject's roles.
	Privileges Privileges
	Bypass     bool
	Grants     []RoleGrant
}

// NewSubject combines a user's roles, direct and through teams.
func NewSubject(user, unit ID, units *Units, teams []ID, grants []RoleGrant) *Subject {
	s := &Subject{User: user, Unit: unit, Units: units, Teams: slices.Clone(teams), Grants: grants}
	slices.Sort(s.Teams)
	for _, g := range grants {
		s.Privileges.Union(&g.Role.Privileges)
		s.Bypass = s.Bypass || g.Role.Bypass
	}
	return s
}

func (s *Subject) inTeam(t ID) bool {
	_, ok := slices.BinarySearch(s.Teams, t)
	return ok
}

func (s *Subject) is(p Principal) bool {
	return (p.User != 0 && p.User == s.User) || (p.Team != 0 && s.inTeam(p.Team))
}

// Record is what an operation is on: its table, owner and owning business
// unit, and the shares of its process (of itself, for a process).
type Record struct {
	Table  Table
	Owner  Principal
	Unit   ID
	Shares []ProcessShare
}

// CanCreate reports whether the subject may create records of a table (a
// new record is owned by its creator, so User depth is enough).
func (s *Subject) CanCreate(t Table) bool {
	return s.Bypass || s.Privileges[t][Create] >= User
}

// Can reports whether the subject may perform op on the record. It is the
// one decision every request goes through.
func (s *Subject) Can(op Op, r *Record) bool {
	if s.Bypass {
		return true
	}
	d := s.Privileges[r.Table][op]
	switch {
	case d == None:
		return false
	case d == Organization:
		return true
	case d == ParentChild && s.Units != nil && s.Units.Within(r.Unit, s.Unit):
		return true
	case d >= BusinessUnit && r.Unit == s.Unit:
		return true
	case s.is(r.Owner):
		return true
	}
	for i := range r.Shares {
		sh := &r.Shares[i]
		if ShareGrants(sh.Access, r.Table, op) && s.is(sh.To) {
			return true
		}
	}
	return false
}

// Explanation tells why an operation is allowed or denied.
type Explanation struct {
	Op      Op
	Allowed bool
	// Reasons are sentences, the deciding one first.
	Reasons []string
}

// Explain decides like Can and says why: which role and depth, which team,
// which share.
func (s *Subject) Explain(op Op, r *Record) Explanation {
	e := Explanation{Op: op, Allowed: s.Can(op, r)}
	say := func(format string, args ...any) { e.Reasons = append(e.Reasons, fmt.Sprintf(format, args...)) }
	for _, g := range s.Grants {
		if g.Role.Bypass {
			say("%s bypasses every check in the environment%s", g.Role.Name, via(g))
			return e
		}
	}
	d := s.Privileges[r.Table][op]
	var from []string
	for _, g := range s.Grants {
		if gd := g.Role.Privileges[r.Table][op]; gd == d && d != None {
			from = append(from, g.Role.Name+via(g))
		}
	}
	if d == None {
		say("no role grants %s on %s", op, r.Table)
	} else {
		say("%s grants %s on %s at %s depth", strings.Join(from, " and "), op, r.Table, d)
	}
	owner := s.is(r.Owner)
	switch {
	case d == None:
	case d == Organization:
		say("organization depth reaches every record in the environment")
	case d == ParentChild && s.Units != nil && s.Units.Within(r.Unit, s.Unit):
		say("the record's business unit is the user's or below it")
	case d >= BusinessUnit && r.Unit == s.Unit:
		say("the record is owned in the user's business unit")
	case owner && r.Owner.Team != 0:
		say("the record is owned by team %d, of which the user is a member", r.Owner.Team)
	case owner:
		say("the user owns the record")
	default:
		say("the record is outside that depth")
	}
	for _, sh := range r.Shares {
		if !s.is(sh.To) {
			continue
		}
		who := "the user"
		if sh.To.Team != 0 {
			who = fmt.Sprintf("team %d", sh.To.Team)
		}
		switch {
		case !ShareGrants(sh.Access, r.Table, op):
			say("the process is shared with %s as %s, which does not include %s on %s", who, sh.Access, op, r.Table)
		case d == None:
			say("the process is shared with %s as %s, but a share counts only where a role grants %s on %s", who, sh.Access, op, r.Table)
		default:
			say("the process is shared with %s as %s, which grants %s on %s", who, sh.Access, op, r.Table)
		}
	}
	return e
}

func via(g RoleGrant) string {
	if g.Team == 0 {
		return ""
	}
	if g.TeamName != "" {
		return fmt.Sprintf(" (through team %s)", g.TeamName)
	}
	return fmt.Sprintf(" (through team %d)", g.Team)
}

// Children are the tables whose records belong to a process and follow
// its shares.
var Children = []Table{EventLog, Recording, ReportView, DataSource}

// As returns the record as if it were of another table: a process's
// child records share its owner, unit and shares.
func (r Record) As(t Table) *Record {
	r.Table = t
	return &r
}

// CanGrantShare reports whether the subject may share the process as
// level: it must hold Share on the process and, so that nobody grants an
// access they do not have, every operation on the process that the level
// grants. On the process's records (Children), what a share grants is
// capped by each recipient's roles; but the recipient may be the subject,
// or a team of theirs, and a share to oneself lifted one's own event-log
// read from one's own records (user depth) to the whole process (the
// fifth review's F1). So every operation on the records that the level
// grants and the subject's roles give at some depth must reach this
// process's records too. An operation the subject's roles do not give at
// all is passed on as before, capped by each recipient's roles: the
// subject gains nothing from it.
func (s *Subject) CanGrantShare(process *Record, level ShareAccess) bool {
	if !s.Can(Share, process) {
		return false
	}
	for _, op := range Ops() {
		if ShareGrants(level, Process, op) && !s.Can(op, process) {
			return false
		}
		for _, t := range Children {
			if ShareGrants(level, t, op) && s.holds(t, op) && !s.Can(op, process.As(t)) {
				return false
			}
		}
	}
	return true
}

// holds tells whether the subject's roles give op on table t at any depth.
func (s *Subject) holds(t Table, op Op) bool {
	return s.Bypass || s.Privileges[t][op] != None
}

// CanGrantOwnership reports whether the subject may give someone the
// ownership of the process (by putting them in the team that owns it): an
// owner holds everything a co-owner does and may also assign the process,
// so the subject must be able to share it as co-owner and to assign it.
func (s *Subject) CanGrantOwnership(process *Record) bool {
	return s.CanGrantShare(process, CoOwner) && s.Can(Assign, process)
}

// Reaches reports whether the subject reaches every record of the table
// that op at depth d gives a member of unit: the rule for placing someone
// in a unit, or giving a member of it a role, without granting more than
// the subject holds. User depth follows ownership and shares, not the
// unit, so it needs nothing here.
func (s *Subject) Reaches(t Table, op Op, d Depth, unit ID) bool {
	if s.Bypass {
		return true
	}
	g := s.Privileges[t][op]
	switch d {
	case BusinessUnit:
		return s.Can(op, &Record{Table: t, Unit: unit})
	case ParentChild:
		return g == Organization || (g == ParentChild && s.Units != nil && s.Units.Within(unit, s.Unit))
	case Organization:
		return g == Organization
	}
	return true
}

// ReachesAll is Reaches for every privilege of p.
func (s *Subject) ReachesAll(p *Privileges, unit ID) bool {
	for t := range p {
		for o := range p[t] {
			if !s.Reaches(Table(t), Op(o), p[t][o], unit) {
				return false
			}
		}
	}
	return true
}

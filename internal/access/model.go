package access

import (
	"fmt"
	"slices"
	"strings"
)

// Table is a kind of record access is granted on.
type Table uint8

// The tables. Process mining tables first, then the security tables.
const (
	Process Table = iota
	EventLog
	Recording
	ReportView
	UserTable
	RoleTable
	TeamTable
	BusinessUnitTable
	AccessPolicyTable
	// DataSource is a process's database source (added after the
	// security tables, so that older encodings of a grid stay valid).
	DataSource
	numTables
)

var tableNames = [numTables]string{"process", "eventlog", "recording", "reportview", "user", "role", "team", "businessunit", "accesspolicy", "datasource"}

func (t Table) String() string { return tableNames[t] }

// Tables lists every table.
func Tables() []Table {
	out := make([]Table, numTables)
	for i := range out {
		out[i] = Table(i)
	}
	return out
}

// ParseTable reads a table name.
func ParseTable(s string) (Table, error) { return parseName[Table]("table", tableNames[:], s) }

// parseName finds s among names; the index is the value.
func parseName[T ~uint8](what string, names []string, s string) (T, error) {
	for i, n := range names {
		if n == s && n != "" {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q (one of: %s)", what, s, strings.Join(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "" }), ", "))
}

// Op is an operation on a record.
type Op uint8

// The eight operations.
const (
	Create Op = iota
	Read
	Write
	Delete
	Append   // attach this record to another (a recording to a process)
	AppendTo // attach other records to this one
	Assign   // give the record to another owner
	Share
	numOps
)

var opNames = [numOps]string{"create", "read", "write", "delete", "append", "appendto", "assign", "share"}

func (o Op) String() string { return opNames[o] }

// Ops lists every operation.
func Ops() []Op {
	out := make([]Op, numOps)
	for i := range out {
		out[i] = Op(i)
	}
	return out
}

// ParseOp reads an operation name.
func ParseOp(s string) (Op, error) { return parseName[Op]("operation", opNames[:], s) }

// Depth is how far a privilege reaches.
type Depth uint8

// The depths, each reaching further than the one before.
const (
	None Depth = iota
	User
	BusinessUnit
	ParentChild
	Organization
)

var depthNames = [...]string{"none", "user", "businessunit", "parentchild", "organization"}

func (d Depth) String() string { return depthNames[d] }

// ParseDepth reads a depth name.
func ParseDepth(s string) (Depth, error) { return parseName[Depth]("depth", depthNames[:], s) }

// Privileges is a role's grid: the depth of every operation on every table.
type Privileges [numTables][numOps]Depth

// Grant sets the depth of ops on a table.
func (p *Privileges) Grant(t Table, d Depth, ops ...Op) {
	for _, o := range ops {
		p[t][o] = d
	}
}

// Union raises every privilege of p to at least q's.
func (p *Privileges) Union(q *Privileges) {
	for t := range p {
		for o := range p[t] {
			p[t][o] = max(p[t][o], q[t][o])
		}
	}
}

// Covers reports whether p grants everything q grants, at least as deep.
func (p *Privileges) Covers(q *Privileges) bool {
	for t := range p {
		for o := range p[t] {
			if p[t][o] < q[t][o] {
				return false
			}
		}
	}
	return true
}

// ShareAccess is what a process share grants.
type ShareAccess uint8

// The three kinds of share.
const (
	Viewer ShareAccess = iota + 1
	Contributor
	CoOwner
)

var shareNames = [...]string{"", "viewer", "contributor", "co-owner"}

func (a ShareAccess) String() string { return shareNames[a] }

// MarshalText writes the access by name, as the API shows it.
func (a ShareAccess) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseShareAccess reads "co-owner", "contributor" or "viewer".
func ParseShareAccess(s string) (ShareAccess, error) {
	return parseName[ShareAccess]("share access", shareNames[:], s)
}

// shareGrants lists, per kind of share, the operations it grants on the
// shared process and the records that belong to it. A contributor manages
// their own recordings through ownership (User depth), not through the
// share, so the share only lets them see the process and add to it.
var shareGrants = func() [4][numTables][numOps]bool {
	var g [4][numTables][numOps]bool
	set := func(a ShareAccess, t Table, ops ...Op) {
		for _, o := range ops {
			g[a][t][o] = true
		}
	}
	for _, a := range []ShareAccess{Viewer, Contributor, CoOwner} {
		set(a, Process, Read)
		set(a, ReportView, Read)
	}
	set(Contributor, Process, AppendTo)
	set(Contributor, Recording, Create, Append)
	all := []Op{Create, Read, Write, Delete, Append, AppendTo}
	set(CoOwner, Process, Read, Write, Delete, Append, AppendTo, Share)
	set(CoOwner, EventLog, all...)
	set(CoOwner, Recording, all...)
	set(CoOwner, ReportView, all...)
	// A source's connection reaches another system: a co-owner manages
	// the process's sources only with a role that gives data sources.
	set(CoOwner, DataSource, all...)
	return g
}()

// ShareGrants reports whether a share of this kind grants op on table.
func ShareGrants(a ShareAccess, t Table, op Op) bool {
	return a <= CoOwner && shareGrants[a][t][op]
}

// String encodes the grid as one digit (the depth) per table and operation,
// tables in order, operations in order: the form the store keeps.
func (p *Privileges) String() string {
	b := make([]byte, 0, int(numTables)*int(numOps))
	for t := range p {
		for o := range p[t] {
			b = append(b, '0'+byte(p[t][o]))
		}
	}
	return string(b)
}

// ParsePrivileges decodes Privileges.String. Tables added later read as
// None, so older encodings stay valid.
func ParsePrivileges(s string) (Privileges, error) {
	var p Privileges
	if len(s)%int(numOps) != 0 || len(s) > int(numTables)*int(numOps) {
		return p, fmt.Errorf("privileges: bad length %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > byte(Organization) {
			return p, fmt.Errorf("privileges: bad depth %q", s[i])
		}
		p[i/int(numOps)][i%int(numOps)] = Depth(d)
	}
	return p, nil
}

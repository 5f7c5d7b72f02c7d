package access

// Names of the built-in roles every environment has.
const (
	SystemAdministrator      = "System Administrator"
	SystemCustomizer         = "System Customizer"
	EnvironmentMaker         = "Environment Maker"
	ProcessMiningUser        = "Process Mining User"
	ProcessMiningApplication = "Process Mining Application"
	BasicUser                = "Basic User"
)

// Role is a named set of privileges.
type Role struct {
	Name       string
	Privileges Privileges
	// BuiltIn roles exist in every environment and cannot be deleted.
	BuiltIn bool
	// Locked roles' privileges cannot be changed (Process Mining User and
	// Process Mining Application).
	Locked bool
	// ServiceOnly roles may be held only by the platform's own service
	// identity, never assigned to a person.
	ServiceOnly bool
	// Bypass grants everything in the environment (System Administrator).
	Bypass bool
}

var miningTables = []Table{Process, EventLog, Recording, ReportView, DataSource}
var securityTables = []Table{UserTable, RoleTable, TeamTable, BusinessUnitTable, AccessPolicyTable}

// BuiltInRoles returns fresh copies of the six built-in roles, in the
// order an administrator sees them.
func BuiltInRoles() []Role {
	var admin, customizer, maker, miningUser, app, basic Privileges

	for _, t := range append(append([]Table{}, miningTables...), securityTables...) {
		admin.Grant(t, Organization, Ops()...)
	}

	// Organization-wide on every process mining record; of the security
	// tables only what sharing needs: finding users, teams and units.
	for _, t := range miningTables {
		customizer.Grant(t, Organization, Ops()...)
	}
	for _, t := range []Table{UserTable, TeamTable, BusinessUnitTable, RoleTable} {
		customizer.Grant(t, Organization, Read)
	}

	// Creates processes and works on its own and those shared with it.
	maker.Grant(Process, User, Create, Read, Write, Delete, Append, AppendTo, Assign, Share)
	maker.Grant(EventLog, User, Create, Read, Write, Delete, Append, AppendTo)
	maker.Grant(Recording, User, Create, Read, Write, Delete, Append, AppendTo)
	maker.Grant(ReportView, User, Create, Read, Write, Delete)
	maker.Grant(DataSource, User, Create, Read, Write, Delete)
	for _, t := range []Table{UserTable, TeamTable} {
		maker.Grant(t, Organization, Read) // to pick whom to share with
	}

	// Reads the reports of processes shared with it, and nothing else.
	miningUser.Grant(Process, User, Read)
	miningUser.Grant(ReportView, User, Read)

	// The platform's service identity: imports and analysis everywhere.
	// Process Mining Users get no data source privilege at all.
	for _, t := range miningTables {
		app.Grant(t, Organization, Create, Read, Write, Append, AppendTo)
	}

	return []Role{
		{Name: SystemAdministrator, Privileges: admin, BuiltIn: true, Bypass: true},
		{Name: SystemCustomizer, Privileges: customizer, BuiltIn: true},
		{Name: EnvironmentMaker, Privileges: maker, BuiltIn: true},
		{Name: ProcessMiningUser, Privileges: miningUser, BuiltIn: true, Locked: true},
		{Name: ProcessMiningApplication, Privileges: app, BuiltIn: true, Locked: true, ServiceOnly: true},
		{Name: BasicUser, Privileges: basic, BuiltIn: true},
	}
}

// BuiltInRole returns the built-in role of that name.
func BuiltInRole(name string) (Role, bool) {
	for _, r := range BuiltInRoles() {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

package access

import "testing"

// BenchmarkCan is a single access check with everything loaded: a maker
// whose access to another unit's process comes through a team share,
// the slowest path of the resolver (every depth test fails, then the
// shares are searched).
func BenchmarkCan(b *testing.B) {
	maker, _ := BuiltInRole(EnvironmentMaker)
	s := NewSubject(u, sales, units(b), []ID{30, 31, 32, accessTeam, ownerTeam}, []RoleGrant{{Role: &maker}})
	rec := Record{Table: Process, Owner: Principal{User: x}, Unit: finance, Shares: []ProcessShare{
		{To: Principal{User: 40}, Access: CoOwner},
		{To: Principal{Team: 41}, Access: Viewer},
		{To: Principal{Team: accessTeam}, Access: Contributor},
	}}
	for b.Loop() {
		if !s.Can(AppendTo, &rec) {
			b.Fatal("denied")
		}
	}
}

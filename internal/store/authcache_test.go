package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
)

// The authorization cache (authcache.go) may answer Subject, ProcessRecord
// and LatestVersion from memory only while the access generation has not
// moved. These tests change, one kind at a time, what those answers come
// from, through the store and with raw SQL past it, and check that a
// request begun after the change never gets the answer cached before it.

// acFixture is one environment: units root and unit, members alice (owner
// of proc, in the custom role Reviewer), bob (proc's viewer) and carol (in
// unit), a team with nobody in it and no role, and proc with version v1.
type acFixture struct {
	s                   *Store
	env, root, unit     access.ID
	alice, bob, carol   access.ID
	team                access.ID
	proc                access.ID
	v1                  access.ID
	reviewer, reviewer2 access.Privileges
}

var acSeq atomic.Int64

func newACFixture(t *testing.T, s *Store) *acFixture {
	t.Helper()
	ctx := context.Background()
	n := acSeq.Add(1)
	f := &acFixture{s: s}
	var err error
	f.env, f.root, err = s.CreateEnvironment(ctx, fmt.Sprintf("ac%d", n), 0)
	must(t, err)
	f.unit, err = s.CreateBusinessUnit(ctx, f.env, "unit", f.root)
	must(t, err)
	f.reviewer.Grant(access.Process, access.BusinessUnit, access.Read)
	f.reviewer2.Grant(access.Process, access.Organization, access.Read, access.Write)
	_, err = s.CreateRole(ctx, f.env, "Reviewer", f.reviewer)
	must(t, err)
	user := func(name string, unit access.ID, roles ...string) access.ID {
		id, err := s.CreateUser(ctx, User{Username: fmt.Sprintf("ac%d-%s", n, name)})
		must(t, err)
		must(t, s.SetMember(ctx, f.env, id, unit, roles))
		return id
	}
	f.alice = user("alice", f.root, access.BasicUser, "Reviewer")
	f.bob = user("bob", f.root, access.BasicUser)
	f.carol = user("carol", f.unit)
	f.team, err = s.CreateTeam(ctx, f.env, "team", "owner", f.root)
	must(t, err)
	f.proc, err = s.CreateProcess(ctx, Process{Env: f.env, Name: "p", Owner: access.Principal{User: f.alice}, Unit: f.root})
	must(t, err)
	must(t, s.PutShare(ctx, f.proc, access.ProcessShare{To: access.Principal{User: f.bob}, Access: access.Viewer}))
	f.v1, err = s.AddVersion(ctx, f.proc, Version{By: f.alice, Source: "test"}, []byte("v1"))
	must(t, err)
	return f
}

// fresh is what a new request does: it reads the generation.
func (f *acFixture) fresh(t *testing.T) context.Context {
	t.Helper()
	ctx, err := f.s.WithGeneration(context.Background())
	must(t, err)
	if _, ok := ctx.Value(genKey{}).(int64); !ok {
		t.Fatal("WithGeneration put no generation in the context")
	}
	return ctx
}

func genOf(ctx context.Context) int64 { return ctx.Value(genKey{}).(int64) }

// rawGen reads the generation past the store.
func (f *acFixture) rawGen(t *testing.T) int64 {
	t.Helper()
	var gen int64
	must(t, f.s.db.QueryRow("SELECT gen FROM access_generation WHERE id = 1").Scan(&gen))
	return gen
}

// raw runs a statement past the store, straight on the database; it must
// change a row, else the test would prove nothing.
func (f *acFixture) raw(t *testing.T, q string, args ...any) {
	t.Helper()
	res, err := f.s.db.Exec(f.s.rebind(q), args...)
	must(t, err)
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		t.Fatalf("%s changed no row (%v)", q, err)
	}
}

// question asks the store one authorization question: through Subject,
// ProcessRecord or LatestVersion with ctx, or, with direct, past the cache
// (the database's answer). text describes the answer; witness is the same
// value for two answers both served from one cache entry (the shared
// pointer; for a latest version, its cache entry), nil when not cached.
type question func(t *testing.T, f *acFixture, ctx context.Context, direct bool) (text string, witness any)

func askSubject(user func(*acFixture) access.ID) question {
	return func(t *testing.T, f *acFixture, ctx context.Context, direct bool) (string, any) {
		t.Helper()
		load := f.s.Subject
		if direct {
			load = f.s.loadSubject
		}
		sub, err := load(ctx, f.env, user(f))
		if errors.Is(err, ErrNotFound) {
			return "not found", nil
		}
		must(t, err)
		var roles []string
		for _, g := range sub.Grants {
			roles = append(roles, fmt.Sprintf("%s (team %d %q) %s", g.Role.Name, g.Team, g.TeamName, g.Role.Privileges.String()))
		}
		slices.Sort(roles)
		// The unit tree, as what lies below each unit.
		var tree []string
		for _, u := range sub.Units.Below(f.root) {
			tree = append(tree, fmt.Sprintf("%d: %v", u, sub.Units.Below(u)))
		}
		return fmt.Sprintf("user %d unit %d teams %v roles %q privileges %s bypass %v units %v",
			sub.User, sub.Unit, sub.Teams, roles, sub.Privileges.String(), sub.Bypass, tree), sub
	}
}

func askRecord(proc func(*acFixture) access.ID) question {
	return func(t *testing.T, f *acFixture, ctx context.Context, direct bool) (string, any) {
		t.Helper()
		load := f.s.ProcessRecord
		if direct {
			load = f.s.loadProcessRecord
		}
		rec, err := load(ctx, f.env, proc(f))
		if errors.Is(err, ErrNotFound) {
			return "not found", nil
		}
		must(t, err)
		return fmt.Sprintf("table %v owner %+v unit %d shares %+v", rec.Table, rec.Owner, rec.Unit, rec.Shares), rec
	}
}

func askLatest(proc func(*acFixture) access.ID) question {
	return func(t *testing.T, f *acFixture, ctx context.Context, direct bool) (string, any) {
		t.Helper()
		load := f.s.LatestVersion
		if direct {
			load = f.s.loadLatestVersion
		}
		v, err := load(ctx, proc(f))
		if errors.Is(err, ErrNotFound) {
			return "not found", nil
		}
		must(t, err)
		var witness any
		f.s.auth.mu.Lock()
		if c, ok := f.s.auth.latest[proc(f)]; ok {
			witness = fmt.Sprintf("cached %d at generation %d", c, f.s.auth.gen)
		}
		f.s.auth.mu.Unlock()
		return fmt.Sprintf("latest version %d", v), witness
	}
}

func (f *acFixture) Alice() access.ID { return f.alice }
func (f *acFixture) Bob() access.ID   { return f.bob }
func (f *acFixture) Proc() access.ID  { return f.proc }

// acChange is one kind of change to what authorization reads: made through
// the store (api) and with raw SQL (sql), each on its own fixture.
type acChange struct {
	name  string
	setup func(t *testing.T, f *acFixture) // before the question is first asked
	ask   question
	api   func(t *testing.T, f *acFixture)
	sql   func(t *testing.T, f *acFixture)
}

func acChanges() []acChange {
	ctx := context.Background()
	alice, bob, proc := (*acFixture).Alice, (*acFixture).Bob, (*acFixture).Proc
	return []acChange{{
		name: "share added",
		ask:  askRecord(proc),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.PutShare(ctx, f.proc, access.ProcessShare{To: access.Principal{Team: f.team}, Access: access.Viewer}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO process_shares (process_id, team_id, access) VALUES (?, ?, ?)", f.proc, f.team, int(access.Viewer))
		},
	}, {
		name: "share changed from viewer to contributor",
		ask:  askRecord(proc),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.PutShare(ctx, f.proc, access.ProcessShare{To: access.Principal{User: f.bob}, Access: access.Contributor}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE process_shares SET access = ? WHERE process_id = ? AND user_id = ?", int(access.Contributor), f.proc, f.bob)
		},
	}, {
		name: "share removed",
		ask:  askRecord(proc),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.DeleteShare(ctx, f.proc, access.Principal{User: f.bob}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM process_shares WHERE process_id = ? AND user_id = ?", f.proc, f.bob)
		},
	}, {
		name: "process owner changed",
		ask:  askRecord(proc),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetProcessOwner(ctx, f.env, f.proc, access.Principal{User: f.carol}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE processes SET owner_user_id = ? WHERE id = ?", f.carol, f.proc)
		},
	}, {
		name: "process deleted",
		// Without shares or versions, the raw delete touches processes only.
		setup: func(t *testing.T, f *acFixture) {
			must(t, f.s.DeleteShare(ctx, f.proc, access.Principal{User: f.bob}))
			must(t, f.s.DeleteVersion(ctx, f.proc, f.v1))
		},
		ask: askRecord(proc),
		api: deleteProcess,
		sql: deleteProcessRow,
	}, {
		name: "process with shares deleted",
		ask:  askRecord(proc),
		api:  deleteProcess,
		sql:  deleteProcessRow, // its shares and versions go by ON DELETE CASCADE
	}, {
		name: "process deleted, its latest version",
		ask:  askLatest(proc),
		api:  deleteProcess,
		sql:  deleteProcessRow,
	}, {
		name: "member removed",
		ask:  askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.RemoveMember(ctx, f.env, f.bob))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM members WHERE env_id = ? AND user_id = ?", f.env, f.bob)
		},
	}, {
		name: "member moved to another business unit",
		ask:  askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetMember(ctx, f.env, f.bob, f.unit, []string{access.BasicUser}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE members SET business_unit_id = ? WHERE env_id = ? AND user_id = ?", f.unit, f.env, f.bob)
		},
	}, {
		name: "member given a role",
		ask:  askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetMember(ctx, f.env, f.bob, f.root, []string{access.BasicUser, "Reviewer"}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO role_assignments (role_id, user_id) SELECT id, ? FROM roles WHERE env_id = ? AND name = ?", f.bob, f.env, "Reviewer")
		},
	}, {
		name: "member's role taken away",
		ask:  askSubject(alice),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetMember(ctx, f.env, f.alice, f.root, []string{access.BasicUser}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM role_assignments WHERE user_id = ? AND role_id IN (SELECT id FROM roles WHERE env_id = ? AND name = ?)", f.alice, f.env, "Reviewer")
		},
	}, {
		name: "member's role assignment pointed at another role",
		ask:  askSubject(alice),
		// The store has no call for it.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE role_assignments SET role_id = (SELECT id FROM roles WHERE env_id = ? AND name = ?) WHERE user_id = ? AND role_id IN (SELECT id FROM roles WHERE env_id = ? AND name = ?)",
				f.env, access.ProcessMiningUser, f.alice, f.env, "Reviewer")
		},
	}, {
		name: "role deleted",
		ask:  askSubject(alice),
		// The store has no call for it; the assignment goes by ON DELETE CASCADE.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM roles WHERE env_id = ? AND name = ?", f.env, "Reviewer")
		},
	}, {
		name: "team member added",
		ask:  askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", f.team, f.bob)
		},
	}, {
		name:  "team member removed",
		setup: func(t *testing.T, f *acFixture) { must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false)) },
		ask:   askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, true))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", f.team, f.bob)
		},
	}, {
		name: "team member moved to another team",
		setup: func(t *testing.T, f *acFixture) {
			_, err := f.s.CreateTeam(ctx, f.env, "team2", "access", f.root)
			must(t, err)
			must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false))
		},
		ask: askSubject(bob),
		// The store has no call for it.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE team_members SET team_id = (SELECT id FROM teams WHERE env_id = ? AND name = ?) WHERE team_id = ? AND user_id = ?", f.env, "team2", f.team, f.bob)
		},
	}, {
		name:  "team roles changed",
		setup: func(t *testing.T, f *acFixture) { must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false)) },
		ask:   askSubject(bob),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetTeamRoles(ctx, f.env, f.team, []string{"Reviewer"}))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO role_assignments (role_id, team_id) SELECT id, ? FROM roles WHERE env_id = ? AND name = ?", f.team, f.env, "Reviewer")
		},
	}, {
		name: "team with a role renamed",
		setup: func(t *testing.T, f *acFixture) {
			must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false))
			must(t, f.s.SetTeamRoles(ctx, f.env, f.team, []string{"Reviewer"}))
		},
		ask: askSubject(bob),
		// The store has no call for it; the subject names the team its
		// role comes through.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE teams SET name = ? WHERE id = ?", "renamed", f.team)
		},
	}, {
		name:  "team deleted",
		setup: func(t *testing.T, f *acFixture) { must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false)) },
		ask:   askSubject(bob),
		// The store has no call for it.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM teams WHERE id = ?", f.team)
		},
	}, {
		name: "role privileges changed",
		ask:  askSubject(alice),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetRolePrivileges(ctx, f.env, "Reviewer", f.reviewer2))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE roles SET privileges = ? WHERE env_id = ? AND name = ?", f.reviewer2.String(), f.env, "Reviewer")
		},
	}, {
		name: "business unit added",
		ask:  askSubject(alice),
		api: func(t *testing.T, f *acFixture) {
			_, err := f.s.CreateBusinessUnit(ctx, f.env, "new unit", f.unit)
			must(t, err)
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO business_units (env_id, name, parent_id) VALUES (?, ?, ?)", f.env, "new unit", f.unit)
		},
	}, {
		name: "business unit moved",
		setup: func(t *testing.T, f *acFixture) {
			must(t, f.s.SetMember(ctx, f.env, f.alice, f.unit, []string{"Reviewer"}))
			_, err := f.s.CreateBusinessUnit(ctx, f.env, "other", f.root)
			must(t, err)
		},
		ask: askSubject(alice),
		// The store has no call for it.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "UPDATE business_units SET parent_id = (SELECT id FROM business_units WHERE env_id = ? AND name = ?) WHERE id = ?", f.env, "other", f.unit)
		},
	}, {
		name: "business unit deleted",
		setup: func(t *testing.T, f *acFixture) {
			_, err := f.s.CreateBusinessUnit(ctx, f.env, "empty", f.unit)
			must(t, err)
		},
		ask: askSubject(alice),
		// The store has no call for it.
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM business_units WHERE env_id = ? AND name = ?", f.env, "empty")
		},
	}, {
		name: "version added",
		ask:  askLatest(proc),
		api: func(t *testing.T, f *acFixture) {
			_, err := f.s.AddVersion(ctx, f.proc, Version{By: f.alice, Source: "test"}, []byte("v2"))
			must(t, err)
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "INSERT INTO log_versions (process_id, created_at, created_by, source, cases, events, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
				f.proc, time.Now().UnixNano(), f.alice, "raw", 0, 0, []byte{})
		},
	}, {
		name: "version deleted",
		setup: func(t *testing.T, f *acFixture) {
			_, err := f.s.AddVersion(ctx, f.proc, Version{By: f.alice, Source: "test"}, []byte("v2"))
			must(t, err)
		},
		ask: askLatest(proc),
		api: func(t *testing.T, f *acFixture) {
			v, err := f.s.loadLatestVersion(ctx, f.proc)
			must(t, err)
			must(t, f.s.DeleteVersion(ctx, f.proc, v))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM log_versions WHERE process_id = ? AND id > ?", f.proc, f.v1)
		},
	}, {
		name: "only version deleted",
		ask:  askLatest(proc),
		api: func(t *testing.T, f *acFixture) {
			must(t, f.s.DeleteVersion(ctx, f.proc, f.v1))
		},
		sql: func(t *testing.T, f *acFixture) {
			f.raw(t, "DELETE FROM log_versions WHERE id = ?", f.v1)
		},
	}}
}

// checkChange asks a question twice under one generation (the second
// answer must come from the cache), makes the change, and asks again under
// a fresh generation: the answer must be the database's, also after the
// old context asked again.
func checkChange(t *testing.T, f *acFixture, ask question, change func(*testing.T, *acFixture)) {
	t.Helper()
	ctxA := f.fresh(t)
	before, w1 := ask(t, f, ctxA, false)
	again, w2 := ask(t, f, ctxA, false)
	if again != before {
		t.Fatalf("two answers under one generation differ:\n%s\n%s", before, again)
	}
	if w1 == nil || w1 != w2 {
		t.Fatalf("the answer was not cached before the change (%v, %v): the test would prove nothing", w1, w2)
	}

	change(t, f)

	truth, _ := ask(t, f, context.Background(), true)
	if truth == before {
		t.Fatalf("the change made no difference to the answer (%s): the test would prove nothing", truth)
	}
	ctxB := f.fresh(t)
	if genOf(ctxB) <= genOf(ctxA) {
		t.Errorf("the change did not move the access generation (%d, then %d)", genOf(ctxA), genOf(ctxB))
	}
	if after, _ := ask(t, f, ctxB, false); after != truth {
		t.Errorf("stale answer after the change:\n got  %s\n want %s", after, truth)
	}
	// The old request asks again: that must not bring its answer back.
	ask(t, f, ctxA, false)
	if after, _ := ask(t, f, ctxB, false); after != truth {
		t.Errorf("stale answer after the old generation asked again:\n got  %s\n want %s", after, truth)
	}
	if after, _ := ask(t, f, f.fresh(t), false); after != truth {
		t.Errorf("stale answer for the next request:\n got  %s\n want %s", after, truth)
	}
}

func TestAuthCacheSeesEveryChange(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range acChanges() {
				for _, how := range []struct {
					name   string
					change func(*testing.T, *acFixture)
				}{{"store", c.api}, {"raw SQL", c.sql}} {
					if how.change == nil {
						continue
					}
					t.Run(c.name+" by "+how.name, func(t *testing.T) {
						f := newACFixture(t, s)
						if c.setup != nil {
							c.setup(t, f)
						}
						checkChange(t, f, c.ask, how.change)
					})
				}
			}
		})
	}
}

// TestAuthCacheOldGenerationNeverServesNewer interleaves a request begun
// before a change with ones begun after it, in every order.
func TestAuthCacheOldGenerationNeverServesNewer(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("old asks first after the change", func(t *testing.T) {
				f := newACFixture(t, s)
				ask := askRecord((*acFixture).Proc)
				ctxA := f.fresh(t)
				old, _ := ask(t, f, ctxA, false)
				must(t, f.s.DeleteShare(ctx, f.proc, access.Principal{User: f.bob}))
				ctxB := f.fresh(t)
				ask(t, f, ctxA, false) // the old request, still under way
				truth, _ := ask(t, f, ctx, true)
				if truth == old {
					t.Fatal("the share's removal changed nothing")
				}
				b1, w1 := ask(t, f, ctxB, false)
				ask(t, f, ctxA, false)
				b2, w2 := ask(t, f, ctxB, false)
				if b1 != truth || b2 != truth {
					t.Errorf("stale answers under the new generation:\n %s\n %s\nwant %s", b1, b2, truth)
				}
				if w1 == nil || w1 != w2 {
					t.Errorf("the old request flushed or replaced the new generation's entry")
				}
			})
			t.Run("new asks first after the change", func(t *testing.T) {
				f := newACFixture(t, s)
				ask := askSubject((*acFixture).Bob)
				ctxA := f.fresh(t)
				old, _ := ask(t, f, ctxA, false)
				must(t, f.s.TeamMember(ctx, f.env, f.team, f.bob, false))
				ctxB := f.fresh(t)
				truth, _ := ask(t, f, ctx, true)
				if truth == old {
					t.Fatal("joining the team changed nothing")
				}
				for i := range 3 {
					if got, _ := ask(t, f, ctxB, false); got != truth {
						t.Errorf("round %d: stale answer under the new generation:\n got  %s\n want %s", i, got, truth)
					}
					ask(t, f, ctxA, false)
				}
			})
			t.Run("an old request's load kept late", func(t *testing.T) {
				// A request of generation A loads a subject, a change
				// commits, a request of generation B asks, and only then
				// does the first one keep what it loaded: B must not see it.
				f := newACFixture(t, s)
				ask := askSubject((*acFixture).Bob)
				ctxA := f.fresh(t)
				stale, err := f.s.loadSubject(ctxA, f.env, f.bob)
				must(t, err)
				staleRec, err := f.s.loadProcessRecord(ctxA, f.env, f.proc)
				must(t, err)
				must(t, f.s.RemoveMember(ctx, f.env, f.bob))
				must(t, f.s.DeleteShare(ctx, f.proc, access.Principal{User: f.bob}))
				ctxB := f.fresh(t)
				if got, _ := ask(t, f, ctxB, false); got != "not found" {
					t.Fatalf("removed member: %s", got)
				}
				if _, err := f.s.ProcessRecord(ctxB, f.env, f.proc); err != nil {
					t.Fatal(err)
				}
				keep(&f.s.auth, genOf(ctxA), subjectsOf, [2]access.ID{f.env, f.bob}, stale)
				keep(&f.s.auth, genOf(ctxA), recordsOf, [2]access.ID{f.env, f.proc}, staleRec)
				for _, c := range []context.Context{ctxB, f.fresh(t)} {
					if sub, err := f.s.Subject(c, f.env, f.bob); !errors.Is(err, ErrNotFound) {
						t.Errorf("the old request's subject was served under generation %d: %+v %v", genOf(c), sub, err)
					}
					if rec, err := f.s.ProcessRecord(c, f.env, f.proc); err != nil || rec == staleRec || len(rec.Shares) != 0 {
						t.Errorf("the old request's record was served under generation %d: %+v %v", genOf(c), rec, err)
					}
				}
			})
		})
	}
}

func TestAuthCacheIsUsedWithinAGeneration(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newACFixture(t, s)
			c1 := f.fresh(t)
			sub1, err := s.Subject(c1, f.env, f.alice)
			must(t, err)
			rec1, err := s.ProcessRecord(c1, f.env, f.proc)
			must(t, err)
			v1, err := s.LatestVersion(c1, f.proc)
			must(t, err)
			if v1 != f.v1 {
				t.Errorf("latest version %d, want %d", v1, f.v1)
			}
			// The same request, and the next one: nothing changed.
			for _, c := range []context.Context{c1, f.fresh(t)} {
				if genOf(c) != genOf(c1) {
					t.Fatalf("the generation moved with nothing changed: %d, then %d", genOf(c1), genOf(c))
				}
				if sub, err := s.Subject(c, f.env, f.alice); err != nil || sub != sub1 {
					t.Errorf("Subject was read again under an unchanged generation (%p, %p, %v)", sub, sub1, err)
				}
				if rec, err := s.ProcessRecord(c, f.env, f.proc); err != nil || rec != rec1 {
					t.Errorf("ProcessRecord was read again under an unchanged generation (%p, %p, %v)", rec, rec1, err)
				}
				if v, err := s.LatestVersion(c, f.proc); err != nil || v != f.v1 {
					t.Errorf("LatestVersion: %d %v", v, err)
				}
			}
			s.auth.mu.Lock()
			cachedV, ok := s.auth.latest[f.proc]
			s.auth.mu.Unlock()
			if !ok || cachedV != f.v1 {
				t.Errorf("LatestVersion is not cached: %d %v", cachedV, ok)
			}

			// Without a generation, every call reads afresh and keeps nothing.
			other, err := s.CreateProcess(ctx, Process{Env: f.env, Name: "other", Owner: access.Principal{User: f.bob}, Unit: f.root})
			must(t, err)
			ov, err := s.AddVersion(ctx, other, Version{By: f.bob, Source: "test"}, []byte("o"))
			must(t, err)
			c2 := f.fresh(t)
			sub2, err := s.Subject(c2, f.env, f.alice)
			must(t, err)
			sub3, err := s.Subject(ctx, f.env, f.alice)
			must(t, err)
			sub4, err := s.Subject(ctx, f.env, f.alice)
			must(t, err)
			if sub3 == sub4 || sub3 == sub2 || sub4 == sub2 {
				t.Errorf("Subject without a generation came from the cache (%p %p, cached %p)", sub3, sub4, sub2)
			}
			rec2, err := s.ProcessRecord(c2, f.env, f.proc)
			must(t, err)
			rec3, err := s.ProcessRecord(ctx, f.env, f.proc)
			must(t, err)
			rec4, err := s.ProcessRecord(ctx, f.env, f.proc)
			must(t, err)
			if rec3 == rec4 || rec3 == rec2 || rec4 == rec2 {
				t.Errorf("ProcessRecord without a generation came from the cache (%p %p, cached %p)", rec3, rec4, rec2)
			}
			if v, err := s.LatestVersion(ctx, other); err != nil || v != ov {
				t.Errorf("LatestVersion without a generation: %d %v, want %d", v, err, ov)
			}
			if _, err := s.Subject(ctx, f.env, f.bob); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ProcessRecord(ctx, f.env, other); err != nil {
				t.Fatal(err)
			}
			s.auth.mu.Lock()
			_, latestKept := s.auth.latest[other]
			_, subKept := s.auth.subjects[[2]access.ID{f.env, f.bob}]
			_, recKept := s.auth.records[[2]access.ID{f.env, other}]
			s.auth.mu.Unlock()
			if latestKept || subKept || recKept {
				t.Errorf("answers read without a generation were kept: latest %v, subject %v, record %v", latestKept, subKept, recKept)
			}
		})
	}
}

// TestAccessGenerationIgnoresUnrelatedWrites checks that writes which do
// not change what authorization reads leave the generation, and so the
// cache, alone; and, as a control, that one which does moves it.
func TestAccessGenerationIgnoresUnrelatedWrites(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newACFixture(t, s)
			c0 := f.fresh(t)
			g0 := f.rawGen(t)
			if genOf(c0) != g0 {
				t.Fatalf("WithGeneration read %d, the table holds %d", genOf(c0), g0)
			}
			sub0, err := s.Subject(c0, f.env, f.alice)
			must(t, err)
			rec0, err := s.ProcessRecord(c0, f.env, f.proc)
			must(t, err)

			now := time.Now()
			var job, token access.ID
			writes := []struct {
				name  string
				write func() error
			}{
				{"audit entry", func() error {
					return s.Audit(ctx, AuditEntry{Env: f.env, At: now, ActorID: f.alice, Actor: "alice", Action: "process.read", Target: "p"})
				}},
				{"installation audit entry", func() error {
					return s.Audit(ctx, AuditEntry{At: now, Actor: "alice", Action: "signin"})
				}},
				{"session created", func() error { return s.CreateSession(ctx, "ac-session", f.alice, now, now.Add(time.Hour), false) }},
				{"session deleted", func() error { return s.DeleteSession(ctx, "ac-session") }},
				{"token created", func() (err error) {
					token, err = s.CreateToken(ctx, f.alice, "t", "ac-token", now.Add(time.Hour), false)
					return err
				}},
				{"token revoked", func() error { return s.RevokeToken(ctx, f.alice, token) }},
				{"user created", func() error {
					_, err := s.CreateUser(ctx, User{Username: fmt.Sprintf("ac-unrelated-%d", f.env)})
					return err
				}},
				{"import staged", func() (err error) {
					job, err = s.StageImport(ctx, Job{Env: f.env, Process: f.proc, User: f.alice, Kind: "import"}, bytes.NewReader([]byte("a,b\n")),
						func(*sql.Tx, access.ID) (int64, error) { return 0, nil })
					return err
				}},
				{"job started", func() error { return s.StartJob(ctx, job) }},
				{"job progress", func() error { return s.JobProgress(ctx, job, 0.5) }},
				{"job failed", func() error { return s.FailJob(ctx, job, "no") }},
				{"recording created", func() error {
					_, err := s.CreateRecording(ctx, Recording{Env: f.env, Process: f.proc, Recorder: f.alice, Title: "r", State: StatePublished}, nil, nil)
					return err
				}},
				{"access policy created", func() error {
					_, err := s.PutAccessPolicy(ctx, accesspolicy.Policy{Name: fmt.Sprintf("ac-%d", f.env), State: "off"})
					return err
				}},
				{"named range", func() error { return s.PutNamedRange(ctx, fmt.Sprintf("ac-%d", f.env), []string{"10.0.0.0/8"}) }},
			}
			for _, w := range writes {
				must(t, w.write())
				if g := f.rawGen(t); g != g0 {
					t.Errorf("%s moved the access generation from %d to %d", w.name, g0, g)
					g0 = g
				}
			}
			c1 := f.fresh(t)
			if genOf(c1) != g0 {
				t.Errorf("WithGeneration read %d after the unrelated writes, the table holds %d", genOf(c1), g0)
			}
			if sub, err := s.Subject(c1, f.env, f.alice); err != nil || sub != sub0 {
				t.Errorf("the unrelated writes flushed the cached subject (%p, was %p, %v)", sub, sub0, err)
			}
			if rec, err := s.ProcessRecord(c1, f.env, f.proc); err != nil || rec != rec0 {
				t.Errorf("the unrelated writes flushed the cached record (%p, was %p, %v)", rec, rec0, err)
			}

			// The control: a share moves it, and the next request reads afresh.
			must(t, s.PutShare(ctx, f.proc, access.ProcessShare{To: access.Principal{User: f.carol}, Access: access.Viewer}))
			if g := f.rawGen(t); g <= g0 {
				t.Errorf("a new share left the generation at %d (was %d)", g, g0)
			}
			c2 := f.fresh(t)
			if genOf(c2) != f.rawGen(t) {
				t.Errorf("WithGeneration read %d, the table holds %d", genOf(c2), f.rawGen(t))
			}
			if rec, err := s.ProcessRecord(c2, f.env, f.proc); err != nil || rec == rec0 || len(rec.Shares) != 2 {
				t.Errorf("after a new share: %+v %v", rec, err)
			}
		})
	}
}

// deleteProcess and deleteProcessRow delete the fixture's process through
// the store and with raw SQL.
func deleteProcess(t *testing.T, f *acFixture) {
	must(t, f.s.DeleteProcess(context.Background(), f.env, f.proc))
}

func deleteProcessRow(t *testing.T, f *acFixture) {
	f.raw(t, "DELETE FROM processes WHERE id = ?", f.proc)
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

var dbSeq atomic.Int64

// stores returns a fresh SQLite store and a fresh PostgreSQL database (in
// the cluster PROCMINE_TEST_POSTGRES_URL points to), so that every test runs
// on both. Without PostgreSQL its half is skipped, or fails under CI=true.
func stores(t testing.TB) map[string]*Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*Store{}
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "procmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out["sqlite"] = lite

	base := os.Getenv("PROCMINE_TEST_POSTGRES_URL")
	if base == "" {
		msg := "PROCMINE_TEST_POSTGRES_URL is not set: PostgreSQL half skipped (scripts/test starts a cluster)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Log(msg)
		return out
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u := strings.Replace(base, "/procmine_test?", "/"+name+"?", 1)
	pg, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Close()
		if a, err := sql.Open("pgx", base); err == nil {
			a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
			a.Close()
		}
	})
	out["postgres"] = pg
	return out
}

// world is a random environment: a unit tree, users, teams and processes
// owned and shared every which way.
type world struct {
	env       access.ID
	units     *access.Units
	unitOf    map[access.ID]access.ID // user or team -> unit
	users     []access.ID
	teams     []access.ID
	teamsOf   map[access.ID][]access.ID // user -> teams
	processes []access.ID
}

func build(t testing.TB, s *Store, rng *rand.Rand, users, teams, processes int) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{unitOf: map[access.ID]access.ID{}, teamsOf: map[access.ID][]access.ID{}}
	env, root, err := s.CreateEnvironment(ctx, "env")
	must(t, err)
	w.env = env
	unitIDs := []access.ID{root}
	for i := range 6 {
		u, err := s.CreateBusinessUnit(ctx, env, fmt.Sprintf("unit %d", i), unitIDs[rng.IntN(len(unitIDs))])
		must(t, err)
		unitIDs = append(unitIDs, u)
	}
	for i := range users {
		u, err := s.CreateUser(ctx, User{Username: fmt.Sprintf("user%d-%d", env, i)})
		must(t, err)
		unit := unitIDs[rng.IntN(len(unitIDs))]
		must(t, s.AddMember(ctx, env, u, unit))
		w.users = append(w.users, u)
		w.unitOf[u] = unit
	}
	for i := range teams {
		kind := []string{"owner", "access"}[i%2]
		unit := unitIDs[rng.IntN(len(unitIDs))]
		tm, err := s.CreateTeam(ctx, env, fmt.Sprintf("team %d", i), kind, unit)
		must(t, err)
		w.teams = append(w.teams, tm)
		w.unitOf[tm] = unit
		for _, u := range w.users {
			if rng.IntN(4) == 0 {
				must(t, s.AddTeamMember(ctx, tm, u))
				w.teamsOf[u] = append(w.teamsOf[u], tm)
			}
		}
	}
	w.units, err = s.Units(ctx, env)
	must(t, err)
	for i := range processes {
		var owner access.Principal
		if rng.IntN(4) == 0 {
			owner.Team = w.teams[rng.IntN(len(w.teams))]
		} else {
			owner.User = w.users[rng.IntN(len(w.users))]
		}
		unit := w.unitOf[owner.User+owner.Team]
		p, err := s.CreateProcess(ctx, Process{Env: env, Name: fmt.Sprintf("p%d", i), Owner: owner, Unit: unit})
		must(t, err)
		w.processes = append(w.processes, p)
		for range rng.IntN(3) {
			var to access.Principal
			if rng.IntN(2) == 0 {
				to.Team = w.teams[rng.IntN(len(w.teams))]
			} else {
				to.User = w.users[rng.IntN(len(w.users))]
			}
			must(t, s.PutShare(ctx, p, access.ProcessShare{To: to, Access: access.ShareAccess(1 + rng.IntN(3))}))
		}
	}
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) subject(user access.ID, role *access.Role) *access.Subject {
	return access.NewSubject(user, w.unitOf[user], w.units, w.teamsOf[user], []access.RoleGrant{{Role: role}})
}

// TestReadableProcessesMatchesResolver checks the SQL twin against the
// resolver for every user of a random world under every role of the access
// matrix, on SQLite and PostgreSQL.
func TestReadableProcessesMatchesResolver(t *testing.T) {
	ctx := context.Background()
	var analyst access.Privileges
	analyst.Grant(access.Process, access.ParentChild, access.Read)
	var unitReader access.Privileges
	unitReader.Grant(access.Process, access.BusinessUnit, access.Read)
	roles := append(access.BuiltInRoles(),
		access.Role{Name: "parent-child reader", Privileges: analyst},
		access.Role{Name: "unit reader", Privileges: unitReader})
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			w := build(t, s, rand.New(rand.NewPCG(1, 2)), 25, 6, 300)
			records := map[access.ID]*access.Record{}
			for _, p := range w.processes {
				rec, err := s.ProcessRecord(ctx, w.env, p)
				must(t, err)
				records[p] = rec
			}
			checked := 0
			for _, role := range roles {
				for _, u := range w.users {
					sub := w.subject(u, &role)
					got, err := s.ReadableProcesses(ctx, w.env, sub, w.units.Below(sub.Unit))
					must(t, err)
					var want []access.ID
					for _, p := range w.processes {
						if sub.Can(access.Read, records[p]) {
							want = append(want, p)
						}
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%s, user %d: SQL lists %d processes, the resolver allows %d", role.Name, u, len(got), len(want))
					}
					checked += len(want)
				}
			}
			if checked == 0 {
				t.Fatal("no process was readable by anyone: the world is too thin to test anything")
			}
		})
	}
}

func TestProcessOfAnotherEnvironmentIsNotFound(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			w := build(t, s, rand.New(rand.NewPCG(3, 4)), 3, 2, 3)
			other, _, err := s.CreateEnvironment(ctx, "other")
			must(t, err)
			if _, err := s.ProcessRecord(ctx, other, w.processes[0]); err != ErrNotFound {
				t.Errorf("another environment's process: %v, want ErrNotFound", err)
			}
			if _, err := s.ProcessRecord(ctx, w.env, w.processes[0]); err != nil {
				t.Errorf("own environment's process: %v", err)
			}
		})
	}
}

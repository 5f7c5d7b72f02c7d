package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store/storetest"
)

// stores opens a fresh store on every database kind (see storetest).
func stores(t testing.TB) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	for name, dsn := range storetest.DSNs(t) {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[name] = s
	}
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
	env, root, err := s.CreateEnvironment(ctx, "env", 0)
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
			other, _, err := s.CreateEnvironment(ctx, "other", 0)
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

// TestReferenceModels: a process's reference model is stored sealed, read
// back, replaced, removed, and goes with its process.
func TestReferenceModels(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			w := build(t, s, rand.New(rand.NewPCG(5, 6)), 2, 1, 2)
			p := w.processes[0]
			if _, err := s.GetReferenceModel(ctx, p); err != ErrNotFound {
				t.Fatalf("no model yet: %v", err)
			}
			must(t, s.PutReferenceModel(ctx, p, ReferenceModel{Format: "bpmn", Name: "a.bpmn", Data: []byte("<definitions/>"), By: 7}))
			must(t, s.PutReferenceModel(ctx, p, ReferenceModel{Format: "pnml", Name: "b.pnml", Data: []byte("<pnml/>"), By: 8}))
			m, err := s.GetReferenceModel(ctx, p)
			must(t, err)
			if m.Format != "pnml" || m.Name != "b.pnml" || string(m.Data) != "<pnml/>" || m.By != 8 || m.Size != 7 || m.Updated.IsZero() {
				t.Errorf("read back %+v", m)
			}
			if _, err := s.GetReferenceModel(ctx, w.processes[1]); err != ErrNotFound {
				t.Errorf("another process's model: %v", err)
			}
			must(t, s.DeleteReferenceModel(ctx, p))
			if err := s.DeleteReferenceModel(ctx, p); err != ErrNotFound {
				t.Errorf("deleting twice: %v", err)
			}
			must(t, s.PutReferenceModel(ctx, p, ReferenceModel{Format: "bpmn", Name: "a.bpmn", Data: []byte("x"), By: 7}))
			must(t, s.DeleteProcess(ctx, w.env, p))
			var n int
			must(t, s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM reference_models").Scan(&n))
			if n != 0 {
				t.Errorf("%d reference models left after their process was deleted", n)
			}
		})
	}
}

// TestUploadMappings: a process's upload mapping is remembered, replaced,
// kept apart from another process's, and goes with its process.
func TestUploadMappings(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			w := build(t, s, rand.New(rand.NewPCG(7, 8)), 2, 1, 2)
			p := w.processes[0]
			if m, err := s.UploadMapping(ctx, p); err != nil || len(m) != 0 {
				t.Fatalf("none yet: %v %v", m, err)
			}
			must(t, s.PutUploadMapping(ctx, p, map[string]string{"case": "a"}, 7))
			must(t, s.PutUploadMapping(ctx, p, map[string]string{"case": "id", "delimiter": ";"}, 8))
			m, err := s.UploadMapping(ctx, p)
			must(t, err)
			if len(m) != 2 || m["case"] != "id" || m["delimiter"] != ";" {
				t.Errorf("read back %v", m)
			}
			if m, err := s.UploadMapping(ctx, w.processes[1]); err != nil || len(m) != 0 {
				t.Errorf("another process's mapping: %v %v", m, err)
			}
			must(t, s.DeleteProcess(ctx, w.env, p))
			var n int
			must(t, s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM upload_mappings").Scan(&n))
			if n != 0 {
				t.Errorf("%d mappings left after their process was deleted", n)
			}
		})
	}
}

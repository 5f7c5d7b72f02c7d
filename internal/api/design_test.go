package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/store"
)

// world2 is two environments with a member of each role in prod, for the
// named tests of DESIGN §2.
type world2 struct {
	root            *client
	prod, dev       access.ID
	prodRoot        access.ID
	devProcess      access.ID
	devTeam         access.ID
	outsiderID      access.ID
	members         map[string]*client
	ids             map[string]access.ID
	base            string
	sharedProcessID access.ID
}

func setup2(t *testing.T, e *env) *world2 {
	w := &world2{members: map[string]*client{}, ids: map[string]access.ID{}}
	w.root, _ = e.user("root", true)
	var prod, dev struct {
		ID   access.ID `json:"id"`
		Root access.ID `json:"root_business_unit"`
	}
	w.root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
	w.root.json("POST", "/api/v1/environments", `{"name":"dev"}`, 201, &dev)
	w.prod, w.dev, w.prodRoot = prod.ID, dev.ID, prod.Root
	w.base = fmt.Sprintf("/api/v1/environments/%d", prod.ID)
	for _, role := range []string{access.SystemCustomizer, access.EnvironmentMaker, access.ProcessMiningUser, access.BasicUser} {
		name := strings.ToLower(strings.ReplaceAll(role, " ", ""))
		c, id := e.user(name, false)
		w.root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, id), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, role), 200, nil)
		w.members[role], w.ids[role] = c, id
	}
	_, w.outsiderID = e.user("outsider", false)
	var p processJSON
	w.root.json("POST", fmt.Sprintf("/api/v1/environments/%d/processes", dev.ID), `{"name":"dev process"}`, 201, &p)
	w.devProcess = p.ID
	var team struct{ ID access.ID }
	w.root.json("POST", fmt.Sprintf("/api/v1/environments/%d/teams", dev.ID), fmt.Sprintf(`{"name":"dev team","kind":"owner","business_unit":%d}`, dev.Root), 201, &team)
	w.devTeam = team.ID
	maker := w.members[access.EnvironmentMaker]
	maker.json("POST", w.base+"/processes", `{"name":"shared"}`, 201, &p)
	w.sharedProcessID = p.ID
	maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", w.base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"co-owner"}`, w.ids[access.ProcessMiningUser]), 200, nil)
	return w
}

// TestProcessMiningUserOnlyViewsReportsOverHTTP: shared as co-owner, a
// process mining user reads the process and does nothing else with it.
func TestProcessMiningUserOnlyViewsReportsOverHTTP(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setup2(t, e)
			pmu := w.members[access.ProcessMiningUser]
			path := fmt.Sprintf("%s/processes/%d", w.base, w.sharedProcessID)
			pmu.json("GET", path, "", 200, nil)
			for _, try := range []struct{ method, path, body string }{
				{"PATCH", path, `{"name":"mine now"}`},
				{"PUT", path + "/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, w.ids[access.BasicUser])},
				{"PUT", path + "/owner", fmt.Sprintf(`{"user":%d}`, w.ids[access.ProcessMiningUser])},
				{"DELETE", path, ""},
				{"POST", w.base + "/processes", `{"name":"own"}`},
			} {
				if code, body := pmu.do(try.method, try.path, try.body, nil); code != 403 {
					t.Errorf("%s %s as a co-owner process mining user: %d %s", try.method, try.path, code, body)
				}
			}
			var ex struct {
				Access map[string]map[string]struct{ Allowed bool } `json:"access"`
			}
			w.root.json("GET", fmt.Sprintf("%s/access?user=%d", path, w.ids[access.ProcessMiningUser]), "", 200, &ex)
			if ex.Access["process"]["appendto"].Allowed || ex.Access["recording"]["create"].Allowed {
				t.Error("a process mining user may add recordings")
			}
		})
	}
}

// TestCustomizersSeeEveryProcessOfTheirEnvironmentOnly.
func TestCustomizersSeeEveryProcessOfTheirEnvironmentOnly(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setup2(t, e)
			cust := w.members[access.SystemCustomizer]
			var list struct{ Processes []processJSON }
			cust.json("GET", w.base+"/processes", "", 200, &list)
			if len(list.Processes) != 1 {
				t.Errorf("the customizer sees %d processes of prod, want 1", len(list.Processes))
			}
			if code, _ := cust.do("GET", fmt.Sprintf("%s/processes/%d", w.base, w.devProcess), "", nil); code != 404 {
				t.Errorf("the customizer reads dev's process through prod: %d", code)
			}
			if code, _ := cust.do("GET", fmt.Sprintf("/api/v1/environments/%d/processes", w.dev), "", nil); code != 403 {
				t.Errorf("the customizer enters dev: %d", code)
			}
			if code, _ := cust.do("PUT", fmt.Sprintf("%s/members/%d", w.base, w.outsiderID), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, w.prodRoot), nil); code != 403 {
				t.Errorf("the customizer administers members: %d", code)
			}
		})
	}
}

// snapshot is everything the API can change, to prove a request changed
// nothing.
func snapshot(t *testing.T, st *store.Store, envs ...access.ID) string {
	ctx := context.Background()
	var b strings.Builder
	users, err := st.Users(ctx)
	must(t, err)
	fmt.Fprintln(&b, users)
	for _, env := range envs {
		for _, f := range []func() (any, error){
			func() (any, error) { return st.Members(ctx, env) },
			func() (any, error) { return st.Teams(ctx, env) },
			func() (any, error) { return st.BusinessUnits(ctx, env) },
			func() (any, error) { return st.Roles(ctx, env) },
			func() (any, error) { return st.AuditLog(ctx, env, store.AuditFilter{}) },
			func() (any, error) {
				all := access.NewSubject(0, 0, nil, nil, []access.RoleGrant{{Role: &access.Role{Bypass: true}}})
				ps, err := st.ListProcesses(ctx, env, all, nil)
				if err != nil {
					return nil, err
				}
				var shares [][]access.ProcessShare
				var recordings []any
				for _, p := range ps {
					sh, err := st.Shares(ctx, p.ID)
					if err != nil {
						return nil, err
					}
					shares = append(shares, sh)
					recs, err := st.Recordings(ctx, env, p.ID)
					if err != nil {
						return nil, err
					}
					for _, r := range recs {
						steps, err := st.Steps(ctx, r.ID)
						if err != nil {
							return nil, err
						}
						recordings = append(recordings, r, steps)
					}
				}
				return []any{ps, shares, recordings}, nil
			},
			func() (any, error) {
				policy, _, err := st.PrivacyPolicy(ctx, env)
				return policy, err
			},
		} {
			v, err := f()
			must(t, err)
			j, _ := json.Marshal(v)
			b.Write(j)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestEveryRouteRefusesBadRequests sends every route malformed bodies and
// ids from another environment or of nobody; each answer is a documented
// error, and nothing in the database changes.
func TestEveryRouteRefusesBadRequests(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setup2(t, e)
			before := snapshot(t, e.store, w.prod, w.dev)
			srv := New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			fill := strings.NewReplacer("{env}", fmt.Sprint(w.prod), "{id}", fmt.Sprint(w.devProcess),
				"{user}", fmt.Sprint(w.outsiderID), "{team}", fmt.Sprint(w.devTeam), "{role}", "Nonexistent")
			bodies := []string{`{`, `{"zzz":1}`, `{"name":42,"principal":"x","business_unit":"x"}`, `[]`, `{"name":"` + strings.Repeat("x", request.MaxBody) + `"}`}
			allowed := map[int]bool{400: true, 403: true, 404: true, 413: true, 415: true, 422: true}
			tried := 0
			for _, pattern := range srv.patterns {
				method, path, ok := strings.Cut(pattern, " ")
				// Reads change nothing; signing out and deleting the
				// environment take no body and no foreign id, so for them a
				// body is no bad request.
				if !ok || method == "GET" || !strings.HasPrefix(path, "/api/") || path == "/api/v1/session" || pattern == "DELETE /api/v1/environments/{env}" {
					continue
				}
				path = fill.Replace(path)
				for _, body := range bodies {
					tried++
					code, resp := w.root.do(method, path, body, nil)
					if !allowed[code] {
						t.Errorf("%s %s with %.30q: %d %s", method, path, body, code, resp)
					}
				}
			}
			if tried < 60 {
				t.Fatalf("only %d requests tried", tried)
			}
			if after := snapshot(t, e.store, w.prod, w.dev); after != before {
				t.Errorf("bad requests changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestBuiltInRolesWorkAtOnce: a new environment has the six built-in
// roles, and they work with no other administration.
func TestBuiltInRolesWorkAtOnce(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setup2(t, e)
			var roles struct{ Roles []roleJSON }
			w.root.json("GET", w.base+"/roles", "", 200, &roles)
			var names []string
			for _, r := range roles.Roles {
				if r.BuiltIn {
					names = append(names, r.Name)
				}
			}
			if len(names) != 6 {
				t.Errorf("built-in roles %v", names)
			}
			w.members[access.EnvironmentMaker].json("POST", w.base+"/processes", `{"name":"at once"}`, 201, nil)
			w.members[access.SystemCustomizer].json("GET", w.base+"/processes", "", 200, nil)
			if code, _ := w.members[access.BasicUser].do("POST", w.base+"/processes", `{"name":"no"}`, nil); code != 403 {
				t.Errorf("a basic user created a process: %d", code)
			}
		})
	}
}

// TestMakerContributes: shared as contributor, a maker may add recordings
// to another's process (create them and append them to it) but not
// change the process.
func TestMakerContributes(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setup2(t, e)
			other, otherID := e.user("maker2", false)
			w.root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, otherID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, w.prodRoot), 200, nil)
			var p processJSON
			other.json("POST", w.base+"/processes", `{"name":"theirs"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", w.base, p.ID)
			maker := w.members[access.EnvironmentMaker]
			if code, _ := maker.do("GET", path, "", nil); code != 404 {
				t.Errorf("before the share: %d", code)
			}
			other.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"contributor"}`, w.ids[access.EnvironmentMaker]), 200, nil)
			maker.json("GET", path, "", 200, nil)
			if code, _ := maker.do("PATCH", path, `{"name":"mine"}`, nil); code != 403 {
				t.Errorf("a contributor renamed the process: %d", code)
			}
			var ex struct {
				Access map[string]map[string]struct{ Allowed bool } `json:"access"`
			}
			// The owner may not see another member's roles through explain.
			if code, _ := other.do("GET", fmt.Sprintf("%s/access?user=%d", path, w.ids[access.EnvironmentMaker]), "", nil); code != 403 {
				t.Errorf("a maker explains another member: %d", code)
			}
			maker.json("GET", fmt.Sprintf("%s/access?user=%d", path, w.ids[access.EnvironmentMaker]), "", 200, &ex)
			if !ex.Access["process"]["appendto"].Allowed || !ex.Access["recording"]["create"].Allowed || ex.Access["process"]["write"].Allowed {
				t.Errorf("contributor's access: %+v", ex.Access["process"])
			}
		})
	}
}

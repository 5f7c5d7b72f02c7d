package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/signin"
)

// golden reads internal/access/testdata/matrix.golden: for each
// "role|relationship|table", the allowed operations as + and -.
func golden(t *testing.T) map[string]string {
	f, err := os.Open("../access/testdata/matrix.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		key := strings.TrimSpace(parts[0]) + "|" + strings.TrimSpace(parts[1]) + "|" + strings.TrimSpace(parts[2])
		out[key] = strings.ReplaceAll(parts[3], " ", "")
	}
	if len(out) != 7*12*3 {
		t.Fatalf("golden matrix has %d rows", len(out))
	}
	return out
}

// TestAccessMatrixOverHTTP asserts every row of the golden access matrix
// through the API, on SQLite and PostgreSQL: process operations through
// the routes that perform them (create, read, write, assign, share,
// delete), and those without routes yet (append, append-to, and every
// recording and event log operation) through the explain call; and the
// process list, filtered by the resolver's SQL twin, against the read
// column.
func TestAccessMatrixOverHTTP(t *testing.T) {
	want := golden(t)
	ctx := context.Background()
	for dbName, e := range servers(t) {
		t.Run(dbName, func(t *testing.T) {
			root, _ := e.user("root", true)
			var prod struct {
				ID   access.ID `json:"id"`
				Root access.ID `json:"root_business_unit"`
			}
			root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
			st, env, org := e.store, prod.ID, prod.Root
			unit := func(name string, parent access.ID) access.ID {
				id, err := st.CreateBusinessUnit(ctx, env, name, parent)
				must(t, err)
				return id
			}
			sales := unit("Sales", org)
			north, finance := unit("North", sales), unit("Finance", org)
			member := func(name string, u access.ID) access.ID {
				id, err := signin.CreateUser(ctx, st, name, "a long enough password", false, cheap)
				must(t, err)
				must(t, st.AddMember(ctx, env, id, u))
				must(t, st.AssignRole(ctx, env, access.BasicUser, access.Principal{User: id}))
				return id
			}
			v, w, x, y := member("v", sales), member("w", north), member("x", finance), member("y", org)
			ownerTeam, err := st.CreateTeam(ctx, env, "owners", "owner", sales)
			must(t, err)
			accessTeam, err := st.CreateTeam(ctx, env, "sharers", "access", sales)
			must(t, err)
			bystanders, err := st.CreateTeam(ctx, env, "bystanders", "access", finance)
			must(t, err)

			var analyst access.Privileges
			analyst.Grant(access.Process, access.ParentChild, access.Read, access.Write)
			analyst.Grant(access.Process, access.User, access.Share)
			analyst.Grant(access.Recording, access.BusinessUnit, access.Read)
			analyst.Grant(access.EventLog, access.User, access.Read)
			_, err = st.CreateRole(ctx, env, "Regional Analyst", analyst)
			must(t, err)

			procs := fmt.Sprintf("/api/v1/environments/%d/processes", env)
			oneStep := bundle(t, "matrix", []stepJSON{newStep("Open", 0, stepJSON{"input": "x"})}, nil)
			for i, roleName := range []string{access.SystemAdministrator, access.SystemCustomizer, access.EnvironmentMaker,
				access.ProcessMiningUser, access.ProcessMiningApplication, access.BasicUser, "Regional Analyst"} {
				// The subject of this role: in Sales, in both teams.
				name := fmt.Sprintf("u%d", i)
				u := member(name, sales)
				must(t, st.AddTeamMember(ctx, ownerTeam, u))
				must(t, st.AddTeamMember(ctx, accessTeam, u))
				must(t, st.AssignRole(ctx, env, roleName, access.Principal{User: u}))
				c := e.client()
				c.json("POST", "/api/v1/session", `{"username":"`+name+`","password":"a long enough password"}`, 200, nil)

				direct, team := access.Principal{User: u}, access.Principal{Team: accessTeam}
				rels := []struct {
					name  string
					owner access.Principal
					share *access.ProcessShare
				}{
					{"owner", access.Principal{User: u}, nil},
					{"owner-team", access.Principal{Team: ownerTeam}, nil},
					{"same-unit", access.Principal{User: v}, nil},
					{"child-unit", access.Principal{User: w}, nil},
					{"parent-unit", access.Principal{User: y}, nil},
					{"other-unit", access.Principal{User: x}, nil},
					{"co-owner", access.Principal{User: x}, &access.ProcessShare{To: direct, Access: access.CoOwner}},
					{"co-owner-team", access.Principal{User: x}, &access.ProcessShare{To: team, Access: access.CoOwner}},
					{"contributor", access.Principal{User: x}, &access.ProcessShare{To: direct, Access: access.Contributor}},
					{"contributor-team", access.Principal{User: x}, &access.ProcessShare{To: team, Access: access.Contributor}},
					{"viewer", access.Principal{User: x}, &access.ProcessShare{To: direct, Access: access.Viewer}},
					{"viewer-team", access.Principal{User: x}, &access.ProcessShare{To: team, Access: access.Viewer}},
				}
				for _, rel := range rels {
					// Root (System Administrator) makes the process and hands it
					// to its owner, through the API.
					var p processJSON
					root.json("POST", procs, `{"name":"`+roleName+` `+rel.name+`"}`, 201, &p)
					owner, _ := json.Marshal(rel.owner)
					path := fmt.Sprintf("%s/%d", procs, p.ID)
					root.json("PUT", path+"/owner", string(owner), 200, nil)
					if rel.share != nil {
						body, _ := json.Marshal(shareRequest{Principal: rel.share.To, Access: rel.share.Access.String()})
						root.json("PUT", path+"/shares", string(body), 200, nil)
					}

					ok := func(code int) string {
						if code >= 200 && code < 300 {
							return "+"
						}
						if code != 403 && code != 404 {
							t.Fatalf("%s/%s: status %d", roleName, rel.name, code)
						}
						return "-"
					}
					// Explain, asked by the administrator, for the operations
					// and tables without routes yet.
					var ex struct {
						Access map[string]map[string]struct{ Allowed bool } `json:"access"`
					}
					root.json("GET", fmt.Sprintf("%s/access?user=%d", path, u), "", 200, &ex)
					explained := func(table, op string) string {
						if ex.Access[table][op].Allowed {
							return "+"
						}
						return "-"
					}
					for _, table := range []string{"process", "recording", "eventlog"} {
						var got strings.Builder
						for _, op := range access.Ops() {
							got.WriteString(explained(table, op.String()))
						}
						if key := roleName + "|" + rel.name + "|" + table; got.String() != want[key] {
							t.Errorf("%s (explain): %s, golden %s", key, got.String(), want[key])
						}
					}
					// The list (the resolver's SQL twin) holds the process
					// exactly when the golden matrix says it may be read.
					var list struct{ Processes []processJSON }
					c.json("GET", procs, "", 200, &list)
					listed := "-"
					for _, lp := range list.Processes {
						if lp.ID == p.ID {
							listed = "+"
						}
					}
					if key := roleName + "|" + rel.name + "|process"; listed != want[key][1:2] {
						t.Errorf("%s: listed %s, golden read %s", key, listed, want[key][1:2])
					}
					// The recording row through the recording routes, on a
					// recording root made (so never the subject's own).
					{
						key := roleName + "|" + rel.name + "|recording"
						var r recordingJSON
						code, body := root.uploadBundle(path+"/recordings", oneStep)
						if code != 201 {
							t.Fatalf("root's upload: %d %s", code, body)
						}
						json.Unmarshal([]byte(body), &r)
						rpath := fmt.Sprintf("%s/recordings/%d", path, r.ID)
						g := want[key]
						// Adding a recording is Create and Append on it.
						var wantRoutes string
						if g[0] == '+' && g[4] == '+' {
							wantRoutes = "+" + g[1:4]
						} else {
							wantRoutes = "-" + g[1:4]
						}
						code, _ = c.uploadBundle(path+"/recordings", oneStep)
						got := ok(code)
						code, body = c.do("GET", rpath, "", nil)
						if code == 200 && !strings.Contains(body, `"view":"full"`) {
							code = 403 // step names only: not a read of the recording
						}
						got += ok(code)
						code, _ = c.do("PATCH", rpath+"/steps/1", `{"description":"x"}`, nil)
						got += ok(code)
						code, _ = c.do("DELETE", rpath, "", nil)
						got += ok(code)
						if got != wantRoutes {
							t.Errorf("%s (routes create/read/write/delete): %s, golden %s", key, got, wantRoutes)
						}
					}
					// The process row again, through the routes themselves.
					ownerBody := string(owner)
					shareBody := fmt.Sprintf(`{"principal":{"team":%d},"access":"viewer"}`, bystanders)
					code, _ := c.do("POST", procs, `{"name":"made by `+name+`"}`, nil)
					got := ok(code)
					code, _ = c.do("GET", path, "", nil)
					got += ok(code)
					code, _ = c.do("PATCH", path, `{"name":"`+roleName+` `+rel.name+`"}`, nil)
					got += ok(code)
					del := path // deleted last, below
					got += "?" + explained("process", "append") + explained("process", "appendto")
					code, _ = c.do("PUT", path+"/owner", ownerBody, nil)
					got += ok(code)
					code, _ = c.do("PUT", path+"/shares", shareBody, nil)
					got += ok(code)
					code, _ = c.do("DELETE", del, "", nil)
					got = strings.Replace(got, "?", ok(code), 1)
					if key := roleName + "|" + rel.name + "|process"; got != want[key] {
						t.Errorf("%s (routes): %s, golden %s", key, got, want[key])
					}
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

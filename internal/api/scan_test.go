package api

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
)

// publicRoutes answer without a session: health, metrics, the API's
// description, signing in and out, the studio's files and sign-in page,
// and the catch-all 404.
var publicRoutes = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /api/v1/openapi.json": true,
	"POST /api/v1/session": true, "DELETE /api/v1/session": true,
	"GET /static/": true, "GET /signin": true, "POST /signin": true, "GET /signin/oidc": true, "GET /signin/oidc/callback": true,
	"POST /signout": true, "/": true,
}

// ids fill a route's {placeholders}.
type ids map[string]string

func (v ids) fill(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	for name, value := range v {
		path = strings.ReplaceAll(path, "{"+name+"}", value)
	}
	path = strings.ReplaceAll(path, "{$}", "")
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "x"
	}
	return method, path
}

// TestRouteScan calls every route the server has: without a session,
// with an expired token, and as a viewer with ids of another environment
// or of a process the viewer may not read.
// Without credentials only the public routes answer; an expired token is
// a stranger; and for the viewer, a record of another environment is
// answered exactly as one that does not exist, and no answer names what
// is there. Nothing of the other environment changes.
func TestRouteScan(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			patterns := New(Config{Store: e.store}).patterns

			// Another environment, full of things worth finding.
			const secret = "SECRET-"
			root := w.root
			var other envJSON
			root.json("POST", "/api/v1/environments", `{"name":"`+secret+`env"}`, 201, &other)
			obase := fmt.Sprintf("/api/v1/environments/%d", other.ID)
			var op processJSON
			root.json("POST", obase+"/processes", `{"name":"`+secret+`process"}`, 201, &op)
			oproc := fmt.Sprintf("%s/processes/%d", obase, op.ID)
			csv := "case,activity,time,resource\n1,Create,2026-01-01T09:00:00Z," + secret + "person\n1,Pay,2026-01-01T10:00:00Z," + secret + "person\n"
			if j := root.importLog(oproc+"/data", "o.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}); j.State != "done" {
				t.Fatalf("import into the other environment: %+v", j)
			}
			var versions struct{ Versions []store.Version }
			root.json("GET", oproc+"/data", "", 200, &versions)
			code, body := root.uploadBundle(oproc+"/recordings", bundle(t, secret+"recording", []stepJSON{newStep(secret+"step", 0, stepJSON{"screenshot": "screenshots/1.png"})},
				map[string][]byte{"screenshots/1.png": testPNG(t, 8, 8)}))
			if code != 201 {
				t.Fatalf("recording in the other environment: %d %s", code, body)
			}
			var orec recordingJSON
			decodeJSON(t, body, &orec)
			var team, role, unit struct{ ID access.ID }
			root.json("POST", obase+"/teams", fmt.Sprintf(`{"name":"%steam","kind":"access","business_unit":%d}`, secret, other.Root), 201, &team)
			root.json("POST", obase+"/roles", `{"name":"`+secret+`role","privileges":{}}`, 201, &role)
			root.json("POST", obase+"/business-units", fmt.Sprintf(`{"name":"%sunit","parent":%d}`, secret, other.Root), 201, &unit)
			_, ouser := e.user("secretuser", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", obase, ouser), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, other.Root), 200, nil)
			var job struct{ Job access.ID }
			job.Job = root.importLog(oproc+"/data", "o2.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}).ID
			var policy struct{ ID access.ID }
			root.json("POST", "/api/v1/access-policies", `{"name":"`+secret+`policy","state":"report-only","apps":["api"],"include":{"all":true},"grant":"block"}`, 201, &policy)
			const rangeName = "secret-range"
			root.json("PUT", "/api/v1/named-ranges/"+rangeName, `{"ranges":["10.0.0.0/8"]}`, 200, nil)
			var tok struct{ ID access.ID }
			root.json("POST", "/api/v1/tokens", `{"name":"`+secret+`token"}`, 201, &tok)
			snapshot := func() string {
				var b strings.Builder
				for _, p := range []string{oproc, oproc + "/data", oproc + "/shares", oproc + "/recordings", fmt.Sprintf("%s/recordings/%d/steps/1/screenshot", oproc, orec.ID),
					obase + "/teams", obase + "/roles", obase + "/business-units", obase + "/members", "/api/v1/access-policies", "/api/v1/named-ranges", obase} {
					code, body := root.do("GET", p, "", nil)
					fmt.Fprintf(&b, "%s %d %x\n", p, code, sha256.Sum256([]byte(body)))
				}
				return b.String()
			}
			before := snapshot()

			foreign := ids{"env": fmt.Sprint(w.env), "id": fmt.Sprint(op.ID), "rid": fmt.Sprint(orec.ID), "n": "1", "version": fmt.Sprint(versions.Versions[0].ID),
				"role": secret + "role", "team": fmt.Sprint(team.ID), "user": fmt.Sprint(ouser), "name": rangeName}
			missing := ids{"env": fmt.Sprint(w.env), "id": "987654", "rid": "987654", "n": "1", "version": "987654",
				"role": "no-such-role", "team": "987654", "user": "987654", "name": "no-such-range"}
			// And a process of the viewer's own environment that is not
			// shared with the viewer, with data and a recording.
			var hp processJSON
			root.json("POST", w.base+"/processes", `{"name":"`+secret+`hidden"}`, 201, &hp)
			hproc := fmt.Sprintf("%s/processes/%d", w.base, hp.ID)
			hv := root.importLog(hproc+"/data", "h.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"})
			if hv.State != "done" {
				t.Fatalf("import into the hidden process: %+v", hv)
			}
			code, body = root.uploadBundle(hproc+"/recordings", bundle(t, secret+"hidden recording", []stepJSON{newStep(secret+"step", 0, stepJSON{"screenshot": "screenshots/1.png"})},
				map[string][]byte{"screenshots/1.png": testPNG(t, 8, 8)}))
			if code != 201 {
				t.Fatalf("recording in the hidden process: %d %s", code, body)
			}
			var hrec recordingJSON
			decodeJSON(t, body, &hrec)
			hidden := ids{}
			for k, v := range missing {
				hidden[k] = v
			}
			hidden["id"], hidden["rid"], hidden["version"] = fmt.Sprint(hp.ID), fmt.Sprint(hrec.ID), fmt.Sprint(hv.Version)
			foreignEnv, missingEnv := ids{}, ids{}
			for k, v := range foreign {
				foreignEnv[k], missingEnv[k] = v, missing[k]
			}
			foreignEnv["env"], missingEnv["env"] = fmt.Sprint(other.ID), "987655"
			prodIDs := ids{"env": fmt.Sprint(w.env), "id": fmt.Sprint(w.pid), "rid": "1", "n": "1", "version": "1", "role": access.EnvironmentMaker,
				"team": "1", "user": fmt.Sprint(w.ids["viewer"]), "name": "office"}

			noRedirect := func(c *client) *http.Client {
				hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				if c != nil {
					hc.Jar = c.http.Jar
				}
				return hc
			}
			call := func(hc *http.Client, token, method, path string) (int, string) {
				t.Helper()
				body := ""
				if method != "GET" && method != "DELETE" {
					body = "{}"
				}
				req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode >= 300 && resp.StatusCode < 400 {
					return resp.StatusCode, resp.Header.Get("Location")
				}
				return resp.StatusCode, string(b)
			}
			check := func(who, pattern, path string, code int, body string) {
				t.Helper()
				if code >= 500 {
					t.Errorf("%s: %s (%s): %d %s", who, pattern, path, code, body)
				}
				// What the caller sent may come back (a role it named); the
				// rest must not name the other environment's things.
				for _, seg := range strings.Split(path, "/") {
					if strings.Contains(seg, secret) {
						body = strings.ReplaceAll(body, seg, "")
					}
				}
				if strings.Contains(body, secret) {
					t.Errorf("%s: %s (%s) names what is in the other environment: %.300s", who, pattern, path, body)
				}
			}
			isPage := func(path string) bool { return !strings.HasPrefix(path, "/api/") }
			scanned := 0

			// 1. Without a session.
			anon := noRedirect(nil)
			for _, pattern := range patterns {
				method, path := prodIDs.fill(pattern)
				code, body := call(anon, "", method, path)
				check("no session", pattern, path, code, body)
				scanned++
				if publicRoutes[pattern] {
					continue
				}
				switch {
				case isPage(path) && method == "GET" && (code != http.StatusSeeOther || !strings.HasPrefix(body, "/signin")):
					t.Errorf("no session: %s: %d %s, want a redirect to /signin", pattern, code, body)
				case !isPage(path) && code != http.StatusUnauthorized:
					t.Errorf("no session: %s: %d %.200s, want 401", pattern, code, body)
				case isPage(path) && method != "GET" && code/100 == 2:
					t.Errorf("no session: %s: %d", pattern, code)
				}
			}

			// asIfMissing calls every route as who with each pair of ids, those
			// it may not see and those that do not exist, and wants the same
			// answer for both.
			asIfMissing := func(who string, hc *http.Client, pairs ...[2]ids) {
				for _, pattern := range patterns {
					if pattern == "DELETE /api/v1/session" || pattern == "POST /signout" {
						continue // would sign the caller out
					}
					for _, pair := range pairs {
						if pair[0]["env"] == pair[1]["env"] && strings.Count(strings.ReplaceAll(pattern, "{env}", ""), "{") == 0 {
							continue // no id but the caller's own environment: the two calls are one
						}
						method, fpath := pair[0].fill(pattern)
						_, mpath := pair[1].fill(pattern)
						fcode, fbody := call(hc, "", method, fpath)
						mcode, mbody := call(hc, "", method, mpath)
						check(who, pattern, fpath, fcode, fbody)
						check(who, pattern, mpath, mcode, mbody)
						scanned += 2
						if fcode != mcode || errorCodeOf(fbody) != errorCodeOf(mbody) {
							t.Errorf("%s: %s: ids it may not see (%s) give %d %.200s; ids that do not exist (%s) give %d %.200s",
								who, pattern, fpath, fcode, fbody, mpath, mcode, mbody)
						}
					}
				}
			}

			// 2. As a viewer, with ids of another environment, or of a
			// process of its own that it may not read.
			viewer := noRedirect(w.c["viewer"])
			asIfMissing("viewer", viewer, [2]ids{foreign, missing}, [2]ids{foreignEnv, missingEnv}, [2]ids{hidden, missing})
			// As a System Administrator of the viewer's environment, who
			// passes the checks a viewer fails first, with another
			// environment's ids.
			padmin, padminID := e.user("padmin", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, padminID), fmt.Sprintf(`{"business_unit":%d,"roles":["System Administrator"]}`, w.unit), 200, nil)
			asIfMissing("administrator", noRedirect(padmin), [2]ids{foreign, missing}, [2]ids{foreignEnv, missingEnv})

			// Installation-wide ids of someone else's: a job, a token, a policy.
			for _, c := range []struct{ method, path string }{
				{"GET", fmt.Sprintf("/api/v1/jobs/%d", job.Job)}, {"DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID)},
				{"GET", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID)}, {"DELETE", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID)},
				{"DELETE", "/api/v1/named-ranges/" + rangeName},
			} {
				code, body := call(viewer, "", c.method, c.path)
				check("viewer", c.method+" "+c.path, c.path, code, body)
				if code/100 == 2 {
					t.Errorf("viewer: %s %s: %d", c.method, c.path, code)
				}
			}

			// 3. An expired token of the process's owner, on the owner's
			// own records: a stranger.
			var owned struct{ Token string }
			w.c["owner"].json("POST", "/api/v1/tokens", `{"name":"short","expires_in_days":1}`, 201, &owned)
			if code, _ := call(noRedirect(nil), owned.Token, "GET", "/api/v1/environments/"+fmt.Sprint(w.env)+"/processes"); code != 200 {
				t.Fatalf("the token before it expires: %d", code)
			}
			e.now = e.now.Add(25 * time.Hour)
			ownerIDs := ids{"env": fmt.Sprint(w.env), "id": fmt.Sprint(w.pid), "rid": "1", "n": "1", "version": "1", "role": access.EnvironmentMaker,
				"team": "1", "user": fmt.Sprint(w.ids["owner"]), "name": "office"}
			for _, pattern := range patterns {
				method, path := ownerIDs.fill(pattern)
				if publicRoutes[pattern] || isPage(path) {
					continue
				}
				code, body := call(noRedirect(nil), owned.Token, method, path)
				check("expired token", pattern, path, code, body)
				scanned++
				if code != http.StatusUnauthorized {
					t.Errorf("expired token: %s: %d %.200s, want 401", pattern, code, body)
				}
			}
			e.now = e.now.Add(-25 * time.Hour)

			if after := snapshot(); after != before {
				t.Errorf("the other environment changed during the scan:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			t.Logf("%d routes, %d calls", len(patterns), scanned)
		})
	}
}

func decodeJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// errorCodeOf is the "code" of an error answer, or "".
func errorCodeOf(body string) string {
	_, rest, ok := strings.Cut(body, `"code":"`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, `"`)
	return code
}

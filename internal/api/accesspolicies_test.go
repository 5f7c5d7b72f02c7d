package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// from makes requests of a client appear to come from addr (through the
// trusted loopback proxy).
func (c *client) from(addr, method, path, body string) (int, string) {
	c.e.t.Helper()
	return c.do(method, path, body, map[string]string{"X-Forwarded-For": addr})
}

// TestConditionalAccessOverHTTP: policies × requests (user, team, app,
// address) against the expected result, through both apps: the studio's
// pages with a session cookie and the API with a token.
func TestConditionalAccessOverHTTP(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, makerID, prod, base := prodWithMaker(e)
			ann, annID := e.user("ann", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, annID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)
			var team struct{ ID int }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"field","kind":"access","business_unit":%d}`, prod.Root), 201, &team)
			root.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, team.ID, annID), "", 204, nil)
			// Only the environment's System Administrators tie a team to a
			// provider group: membership brings the team's roles.
			if code, _ := ann.do("PUT", fmt.Sprintf("%s/teams/%d/idp-group", base, team.ID), `{"group":"field"}`, nil); code != 403 {
				t.Errorf("a maker ties a team to a provider group: %d", code)
			}
			// ann calls the API with a token, from anywhere.
			var tok struct{ Token string }
			ann.json("POST", "/api/v1/tokens", `{"name":"ci"}`, 201, &tok)
			api := e.client()
			api.token = tok.Token

			put := func(body string, want int) map[string]any {
				t.Helper()
				code, b := root.from("198.51.100.1", "POST", "/api/v1/access-policies", body)
				if code != want {
					t.Fatalf("policy %s: %d %s", body, code, b)
				}
				var out map[string]any
				json.Unmarshal([]byte(b), &out)
				return out
			}
			// A single-app policy is accepted with a warning; one that
			// would lock its author out is refused.
			out := put(`{"name":"api only","state":"report-only","apps":["api"],"include":{"users":[`+itoa(annID)+`]},"grant":"block"}`, 201)
			if w, _ := out["warnings"].([]any); len(w) != 1 || !strings.Contains(fmt.Sprint(w[0]), "leaves the studio app unprotected") {
				t.Errorf("warnings %v", out["warnings"])
			}
			put(`{"name":"everyone","state":"on","apps":["studio","api"],"include":{"all":true},"grant":"block"}`, 409)
			put(`{"name":"bad net","state":"on","apps":["studio","api"],"include":{"all":true},"ip_ranges":["203.0.113.0/24"],"grant":"block"}`, 201)
			// The office is a named range; a name that is not defined is refused.
			root.json("PUT", "/api/v1/named-ranges/office", `{"ranges":["10.0.0.0/8"]}`, 200, nil)
			put(`{"name":"nowhere","state":"on","apps":["studio","api"],"include":{"all":true},"ip_range_names":["nowhere"],"grant":"block"}`, 422)
			put(`{"name":"field mfa","state":"on","apps":["studio","api"],"include":{"teams":[`+fmt.Sprint(team.ID)+`]},"ip_range_names":["office"],"ip_ranges_except":true,"grant":"require-mfa"}`, 201)
			if code, _ := root.do("DELETE", "/api/v1/named-ranges/office", "", nil); code != 409 {
				t.Errorf("deleting a named range in use: %d", code)
			}
			put(`{"name":"x","state":"on","apps":["studio"],"include":{"all":true},"ip_ranges":["not a range"],"grant":"block"}`, 422)
			for _, c := range []*client{ann, api} {
				if code, _ := c.from("198.51.100.1", "POST", "/api/v1/access-policies", `{}`); code != 403 {
					t.Errorf("a non-administrator manages policies: %d", code)
				}
			}

			maker := e.client()
			maker.json("POST", "/api/v1/session", `{"username":"maker","password":"a long enough password"}`, 200, nil)
			studio := func(c *client, addr string) int {
				t.Helper()
				code, _ := c.from(addr, "GET", fmt.Sprintf("/e/%d", prod.ID), "")
				return code
			}
			apiCall := func(c *client, addr string) int {
				t.Helper()
				code, _ := c.from(addr, "GET", "/api/v1/me", "")
				return code
			}
			tests := []struct {
				who  string
				c    *client
				call func(*client, string) int
				addr string
				want int
			}{
				{"maker, studio, good address", maker, studio, "198.51.100.7", 200},
				{"maker, api, good address", maker, apiCall, "198.51.100.7", 200},
				{"maker, studio, blocked range", maker, studio, "203.0.113.5", 403},
				{"maker, api, blocked range", maker, apiCall, "203.0.113.5", 403},
				{"ann's token, blocked range", api, apiCall, "203.0.113.5", 403},
				{"ann (team), studio, outside the office", ann, studio, "198.51.100.7", 403},
				{"ann's token (team), outside the office", api, apiCall, "198.51.100.7", 403},
				{"ann (team), studio, in the office", ann, studio, "10.20.30.40", 200},
				{"ann's token (team), in the office", api, apiCall, "10.20.30.40", 200},
			}
			for _, tt := range tests {
				if got := tt.call(tt.c, tt.addr); got != tt.want {
					t.Errorf("%s: %d, want %d", tt.who, got, tt.want)
				}
			}
			if code, body := api.from("198.51.100.7", "GET", "/api/v1/me", ""); code != 403 || errorCode(t, body) != "mfa_required" {
				t.Errorf("require-mfa: %d %s", code, body)
			}
			if code, body := maker.from("203.0.113.5", "GET", "/api/v1/me", ""); code != 403 || errorCode(t, body) != "blocked_by_policy" || strings.Contains(body, "bad net") {
				t.Errorf("block: %d %s", code, body)
			}
			// Sign-in itself is refused from a blocked range, and no session starts.
			fresh := e.client()
			if code, _ := fresh.from("203.0.113.5", "POST", "/api/v1/session", `{"username":"maker","password":"a long enough password"}`); code != 403 {
				t.Errorf("sign-in from a blocked range: %d", code)
			}
			if code, _ := fresh.from("198.51.100.7", "GET", "/api/v1/me", ""); code != 401 {
				t.Errorf("a refused sign-in left a session: %d", code)
			}
			// X-Forwarded-For from an untrusted client is not believed: a
			// forged header does not move the client elsewhere (the
			// loopback proxy takes the last untrusted hop).
			if code, _ := maker.from("203.0.113.5, 198.51.100.7", "GET", "/api/v1/me", ""); code != 200 {
				t.Errorf("the last hop decides: %d", code)
			}

			// Report-only is audited, enforced never; blocks are audited.
			var audit struct {
				Entries []struct{ Action, Actor, Detail, IP string }
			}
			root.from("198.51.100.1", "GET", "/api/v1/audit", "")
			code, body := root.from("198.51.100.1", "GET", "/api/v1/audit", "")
			json.Unmarshal([]byte(body), &audit)
			seen := map[string]bool{}
			for _, a := range audit.Entries {
				seen[a.Action+" "+a.Actor] = true
			}
			for _, want := range []string{"access-policy.create root", "access-policy.enforced maker", "access-policy.enforced ann", "access-policy.report-only ann"} {
				if !seen[want] {
					t.Errorf("audit has no %q (%d): %v", want, code, seen)
				}
			}

			// What-if: which policies, why, and the result.
			var d struct {
				Allowed bool
				NeedMFA bool `json:"need_mfa"`
				Matches []struct{ Name, Why string }
				Skipped []struct{ Name, Why string }
			}
			root.json("POST", "/api/v1/access-policies/what-if", fmt.Sprintf(`{"user":%d,"app":"api","ip":"198.51.100.9"}`, annID), http.StatusOK, &d)
			if d.Allowed || !d.NeedMFA || len(d.Matches) != 2 || len(d.Skipped) != 1 || !strings.Contains(d.Matches[1].Why, "team") {
				t.Errorf("what-if %+v", d)
			}
			root.json("POST", "/api/v1/access-policies/what-if", fmt.Sprintf(`{"user":%d,"app":"api","ip":"198.51.100.9","mfa":true}`, makerID), http.StatusOK, &d)
			if !d.Allowed || len(d.Matches) != 0 {
				t.Errorf("what-if for maker %+v", d)
			}
		})
	}
}

// TestForwardedForIsBelievedFromTrustedProxiesOnly: a server that trusts
// no proxy takes the connection's address, whatever X-Forwarded-For says.
func TestForwardedForIsBelievedFromTrustedProxiesOnly(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, _, _ := prodWithMaker(e)
			root.json("POST", "/api/v1/access-policies", `{"name":"bad net","state":"on","apps":["studio","api"],"include":{"all":true},"ip_ranges":["203.0.113.0/24"],"grant":"block"}`, 201, nil)
			// The same database behind a server with no trusted proxy.
			direct := httptest.NewServer(checked(t, New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap}).Handler()))
			defer direct.Close()
			if code, _ := maker.from("203.0.113.5", "GET", "/api/v1/me", ""); code != 403 {
				t.Errorf("through the trusted proxy, the forwarded address counts: %d", code)
			}
			req, _ := http.NewRequest("GET", direct.URL+"/api/v1/me", nil)
			req.Header.Set("X-Forwarded-For", "203.0.113.5")
			if code, _ := maker.send(req); code != 200 {
				t.Errorf("from an untrusted peer, a forged X-Forwarded-For was believed: %d", code)
			}
			// Policies naming users and teams that do not exist are refused.
			for _, bad := range []string{`{"users":[999999]}`, `{"teams":[-5]}`} {
				body := `{"name":"typo","state":"on","apps":["studio","api"],"include":` + bad + `,"grant":"block"}`
				if code, _ := root.do("POST", "/api/v1/access-policies", body, nil); code != 422 {
					t.Errorf("%s: %d", bad, code)
				}
			}
		})
	}
}

// TestNamedRangeChangesCannotLockOut: changing a named range changes the
// policies that name it, so it is refused like a policy that would refuse
// its author.
func TestNamedRangeChangesCannotLockOut(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _ := e.user("root", true)
			office := func(cidr string) (int, string) {
				return root.from("10.1.2.3", "PUT", "/api/v1/named-ranges/office", `{"ranges":["`+cidr+`"]}`)
			}
			if code, body := office("10.0.0.0/8"); code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			if code, body := root.from("10.1.2.3", "POST", "/api/v1/access-policies", `{"name":"only the office","state":"on","apps":["studio","api"],"include":{"all":true},"ip_range_names":["office"],"ip_ranges_except":true,"grant":"block"}`); code != 201 {
				t.Fatalf("%d %s", code, body)
			}
			if code, body := office("192.0.2.0/24"); code != 409 || errorCode(t, body) != "would_lock_out" {
				t.Errorf("a range change that locks its author out: %d %s", code, body)
			}
			if code, _ := root.from("10.1.2.3", "GET", "/api/v1/me", ""); code != 200 {
				t.Errorf("the author after the refused change: %d", code)
			}
		})
	}
}

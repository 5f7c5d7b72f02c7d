package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/signin"
)

// TestMappedIPv4RangesMatch: a range written as IPv4-mapped IPv6
// (::ffff:203.0.113.0/120) means the IPv4 range it maps, in a policy and
// in a named range alike; a mapped range that reaches beyond the mapped
// addresses is refused with a clear error.
func TestMappedIPv4RangesMatch(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, makerID, _, _ := prodWithMaker(e)
			const admin = "198.51.100.1"
			if code, body := root.from(admin, "POST", "/api/v1/access-policies", `{"name":"bad net","state":"on","apps":["studio","api"],"include":{"all":true},"ip_ranges":["::ffff:203.0.113.0/120"],"grant":"block"}`); code != 201 {
				t.Fatalf("policy: %d %s", code, body)
			}
			if code, body := root.from(admin, "PUT", "/api/v1/named-ranges/office", `{"ranges":["::ffff:10.0.0.0/104"]}`); code != 200 {
				t.Fatalf("named range: %d %s", code, body)
			}
			if code, body := root.from(admin, "POST", "/api/v1/access-policies", `{"name":"office only","state":"on","apps":["studio","api"],"include":{"users":[`+itoa(makerID)+`]},"ip_range_names":["office"],"ip_ranges_except":true,"grant":"block"}`); code != 201 {
				t.Fatalf("office policy: %d %s", code, body)
			}
			maker := e.client()
			if code, body := maker.from("10.1.2.3", "POST", "/api/v1/session", `{"username":"maker","password":"a long enough password"}`); code != 200 {
				t.Fatalf("sign-in from the office: %d %s", code, body)
			}
			for _, tt := range []struct {
				addr string
				want int
			}{
				{"10.1.2.3", 200},        // in the office, outside the bad net
				{"198.51.100.7", 403},    // outside the office
				{"203.0.113.5", 403},     // in the bad net
				{"::ffff:10.1.2.3", 200}, // the same client, written mapped
			} {
				if code, body := maker.from(tt.addr, "GET", "/api/v1/me", ""); code != tt.want {
					t.Errorf("maker from %s: %d %s, want %d", tt.addr, code, body, tt.want)
				}
			}
			// What the server keeps and shows is the IPv4 range.
			var ranges struct {
				NamedRanges map[string][]string `json:"named_ranges"`
			}
			root.from(admin, "GET", "/api/v1/named-ranges", "")
			code, body := root.from(admin, "GET", "/api/v1/named-ranges", "")
			if err := json.Unmarshal([]byte(body), &ranges); err != nil || code != 200 || len(ranges.NamedRanges["office"]) != 1 || ranges.NamedRanges["office"][0] != "10.0.0.0/8" {
				t.Errorf("named ranges: %d %s", code, body)
			}
			// A mapped range shorter than /96 mixes IPv4-mapped and other
			// IPv6 addresses: refused, and nothing changes.
			if code, body := root.from(admin, "PUT", "/api/v1/named-ranges/office", `{"ranges":["::ffff:0:0/80"]}`); code != 422 {
				t.Errorf("a named range reaching beyond the mapped addresses: %d %s", code, body)
			}
			if code, body := root.from(admin, "POST", "/api/v1/access-policies", `{"name":"x","state":"on","apps":["studio","api"],"include":{"all":true},"ip_ranges":["::ffff:0:0/80"],"grant":"block"}`); code != 422 {
				t.Errorf("a policy range reaching beyond the mapped addresses: %d %s", code, body)
			}
		})
	}
}

// TestEventLogExportIsNotAFormula: a log whose texts look like formulas is
// exported as CSV with those cells quoted for spreadsheets, by the rule
// the audit export follows; plain numbers stay numbers.
func TestEventLogExportIsNotAFormula(t *testing.T) {
	const upload = "case,activity,time,resource,amount,note\n" +
		"c1,=cmd|' /C calc'!A0,2024-01-01T10:00:00Z,@SUM(A1),-12.5,+1+2\n" +
		"c1,pay,2024-01-01T11:00:00Z,ann,3,-HYPERLINK(1)\n"
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			_, maker, _, _, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"formulas"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			if job := maker.importLog(path+"/data", "log.csv", []byte(upload), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}); job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			code, body := maker.do("GET", path+"/export?format=csv", "", nil)
			if code != 200 {
				t.Fatalf("export: %d %s", code, body)
			}
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("export is not CSV: %v\n%s", err, body)
			}
			cells := map[string]bool{}
			for _, row := range rows {
				for _, c := range row {
					cells[c] = true
					if c != "" && strings.ContainsRune("=+@\t\r", rune(c[0])) {
						t.Errorf("a cell a spreadsheet reads as a formula: %q", c)
					}
				}
			}
			for _, want := range []string{`'=cmd|' /C calc'!A0`, "'@SUM(A1)", "'+1+2", "'-HYPERLINK(1)", "-12.5"} {
				if !cells[want] {
					t.Errorf("export has no cell %q:\n%s", want, body)
				}
			}
		})
	}
}

// TestMetricsAreOptIn: /metrics on the server's address answers only
// requests bearing the configured metrics token; MetricsHandler serves the
// metrics alone, for an address of their own.
func TestMetricsAreOptIn(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			if code, _ := e.client().do("GET", "/metrics", "", nil); code != 404 {
				t.Errorf("metrics with no token configured: %d", code)
			}
			const token = "a-metrics-token-for-the-test"
			srv := New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap, MetricsToken: token})
			main := httptest.NewServer(checked(t, srv.Handler()))
			defer main.Close()
			metrics := httptest.NewServer(srv.MetricsHandler())
			defer metrics.Close()
			get := func(url, auth string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("GET", url, nil)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			get(main.URL+"/api/v1/me", "")
			const counted = `procmine_http_requests_total{route="GET /api/v1/me",status="401"} 1`
			for _, tt := range []struct {
				url, auth string
				want      int
			}{
				{main.URL + "/metrics", "", 401},
				{main.URL + "/metrics", "Bearer " + token + "x", 401},
				{main.URL + "/metrics", "Basic " + token, 401},
				{main.URL + "/metrics", "Bearer " + token, 200},
				{metrics.URL + "/metrics", "", 200},
				{metrics.URL + "/api/v1/me", "", 404},
			} {
				code, body := get(tt.url, tt.auth)
				if code != tt.want || (code == 200) != strings.Contains(body, counted) {
					t.Errorf("%s (%q): %d %.300s, want %d", tt.url, tt.auth, code, body, tt.want)
				}
			}
		})
	}
}

// TestAbandonedSignInIsAudited: a client that goes away while its
// password is being checked leaves its attempt in the audit log, with
// what became of it: a wrong password as a failed sign-in, a right one as
// "password accepted; not completed", never as a refusal by conditional
// access (whose evaluation the departure interrupted).
func TestAbandonedSignInIsAudited(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, _, prod, base := prodWithMaker(e)
			// A policy about a team: evaluating it reads the database.
			var team struct{ ID int }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"field","kind":"access","business_unit":%d}`, prod.Root), 201, &team)
			root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"field","state":"on","apps":["studio","api"],"include":{"teams":[%d]},"grant":"block"}`, team.ID), 201, nil)
			// A costly password hash keeps the check going long after the
			// client has left.
			slow := auth.Params{Time: 6, Memory: 64 * 1024, Threads: 1}
			for _, name := range []string{"ann", "bob"} {
				if _, err := signin.CreateUser(context.Background(), e.store, name, "a long enough password", false, slow); err != nil {
					t.Fatal(err)
				}
			}
			abandon := func(user, password string) {
				t.Helper()
				before, err := e.store.SignInCounts(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				req, _ := http.NewRequestWithContext(ctx, "POST", e.url+"/api/v1/session", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
				req.Header.Set("Content-Type", "application/json")
				done := make(chan struct{})
				go func() {
					defer close(done)
					if resp, err := http.DefaultClient.Do(req); err == nil {
						resp.Body.Close()
						t.Errorf("the sign-in was answered before the client left: %d", resp.StatusCode)
					}
				}()
				// The attempt is counted just before the password check
				// begins (a new account's count is a new row); the client
				// leaves while the check runs, which takes most of a second.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
					n, err := e.store.SignInCounts(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if n > before {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("the attempt was never counted")
					}
				}
				time.Sleep(150 * time.Millisecond)
				cancel()
				<-done
			}
			audited := func(user, want string) {
				t.Helper()
				var log struct {
					Entries []struct{ Action, Actor, Detail string }
				}
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					root.json("GET", "/api/v1/audit?actor="+user, "", 200, &log)
					for _, en := range log.Entries {
						if strings.Contains(en.Detail, "conditional access") {
							t.Fatalf("an abandoned sign-in recorded as a policy's refusal: %+v", en)
						}
						if en.Action == "sign-in.failed" && en.Detail == want {
							return
						}
					}
				}
				t.Errorf("no sign-in.failed entry %q for %s: %+v", want, user, log.Entries)
			}
			abandon("ann", "not the password at all")
			audited("ann", "")
			abandon("bob", "a long enough password")
			audited("bob", "password accepted; not completed: the client went away")
			// bob signs in when he stays for the answer.
			if code, body := e.client().do("POST", "/api/v1/session", `{"username":"bob","password":"a long enough password"}`, nil); code != 200 {
				t.Errorf("sign-in: %d %s", code, body)
			}
		})
	}
}

// TestNamesAreComparedAsReadersSeeThem: role, team, business-unit and user
// names that a reader cannot tell from an existing one are refused: other
// case, full-width letters, invisible characters. No custom role carries
// a built-in role's name, and a look-alike of the service role cannot be
// made and given to a person.
func TestNamesAreComparedAsReadersSeeThem(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, makerID, prod, base := prodWithMaker(e)
			app := `{"name":"Process Mining Application\u200b","privileges":{"process":{"read":"organization"}}}`
			if code, body := root.do("POST", base+"/roles", app, nil); code != 422 {
				t.Errorf("a look-alike of the service role with a zero-width space: %d %s", code, body)
			}
			// Had it been made, it could have been given to a person.
			if code, _ := root.do("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining Application\u200b"]}`, prod.Root), nil); code == 200 {
				t.Errorf("a look-alike of the service role was given to a person")
			}
			for _, tt := range []struct {
				path, body string
				want       int
			}{
				{"/roles", `{"name":"process mining application","privileges":{}}`, 422},
				{"/roles", `{"name":"Ｐｒｏｃｅｓｓ Mining User","privileges":{}}`, 422},
				{"/roles", `{"name":"SYSTEM ADMINISTRATOR","privileges":{}}`, 422},
				{"/roles", `{"name":"Auditor","privileges":{}}`, 201},
				{"/roles", `{"name":"AUDITOR","privileges":{}}`, 409},
				{"/roles", `{"name":"Audi\u2060tor","privileges":{}}`, 422},
				{"/teams", fmt.Sprintf(`{"name":"Field","kind":"access","business_unit":%d}`, prod.Root), 201},
				{"/teams", fmt.Sprintf(`{"name":"ＦＩＥＬＤ","kind":"owner","business_unit":%d}`, prod.Root), 409},
				{"/teams", fmt.Sprintf(`{"name":"Fi\u200deld","kind":"owner","business_unit":%d}`, prod.Root), 422},
				{"/business-units", fmt.Sprintf(`{"name":"Sales","parent":%d}`, prod.Root), 201},
				{"/business-units", fmt.Sprintf(`{"name":"sales","parent":%d}`, prod.Root), 409},
				{"/business-units", fmt.Sprintf(`{"name":"Sales\u202e","parent":%d}`, prod.Root), 422},
			} {
				if code, body := root.do("POST", base+tt.path, tt.body, nil); code != tt.want {
					t.Errorf("POST %s %s: %d %s, want %d", tt.path, tt.body, code, body, tt.want)
				}
			}
			var roles struct{ Roles []struct{ Name string } }
			root.json("GET", base+"/roles", "", 200, &roles)
			if len(roles.Roles) != len(access.BuiltInRoles())+1 {
				t.Errorf("roles after the refusals: %+v", roles.Roles)
			}
			// Usernames are one name whatever their case.
			root.json("POST", "/api/v1/users", `{"username":"alice","password":"a long enough password"}`, 201, nil)
			if code, body := root.do("POST", "/api/v1/users", `{"username":"Alice","password":"a long enough password"}`, nil); code != 409 {
				t.Errorf("Alice beside alice: %d %s", code, body)
			}
			var me meJSON
			c := e.client()
			c.json("POST", "/api/v1/session", `{"username":"ALICE","password":"a long enough password"}`, 200, &me)
			if me.Username != "alice" {
				t.Errorf("ALICE signed in as %+v", me)
			}
		})
	}
}

// TestAccountSecurityNeedsARecentSignIn: a personal access token enrols no
// second factor and makes no token; a session older than ten minutes does
// so only with the password sent again, checked like a sign-in.
func TestAccountSecurityNeedsARecentSignIn(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			ann, _ := e.user("ann", false)
			var tok struct{ Token string }
			ann.json("POST", "/api/v1/tokens", `{"name":"ci"}`, 201, &tok)
			bearer := e.client()
			bearer.token = tok.Token
			for _, call := range [][3]string{
				{"POST", "/api/v1/me/totp", ""},
				{"POST", "/api/v1/me/totp", `{"password":"a long enough password"}`},
				{"POST", "/api/v1/me/totp/confirm", `{"code":"123456"}`},
				{"DELETE", "/api/v1/me/totp", `{"code":"123456"}`},
				{"POST", "/api/v1/tokens", `{"name":"more"}`},
			} {
				if code, body := bearer.do(call[0], call[1], call[2], nil); code != 403 || errorCode(t, body) != "session_required" {
					t.Errorf("token: %s %s: %d %s", call[0], call[1], code, body)
				}
			}
			// Eleven minutes after signing in, the password is asked for.
			e.now = e.now.Add(11 * time.Minute)
			if code, body := ann.do("POST", "/api/v1/me/totp", "", nil); code != 403 || errorCode(t, body) != "reauthentication_required" {
				t.Errorf("enrolment from an old session: %d %s", code, body)
			}
			if code, body := ann.do("POST", "/api/v1/tokens", `{"name":"old"}`, nil); code != 403 || errorCode(t, body) != "reauthentication_required" {
				t.Errorf("token from an old session: %d %s", code, body)
			}
			if code, body := ann.do("POST", "/api/v1/me/totp", `{"password":"not her password"}`, nil); code != 403 || errorCode(t, body) != "wrong_password" {
				t.Errorf("enrolment with a wrong password: %d %s", code, body)
			}
			ann.json("POST", "/api/v1/me/totp", `{"password":"a long enough password"}`, 200, nil)
			ann.json("POST", "/api/v1/tokens", `{"name":"again","password":"a long enough password"}`, 201, nil)
			// Wrong passwords are counted like sign-ins: the sixth in a row waits.
			code := 0
			for i := 0; i < 8 && code != 429; i++ {
				code, _ = ann.do("POST", "/api/v1/tokens", `{"name":"x","password":"guess `+fmt.Sprint(i)+`"}`, nil)
			}
			if code != 429 {
				t.Errorf("password guesses through re-authentication were not limited: %d", code)
			}
			// A right password, sent again with each request, does not clear
			// the account's count: it guards the code that may follow it
			// (removing a second factor), and the count must keep growing.
			e.now = e.now.Add(time.Hour) // the waits are over
			bob, _ := e.user("bob", false)
			e.now = e.now.Add(11 * time.Minute)
			// Addresses of his own, and a fresh one after the right password:
			// only the account's count can stop guesses spread over many.
			const bobs, elsewhere = "10.9.9.9", "10.9.9.10"
			for i := range 4 {
				if code, body := bob.from(bobs, "POST", "/api/v1/tokens", `{"name":"x","password":"guess `+fmt.Sprint(i)+`"}`); code != 403 {
					t.Fatalf("wrong password %d: %d %s", i, code, body)
				}
			}
			if code, body := bob.from(bobs, "POST", "/api/v1/tokens", `{"name":"right","password":"a long enough password"}`); code != 201 {
				t.Fatalf("right password: %d %s", code, body)
			}
			code = 0
			for i := 0; i < 2 && code != 429; i++ {
				code, _ = bob.from(elsewhere, "POST", "/api/v1/tokens", `{"name":"x","password":"more `+fmt.Sprint(i)+`"}`)
			}
			if code != 429 {
				t.Errorf("a right password in between reset the count of wrong ones: %d", code)
			}
			var log struct{ Entries []struct{ Action string } }
			e.now = e.now.Add(time.Hour)
			root, _ := e.user("root", true)
			root.json("GET", "/api/v1/audit?action=reauthentication.failed", "", 200, &log)
			if len(log.Entries) == 0 {
				t.Error("wrong passwords were not audited")
			}
		})
	}
}

// TestRecentSignInIsTheSignInsOwnTime: the time of a session's sign-in
// is the one stored with it, not its expiry less the session lifetime: a
// server with a shorter lifetime (configuration changed, or another
// server of the installation) must not take an old session for a recent
// one.
func TestRecentSignInIsTheSignInsOwnTime(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			ann, _ := e.user("ann", false) // signed in on a server of 12-hour sessions
			short := New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap,
				Now: func() time.Time { return e.now }, SessionTTL: time.Hour})
			ts := httptest.NewServer(checked(t, short.Handler()))
			defer ts.Close()
			other := *e
			other.url = ts.URL
			onShort := &client{e: &other, http: ann.http}
			e.now = e.now.Add(3 * time.Hour)
			if code, body := onShort.do("POST", "/api/v1/tokens", `{"name":"late"}`, nil); code != 403 || errorCode(t, body) != "reauthentication_required" {
				t.Errorf("a session signed in 3 hours ago, on a server of 1-hour sessions: %d %s", code, body)
			}
		})
	}
}

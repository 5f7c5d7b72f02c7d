package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/signin"
)

// These tests are the fifth review's findings on identity, each failing
// on 32907ea.

// holdSlots fills slots and returns what frees them.
func holdSlots(slots chan struct{}) (free func()) {
	for range cap(slots) {
		slots <- struct{}{}
	}
	return func() {
		for range cap(slots) {
			<-slots
		}
	}
}

// TestAttack5PasswordSlotsBoundHashing: with every password slot held, a
// sign-in (of an account, or of a name no account has) waits signin.PasswordWait
// and is told to come back (503 busy, Retry-After), with nothing hashed and
// the attempt given back; so is a new account (its password is hashed)
// and a re-authentication (the caller's password is checked). Once the
// slots are free, each succeeds. Before,
// every sign-in hashed at once (64 MiB each): 100 from 20 addresses took
// the server to 2.8 GB.
func TestAttack5PasswordSlotsBoundHashing(t *testing.T) {
	defer func(d time.Duration) { signin.PasswordWait = d }(signin.PasswordWait)
	signin.PasswordWait = 100 * time.Millisecond
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			e.user("ann", false)
			root, _ := e.user("root", true)
			if cap(e.srv.signin.PasswordSlots()) < 2 {
				t.Fatalf("%d password slots", cap(e.srv.signin.PasswordSlots()))
			}
			free := holdSlots(e.srv.signin.PasswordSlots())
			before := e.srv.signin.Hashed()
			for _, body := range []string{`{"username":"ann","password":"a long enough password"}`, `{"username":"nobody","password":"a long enough password"}`} {
				for range signin.FreeAttempts + 1 { // more than the free attempts: none is counted
					start := time.Now()
					resp, err := http.Post(e.url+"/api/v1/session", "application/json", strings.NewReader(body))
					if err != nil {
						free()
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 503 || errorCode(t, string(b)) != "busy" || resp.Header.Get("Retry-After") == "" {
						free()
						t.Fatalf("sign-in %s with every password slot held: %d (Retry-After %q) %s", body, resp.StatusCode, resp.Header.Get("Retry-After"), b)
					}
					if d := time.Since(start); d > signin.PasswordWait+2*time.Second {
						t.Errorf("busy after %v", d)
					}
				}
			}
			// A new account's password is hashed in a slot too; and so is
			// the caller's own, checked again from an older session.
			if code, b := root.do("POST", "/api/v1/users", `{"username":"alice","password":"a long enough password"}`, nil); code != 503 || errorCode(t, b) != "busy" {
				t.Errorf("new account with every password slot held: %d %s", code, b)
			}
			e.now = e.now.Add(signin.RecentSignIn + time.Minute)
			if code, b := root.do("POST", "/api/v1/users", `{"username":"alice","password":"a long enough password","current_password":"a long enough password"}`, nil); code != 503 || errorCode(t, b) != "busy" {
				t.Errorf("re-authentication with every password slot held: %d %s", code, b)
			}
			if n := e.srv.signin.Hashed() - before; n != 0 {
				t.Errorf("%d passwords hashed with every slot held", n)
			}
			free()
			e.client().json("POST", "/api/v1/session", `{"username":"ann","password":"a long enough password"}`, 200, nil)
			root.json("POST", "/api/v1/users", `{"username":"alice","password":"a long enough password","current_password":"a long enough password"}`, 201, nil)
			if n := e.srv.signin.Hashed() - before; n != 3 {
				t.Errorf("%d passwords hashed for a sign-in and a new account made with a password, want 3", n)
			}
		})
	}
}

// TestAttack5EnvironmentAdminCannotMovePolicyTeams: the installation
// administrator blocks maker from 192.0.2.0/24 except members of team
// exempt, of an environment where maker is System Administrator. maker
// may not put himself in exempt (before: 204, and then signed in from the
// blocked range), tie it to a provider group, take someone out of it or
// out of the environment (and so out of it), or delete the environment
// (and so the team); a team no policy names is
// his to change, and the installation administrator changes exempt.
func TestAttack5EnvironmentAdminCannotMovePolicyTeams(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, makerID, prod, base := prodWithMaker(e)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["System Administrator"]}`, prod.Root), 200, nil)
			_, annID := e.user("ann", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, annID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)
			var exempt, free struct{ ID access.ID }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"exempt","kind":"access","business_unit":%d}`, prod.Root), 201, &exempt)
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"free","kind":"access","business_unit":%d}`, prod.Root), 201, &free)
			root.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, exempt.ID, annID), "", 204, nil)
			root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"no maker from 192.0.2.0/24","state":"on","apps":["studio","api"],"include":{"users":[%d]},"exclude":{"teams":[%d]},"ip_ranges":["192.0.2.0/24"],"grant":"block"}`, makerID, exempt.ID), 201, nil)
			signIn := func() int {
				t.Helper()
				code, _ := e.client().from("192.0.2.7", "POST", "/api/v1/session", `{"username":"maker","password":"a long enough password"}`)
				return code
			}
			if code := signIn(); code != 403 {
				t.Fatalf("maker from the blocked range, before anything: %d", code)
			}

			// The attack: maker puts himself in the excluded team.
			code, body := maker.from("198.51.100.1", "PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, exempt.ID, makerID), "")
			if code != 403 || !strings.Contains(body, "only an installation administrator changes its members") {
				t.Errorf("an environment's System Administrator joins a team a policy excludes: %d %s", code, body)
			}
			if code := signIn(); code != 403 {
				t.Errorf("maker signs in from the blocked range after joining the excluded team: %d", code)
			}
			// Nor through a provider group, nor by taking others out.
			for _, req := range [][3]string{
				{"PUT", fmt.Sprintf("%s/teams/%d/idp-group", base, exempt.ID), `{"group":"everyone"}`},
				{"DELETE", fmt.Sprintf("%s/teams/%d/members/%d", base, exempt.ID, annID), ""},
				{"DELETE", fmt.Sprintf("%s/members/%d", base, annID), ""},
				{"DELETE", base, ""},
			} {
				if code, body := maker.from("198.51.100.1", req[0], req[1], req[2]); code != 403 || !strings.Contains(body, "access policy") {
					t.Errorf("%s %s by an environment's System Administrator: %d %s", req[0], req[1], code, body)
				}
			}
			var members struct{ Members []struct{ ID access.ID } }
			root.json("GET", fmt.Sprintf("%s/teams/%d/members", base, exempt.ID), "", 200, &members)
			if len(members.Members) != 1 || members.Members[0].ID != annID {
				t.Errorf("exempt's members after refused changes: %+v", members)
			}

			// A team no policy names is unaffected.
			if code, body := maker.from("198.51.100.1", "PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, free.ID, makerID), ""); code != 204 {
				t.Errorf("maker joins a team no policy names: %d %s", code, body)
			}
			if code, body := maker.from("198.51.100.1", "PUT", fmt.Sprintf("%s/teams/%d/idp-group", base, free.ID), `{"group":"free"}`); code != 200 {
				t.Errorf("maker ties a team no policy names to a group: %d %s", code, body)
			}
			// The installation administrator may.
			root.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, exempt.ID, makerID), "", 204, nil)
			if code := signIn(); code != 200 {
				t.Errorf("maker, put in the excluded team by the installation administrator: %d", code)
			}
			root.json("DELETE", fmt.Sprintf("%s/teams/%d/members/%d", base, exempt.ID, annID), "", 204, nil)
		})
	}
}

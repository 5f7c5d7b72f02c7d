package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/procmine/procmine/internal/signin"
)

// enrol has c enrol a one-time password at the server's clock and returns
// the secret and the recovery codes.
func enrol(t *testing.T, e *env, c *client) (string, []string) {
	t.Helper()
	var start struct{ Secret, URI, QR string }
	c.json("POST", "/api/v1/me/totp", "", 200, &start)
	if !strings.HasPrefix(start.URI, "otpauth://totp/procmine:") || !strings.HasPrefix(start.QR, "data:image/png;base64,") {
		t.Fatalf("enrolment %+v", start)
	}
	code, _ := totp.GenerateCode(start.Secret, e.now)
	var done struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	c.json("POST", "/api/v1/me/totp/confirm", `{"code":"`+code+`"}`, 200, &done)
	if len(done.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes %v", done.RecoveryCodes)
	}
	return start.Secret, done.RecoveryCodes
}

// TestMFAStepUpOverHTTP: a require-MFA policy sends a local user with a
// one-time password to the code step, accepts a right code once, takes a
// recovery code once, and refuses a session (and a token) without MFA.
func TestMFAStepUpOverHTTP(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, _, _, _ := prodWithMaker(e)
			ann, annID := e.user("ann", false)
			_, bobID := e.user("bob", false)
			secret, recovery := enrol(t, e, ann)
			if code, _ := ann.do("POST", "/api/v1/me/totp", "", nil); code != 409 {
				t.Errorf("enrolling twice: %d", code)
			}
			var pol struct{ ID int }
			root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"mfa","state":"on","apps":["studio","api"],"include":{"users":[%d,%d]},"grant":"require-mfa"}`, annID, bobID), 201, &pol)

			// The session ann had, without MFA, no longer does.
			if code, body := ann.do("GET", "/api/v1/me", "", nil); code != 403 || errorCode(t, body) != "mfa_required" {
				t.Errorf("a session without MFA: %d %s", code, body)
			}
			signIn := func(code string) (int, string, *client) {
				c := e.client()
				body, _ := json.Marshal(signin.Credentials{Username: "ann", Password: "a long enough password", Code: code})
				status, b := c.do("POST", "/api/v1/session", string(body), nil)
				return status, b, c
			}
			if code, body, _ := signIn(""); code != 401 || errorCode(t, body) != "code_needed" {
				t.Errorf("no code: %d %s", code, body)
			}
			if code, body, _ := signIn("000000"); code != 401 || errorCode(t, body) != "bad_code" {
				t.Errorf("wrong code: %d %s", code, body)
			}
			e.now = e.now.Add(30 * time.Second)
			otp, _ := totp.GenerateCode(secret, e.now)
			code, body, c := signIn(otp)
			if code != 200 {
				t.Fatalf("right code: %d %s", code, body)
			}
			c.json("GET", "/api/v1/me", "", 200, nil)
			// A token made in that session carries its MFA.
			var tok struct{ Token string }
			c.json("POST", "/api/v1/tokens", `{"name":"ci"}`, 201, &tok)
			tc := e.client()
			tc.token = tok.Token
			tc.json("GET", "/api/v1/me", "", 200, nil)
			// The same code twice is a replay.
			if code, body, _ := signIn(otp); code != 401 || errorCode(t, body) != "bad_code" {
				t.Errorf("replayed code: %d %s", code, body)
			}
			// A recovery code works once.
			if code, body, _ := signIn(strings.ToLower(recovery[0])); code != 200 {
				t.Errorf("recovery code: %d %s", code, body)
			}
			if code, _, _ := signIn(recovery[0]); code != 401 {
				t.Errorf("a recovery code twice: %d", code)
			}
			// bob has no second factor: he is told, and cannot get in.
			b := e.client()
			if code, body := b.do("POST", "/api/v1/session", `{"username":"bob","password":"a long enough password"}`, nil); code != 403 || !strings.Contains(body, "no second factor") {
				t.Errorf("bob: %d %s", code, body)
			}
			// Two-step sign-ins (password, then password and code) do not
			// add up against the address: ten in a row all succeed.
			for i := range 10 {
				e.now = e.now.Add(2 * time.Minute)
				signIn("")
				next, _ := totp.GenerateCode(secret, e.now)
				if code, body, _ := signIn(next); code != 200 {
					t.Fatalf("two-step sign-in %d: %d %s", i, code, body)
				}
			}
			// A right password alone does not reset the count of wrong
			// codes: alternating the two ends in 429.
			limited := false
			for i := 0; i < 12 && !limited; i++ {
				signIn("")
				if code, _, _ := signIn("111111"); code == 429 {
					limited = true
				}
			}
			if !limited {
				t.Error("wrong codes between right passwords were never limited")
			}
			e.now = e.now.Add(time.Hour) // past the limiter's longest wait
			// Removing the factor needs a code, and a session that used it:
			// without the policy, ann signs in with her password alone, and
			// that session may not remove it.
			// A token removes no factor, whatever MFA it carries.
			if code, body := tc.do("DELETE", "/api/v1/me/totp", `{"code":"123","password":"a long enough password"}`, nil); code != 403 || errorCode(t, body) != "session_required" {
				t.Errorf("a token removed the factor: %d %s", code, body)
			}
			// The session is an hour old: the password comes along.
			if code, _ := c.do("DELETE", "/api/v1/me/totp", `{"code":"123","password":"a long enough password"}`, nil); code != 422 {
				t.Errorf("removing without a code: %d", code)
			}
			e.now = e.now.Add(time.Hour) // past the wait that wrong code added
			root.json("DELETE", fmt.Sprintf("/api/v1/access-policies/%d", pol.ID), "", 204, nil)
			_, _, plain := signIn("")
			now, _ := totp.GenerateCode(secret, e.now)
			if code, body := plain.do("DELETE", "/api/v1/me/totp", `{"code":"`+now+`"}`, nil); code != 403 || errorCode(t, body) != "mfa_required" {
				t.Errorf("removing from a session without MFA: %d %s", code, body)
			}
			e.now = e.now.Add(30 * time.Second)
			next, _ := totp.GenerateCode(secret, e.now)
			c.json("DELETE", "/api/v1/me/totp", `{"code":"`+next+`","password":"a long enough password"}`, 204, nil)
		})
	}
}

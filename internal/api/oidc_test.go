package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/signin"

	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// mfaStorage is the example provider's storage, which says that a
// sign-in used a second factor once mfa is set (the example itself only
// knows passwords).
type mfaStorage struct {
	*storage.Storage
	mfa    *atomic.Bool
	groups *atomic.Value // []string: the groups claim of every user
}

func (s mfaStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	if g, ok := s.groups.Load().([]string); ok && g != nil {
		info.AppendClaims("groups", g)
	}
	return nil
}

type mfaRequest struct{ *storage.AuthRequest }

func (mfaRequest) GetAMR() []string { return []string{"pwd", "otp"} }

func (s mfaStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if ar, ok := r.(*storage.AuthRequest); ok && s.mfa.Load() {
		return mfaRequest{ar}, nil
	}
	return r, err
}

// provider starts a real OpenID provider (zitadel/oidc's example OP, a
// maintained provider library) on loopback and registers procmine as a
// client that returns to callback. Its users are test-user@127.0.0.1 and
// test-user2, password "verysecure". Setting mfa makes its sign-ins
// report a second factor (amr otp); groups sets the groups claim.
type testProvider struct {
	issuer string
	mfa    *atomic.Bool
	groups *atomic.Value
}

func provider(t *testing.T, callback string) testProvider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	storage.RegisterClients(storage.WebClient("procmine", "procmine-secret", callback))
	// The example provider logs every request through slog's default
	// logger; for this test, nowhere.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	p := testProvider{issuer: issuer, mfa: &atomic.Bool{}, groups: &atomic.Value{}}
	router := exampleop.SetupServer(issuer, mfaStorage{storage.NewStorage(storage.NewUserStore(issuer)), p.mfa, p.groups}, nil, false)
	srv := &http.Server{Handler: router}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return p
}

// ssoServer is procmine with single sign-on through issuer, on a DSN.
func ssoServer(t *testing.T, dsn string) (*env, *Server, func(issuer string)) {
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e := &env{t: t, store: st, dsn: dsn, url: base, now: time.Now(), logs: &syncBuffer{}}
	cfg := Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap,
		OIDC: &signin.OIDCConfig{ClientID: "procmine", ClientSecret: "procmine-secret", RedirectURL: base + "/signin/oidc/callback"}}
	var srv *Server
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Handler().ServeHTTP(w, r) })}
	start := func(issuer string) {
		cfg.OIDC.Issuer = issuer
		srv = New(cfg)
		go hs.Serve(ln)
	}
	t.Cleanup(func() { hs.Close(); st.Close() })
	return e, srv, start
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// ssoSignIn walks a browser-like client through the provider's login.
func ssoSignIn(t *testing.T, base, user string) (*http.Client, *http.Response) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/signin/oidc")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formID.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no login form at the provider (%s): %.300s", resp.Request.URL, body)
	}
	loginURL := resp.Request.URL.ResolveReference(&url.URL{Path: "/login/username"})
	resp, err = c.PostForm(loginURL.String(), url.Values{"id": {string(m[1])}, "username": {user}, "password": {"verysecure"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

// TestSingleSignOnThroughAProvider: a person signs in through the OpenID
// provider (authorization code with PKCE), gets an account linked to the
// provider's subject, and a session; a local account's name is not taken
// over; conditional access applies to provider sign-ins too.
func TestSingleSignOnThroughAProvider(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			e, _, start := ssoServer(t, dsn)
			idp := provider(t, e.url+"/signin/oidc/callback")
			start(idp.issuer)
			root, _ := e.user("root", true)

			c, resp := ssoSignIn(t, e.url, "test-user@127.0.0.1")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
				t.Fatalf("after the provider: %d at %s: %.300s", resp.StatusCode, resp.Request.URL, body)
			}
			me, err := c.Get(e.url + "/api/v1/me")
			if err != nil || me.StatusCode != 200 {
				t.Fatalf("the session: %v %v", err, me.StatusCode)
			}
			meBody, _ := io.ReadAll(me.Body)
			me.Body.Close()
			if !strings.Contains(string(meBody), `"username":"test-user@127.0.0.1"`) {
				t.Errorf("me: %s", meBody)
			}
			// The same person again: the same account.
			_, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			resp.Body.Close()
			users, _ := e.store.Users(t.Context())
			n := 0
			for _, u := range users {
				if u.Username == "test-user@127.0.0.1" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d accounts for one person", n)
			}

			// A local account named as the provider's user is not taken
			// over, nor made again beside it in another case: local
			// Test-User2 is the provider's test-user2.
			if _, err := signin.CreateUser(t.Context(), e.store, "Test-User2", "a long enough password", false, cheap); err != nil {
				t.Fatal(err)
			}
			_, resp = ssoSignIn(t, e.url, "test-user2")
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(body), "its name belongs to a local account") || strings.Contains(strings.ToLower(string(body)), "test-user2") {
				t.Errorf("name taken: %d %.300s", resp.StatusCode, body)
			}

			// A team that follows the provider group "analysts": the groups
			// claim puts a member of the environment in, and takes them out.
			var prod envJSON
			root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
			base := fmt.Sprintf("/api/v1/environments/%d", prod.ID)
			sso, err := e.store.UserByName(t.Context(), "test-user@127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, sso.ID), fmt.Sprintf(`{"business_unit":%d,"roles":["Basic User"]}`, prod.Root), 200, nil)
			var team struct{ ID access.ID }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"analysts","kind":"access","business_unit":%d}`, prod.Root), 201, &team)
			root.json("PUT", fmt.Sprintf("%s/teams/%d/idp-group", base, team.ID), `{"group":"analysts"}`, 200, nil)
			inTeam := func() bool {
				teams, err := e.store.TeamsOfUser(t.Context(), sso.ID)
				if err != nil {
					t.Fatal(err)
				}
				return slices.Contains(teams, team.ID)
			}
			idp.groups.Store([]string{"analysts", "other"})
			_, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			resp.Body.Close()
			if !inTeam() {
				t.Error("the groups claim did not put the person in the team")
			}
			// A provider that sends no groups claim says nothing: no change.
			idp.groups.Store([]string(nil))
			_, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			resp.Body.Close()
			if !inTeam() {
				t.Error("a missing groups claim took the person out of the team")
			}
			idp.groups.Store([]string{"other"})
			_, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			resp.Body.Close()
			if inTeam() {
				t.Error("the groups claim did not take the person out of the team")
			}

			// A require-MFA policy: the provider says pwd only, so no.
			root.json("POST", "/api/v1/access-policies", `{"name":"mfa","state":"on","apps":["studio","api"],"include":{"all":true},"exclude":{"users":[1]},"grant":"require-mfa"}`, 201, nil)
			_, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(body), "multi-factor") {
				t.Errorf("require-mfa after a password-only provider sign-in: %d %.300s", resp.StatusCode, body)
			}
			// The provider's amr says a second factor was used: accepted,
			// and the session carries it.
			idp.mfa.Store(true)
			c, resp = ssoSignIn(t, e.url, "test-user@127.0.0.1")
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.HasPrefix(resp.Request.URL.Path, "/signin") {
				t.Fatalf("require-mfa after an MFA provider sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
			}
			if me, err := c.Get(e.url + "/api/v1/me"); err != nil || me.StatusCode != 200 {
				t.Errorf("the MFA session under require-mfa: %v %v", err, me.StatusCode)
			}

			// A forged callback (no sign-in started here) is refused.
			jar, _ := cookiejar.New(nil)
			forged := &http.Client{Jar: jar}
			resp, err = forged.Get(e.url + "/signin/oidc/callback?code=x&state=y")
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(body), "does not match a sign-in started here") {
				t.Errorf("forged callback: %d %.200s", resp.StatusCode, body)
			}
		})
	}
}

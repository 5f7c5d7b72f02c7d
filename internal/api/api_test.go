package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/s3blobs"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

var cheap = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// env is one running server over real HTTP on one database kind.
type env struct {
	t     testing.TB
	store *store.Store
	dsn   string
	url   string
	now   time.Time
	logs  *syncBuffer // what the server logged
	srv   *Server
	key   *seal.Key // the key the store seals with
	// sources is the folder SQLite data sources are read from; the test
	// PostgreSQL cluster, on loopback, is a host sources may reach.
	sources string
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// servers starts a server on each database kind.
func servers(t *testing.T) map[string]*env { return serversB(t) }

// serversQuiet are servers that keep no log, for load tests.
func serversQuiet(b *testing.B) map[string]*env { return serversWith(b, io.Discard) }

// serversB is servers for tests and benchmarks alike.
func serversB(t testing.TB) map[string]*env { return serversWith(t, nil) }

// serversWith logs to logs, or to the env's own buffer when nil.
func serversWith(t testing.TB, logs io.Writer) map[string]*env { return serversBlobs(t, logs, nil) }

// serversS3 are servers that keep their blobs in a bucket of the test S3
// server, each database kind under its own prefix (its name).
func serversS3(t testing.TB, s3 storetest.S3) map[string]*env {
	return serversBlobs(t, nil, func(db string) store.Objects { return openBucket(t, s3, db) })
}

// openBucket opens the bucket of s3 under prefix as the store's blob store.
func openBucket(t testing.TB, s3 storetest.S3, prefix string) *s3blobs.Bucket {
	t.Helper()
	b, err := s3blobs.Open(context.Background(), s3.Location(prefix), s3blobs.Config{
		Endpoint: s3.Endpoint, Region: "us-east-1", Credentials: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serversBlobs keeps each store's blobs in blobs(its kind), or in the
// database when blobs is nil.
func serversBlobs(t testing.TB, logs io.Writer, blobs func(db string) store.Objects) map[string]*env {
	out := map[string]*env{}
	for name, dsn := range storetest.DSNs(t) {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if blobs != nil {
			st.UseObjects(blobs(name))
			if err := st.CheckObjects(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// Blobs are sealed, as a real server seals them.
		key, err := seal.ParseKey(seal.Generate())
		if err != nil {
			t.Fatal(err)
		}
		st.UseKeys(&seal.Keyring{Current: key})
		e := &env{t: t, store: st, dsn: dsn, now: time.Now().UTC(), logs: &syncBuffer{}, key: key, sources: t.TempDir()}
		// The test client reaches the server from loopback, which is
		// trusted as a proxy: tests set X-Forwarded-For to be elsewhere.
		proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		w := logs
		if w == nil {
			w = e.logs
		}
		srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(w, nil)), Password: cheap, Now: func() time.Time { return e.now }, TrustedProxies: proxies,
			Sources: datasource.Config{PostgresHosts: []string{"127.0.0.1", "localhost"}, SQLiteDir: e.sources}})
		ts := httptest.NewServer(checked(t, srv.Handler()))
		t.Cleanup(func() { ts.Close(); st.Close() })
		startJobs(t, srv)
		e.url, e.srv = ts.URL, srv
		out[name] = e
	}
	return out
}

// storeOn opens the store at dsn until the test ends.
func storeOn(t testing.TB, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// serverOn serves e's store with cfg's settings, e's clock and no log,
// until the test ends; its jobs wait for startJobs.
func serverOn(t testing.TB, e *env, cfg Config) (*Server, *httptest.Server) {
	cfg.Store, cfg.Log, cfg.Password, cfg.Now = e.store, slog.New(slog.NewTextHandler(io.Discard, nil)), cheap, func() time.Time { return e.now }
	srv := New(cfg)
	ts := httptest.NewServer(checked(t, srv.Handler()))
	t.Cleanup(ts.Close)
	return srv, ts
}

// startJobs runs the server's background jobs until the test ends.
func startJobs(t testing.TB, srv *Server) {
	t.Helper()
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
}

// client is a browser-like caller with its own cookies.
type client struct {
	e     *env
	http  *http.Client
	token string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar}}
}

// user creates an account and returns a client signed in as it.
func (e *env) user(name string, admin bool) (*client, access.ID) {
	e.t.Helper()
	id, err := signin.CreateUser(context.Background(), e.store, name, "a long enough password", admin, cheap)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	if code, body := c.do("POST", "/api/v1/session", `{"username":"`+name+`","password":"a long enough password"}`, nil); code != 200 {
		e.t.Fatalf("sign-in of %s: %d %s", name, code, body)
	}
	return c, id
}

func (c *client) do(method, path, body string, header map[string]string) (int, string) {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.url+path, strings.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.send(req)
}

// send makes the request as this client (its cookies, and its token if it
// has one) and returns the status and body.
func (c *client) send(req *http.Request) (int, string) {
	c.e.t.Helper()
	if c.token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) json(method, path, body string, want int, out any) {
	c.e.t.Helper()
	code, b := c.do(method, path, body, nil)
	if code != want {
		c.e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			c.e.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error.Code
}

func TestSignInSessionsAndTokens(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			ann, _ := e.user("ann", false)
			var me meJSON
			ann.json("GET", "/api/v1/me", "", 200, &me)
			if me.Username != "ann" || me.InstallationAdmin {
				t.Errorf("me %+v", me)
			}

			// The cookie is HttpOnly and SameSite=Lax, and a new sign-in
			// rotates it: the old session ends.
			resp, err := http.Post(e.url+"/api/v1/session", "application/json", strings.NewReader(`{"username":"ann","password":"a long enough password"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			c := resp.Cookies()[0]
			if c.Name != signin.SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
				t.Errorf("cookie %+v", c)
			}
			old := ann.http.Jar.Cookies(resp.Request.URL)[0].Value
			ann.json("POST", "/api/v1/session", `{"username":"ann","password":"a long enough password"}`, 200, nil)
			if now := ann.http.Jar.Cookies(resp.Request.URL)[0].Value; now == old {
				t.Error("sign-in did not rotate the session")
			}
			stale := e.client()
			stale.http.Jar.SetCookies(resp.Request.URL, []*http.Cookie{{Name: signin.SessionCookie, Value: old}})
			if code, _ := stale.do("GET", "/api/v1/me", "", nil); code != 401 {
				t.Errorf("the rotated-out session still works: %d", code)
			}

			// A token is shown once and works as a bearer until revoked.
			var tok struct {
				ID    access.ID `json:"id"`
				Token string    `json:"token"`
			}
			ann.json("POST", "/api/v1/tokens", `{"name":"ci","expires_in_days":7}`, 201, &tok)
			bearer := e.client()
			bearer.token = tok.Token
			bearer.json("GET", "/api/v1/me", "", 200, &me)
			e.now = e.now.Add(8 * 24 * time.Hour)
			if code, _ := bearer.do("GET", "/api/v1/me", "", nil); code != 401 {
				t.Errorf("expired token: %d", code)
			}
			e.now = e.now.Add(-8 * 24 * time.Hour)
			ann.json("DELETE", "/api/v1/tokens/"+itoa(tok.ID), "", 204, nil)
			if code, _ := bearer.do("GET", "/api/v1/me", "", nil); code != 401 {
				t.Errorf("revoked token: %d", code)
			}
			bearer.token = "pm_forged"
			if code, body := bearer.do("GET", "/api/v1/me", "", nil); code != 401 || errorCode(t, body) != "unauthenticated" {
				t.Errorf("forged token: %d %s", code, body)
			}

			ann.json("DELETE", "/api/v1/session", "", 204, nil)
			if code, _ := ann.do("GET", "/api/v1/me", "", nil); code != 401 {
				t.Errorf("after sign-out: %d", code)
			}
		})
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			e.user("ann", false)
			c := e.client()
			for i := range signin.FreeAttempts {
				if code, body := c.do("POST", "/api/v1/session", `{"username":"ann","password":"wrong password!"}`, nil); code != 401 || errorCode(t, body) != "bad_credentials" {
					t.Fatalf("attempt %d: %d %s", i, code, body)
				}
			}
			code, body := c.do("POST", "/api/v1/session", `{"username":"ann","password":"a long enough password"}`, nil)
			if code != 429 || errorCode(t, body) != "too_many_attempts" {
				t.Fatalf("after %d failures: %d %s", signin.FreeAttempts, code, body)
			}
			e.now = e.now.Add(2 * time.Second)
			c.json("POST", "/api/v1/session", `{"username":"ann","password":"a long enough password"}`, 200, nil)
			// Guessing across accounts from one address is slowed too.
			e.user("bob", false)
			for i := range signin.FreeAttempts {
				c.do("POST", "/api/v1/session", fmt.Sprintf(`{"username":"guess%d","password":"wrong password!"}`, i), nil)
			}
			if code, body := c.do("POST", "/api/v1/session", `{"username":"bob","password":"a long enough password"}`, nil); code != 429 {
				t.Errorf("after failures for other accounts from this address: %d %s", code, body)
			}
			e.now = e.now.Add(2 * time.Second)
			// Unknown users fail the same way as wrong passwords.
			if code, body := c.do("POST", "/api/v1/session", `{"username":"nobody","password":"whatever it is"}`, nil); code != 401 || errorCode(t, body) != "bad_credentials" {
				t.Errorf("unknown user: %d %s", code, body)
			}
		})
	}
}

// TestBadRequestsChangeNothing: every malformed request gets its error and
// no user is created.
func TestBadRequestsChangeNothing(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			admin, _ := e.user("root", true)
			huge := `{"username":"` + strings.Repeat("x", request.MaxBody) + `"}`
			tests := []struct {
				name, body string
				header     map[string]string
				code       int
				errCode    string
			}{
				{"malformed", `{"username":`, nil, 400, "bad_json"},
				{"unknown field", `{"username":"bob","password":"a long enough password","role":"admin"}`, nil, 400, "bad_json"},
				{"wrong type", `{"username":42,"password":"a long enough password"}`, nil, 400, "bad_json"},
				{"two objects", `{"username":"bob","password":"a long enough password"}{}`, nil, 400, "bad_json"},
				{"empty", ``, nil, 400, "bad_json"},
				{"huge", huge, nil, 413, "too_large"},
				{"not json", `username=bob`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
				{"short password", `{"username":"bob","password":"short"}`, nil, 422, "invalid"},
				{"bad username", `{"username":"bob smith","password":"a long enough password"}`, nil, 422, "invalid"},
				{"cross-origin", `{"username":"bob","password":"a long enough password"}`, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, "cross_origin"},
			}
			for _, tt := range tests {
				code, body := admin.do("POST", "/api/v1/users", tt.body, tt.header)
				if code != tt.code || errorCode(t, body) != tt.errCode {
					t.Errorf("%s: %d %s, want %d %s", tt.name, code, body, tt.code, tt.errCode)
				}
			}
			if _, err := e.store.UserByName(context.Background(), "bob"); err != store.ErrNotFound {
				t.Errorf("a bad request created a user: %v", err)
			}
			admin.json("POST", "/api/v1/users", `{"username":"bob","password":"a long enough password"}`, 201, nil)
			if code, body := admin.do("POST", "/api/v1/users", `{"username":"bob","password":"a long enough password"}`, nil); code != 409 || errorCode(t, body) != "conflict" {
				t.Errorf("duplicate user: %d %s", code, body)
			}
			bob := e.client()
			bob.json("POST", "/api/v1/session", `{"username":"bob","password":"a long enough password"}`, 200, nil)
			if code, _ := bob.do("POST", "/api/v1/users", `{"username":"eve","password":"a long enough password"}`, nil); code != 403 {
				t.Errorf("a non-admin created a user: %d", code)
			}
		})
	}
}

// TestEnvironmentsAndProcesses: the creator of an environment administers
// it; members see what their roles let them; non-members and other
// environments learn nothing.
func TestEnvironmentsAndProcesses(t *testing.T) {
	ctx := context.Background()
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _ := e.user("root", true)
			maker, makerID := e.user("maker", false)
			viewer, viewerID := e.user("viewer", false)
			outsider, _ := e.user("outsider", false)

			if code, _ := maker.do("POST", "/api/v1/environments", `{"name":"prod"}`, nil); code != 403 {
				t.Errorf("a non-admin created an environment: %d", code)
			}
			var prod, dev struct {
				ID   access.ID `json:"id"`
				Root access.ID `json:"root_business_unit"`
			}
			root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
			root.json("POST", "/api/v1/environments", `{"name":"dev"}`, 201, &dev)
			if code, body := root.do("POST", "/api/v1/environments", `{"name":"prod"}`, nil); code != 409 {
				t.Errorf("duplicate environment: %d %s", code, body)
			}
			for _, m := range []struct {
				id   access.ID
				role string
			}{{makerID, access.EnvironmentMaker}, {viewerID, access.ProcessMiningUser}} {
				if err := e.store.AddMember(ctx, prod.ID, m.id, prod.Root); err != nil {
					t.Fatal(err)
				}
				if err := e.store.AssignRole(ctx, prod.ID, m.role, access.Principal{User: m.id}); err != nil {
					t.Fatal(err)
				}
			}
			procs := "/api/v1/environments/" + itoa(prod.ID) + "/processes"

			// The creator is System Administrator of prod, with no other step.
			var p processJSON
			root.json("POST", procs, `{"name":"Purchase to pay"}`, 201, &p)
			maker.json("POST", procs, `{"name":"Order to cash"}`, 201, nil)
			if code, body := viewer.do("POST", procs, `{"name":"Mine"}`, nil); code != 403 || errorCode(t, body) != "forbidden" {
				t.Errorf("a process mining user created a process: %d %s", code, body)
			}

			var list struct {
				Processes []processJSON `json:"processes"`
			}
			root.json("GET", procs, "", 200, &list)
			if len(list.Processes) != 2 {
				t.Errorf("the administrator sees %d processes, want 2", len(list.Processes))
			}
			maker.json("GET", procs, "", 200, &list)
			if len(list.Processes) != 1 || list.Processes[0].Name != "Order to cash" {
				t.Errorf("the maker sees %+v", list.Processes)
			}
			viewer.json("GET", procs, "", 200, &list)
			if len(list.Processes) != 0 {
				t.Errorf("the viewer sees %+v before any share", list.Processes)
			}
			// Another's unshared process reads as missing, not forbidden.
			code, notShared := maker.do("GET", procs+"/"+itoa(p.ID), "", nil)
			if code != 404 {
				t.Errorf("maker reads the admin's process: %d", code)
			}
			if err := e.store.PutShare(ctx, p.ID, access.ProcessShare{To: access.Principal{User: viewerID}, Access: access.CoOwner}); err != nil {
				t.Fatal(err)
			}
			viewer.json("GET", procs+"/"+itoa(p.ID), "", 200, nil)
			viewer.json("GET", procs, "", 200, &list)
			if len(list.Processes) != 1 {
				t.Errorf("the viewer sees %d shared processes", len(list.Processes))
			}

			// Other environments and non-members learn nothing.
			code, missing := maker.do("GET", procs+"/999999", "", nil)
			if code != 404 || missing != notShared {
				t.Errorf("a missing process answers %d %s, an unshared one %s", code, missing, notShared)
			}
			devProcs := "/api/v1/environments/" + itoa(dev.ID) + "/processes"
			var q processJSON
			root.json("POST", devProcs, `{"name":"Dev only"}`, 201, &q)
			if code, _ := root.do("GET", procs+"/"+itoa(q.ID), "", nil); code != 404 {
				t.Errorf("dev's process read through prod: %d", code)
			}
			code, nonMember := outsider.do("GET", procs, "", nil)
			code2, noSuchEnv := outsider.do("GET", "/api/v1/environments/424242/processes", "", nil)
			if code != 403 || code2 != 403 || nonMember != noSuchEnv {
				t.Errorf("non-member %d %s; missing environment %d %s", code, nonMember, code2, noSuchEnv)
			}
		})
	}
}

func TestOperationalEndpoints(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			c := e.client()
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, _ := c.do("GET", path, "", nil); code != 200 {
					t.Errorf("%s: %d", path, code)
				}
			}
			// Metrics are opt-in (TestMetricsAreOptIn): not found here.
			if code, body := c.do("GET", "/metrics", "", nil); code != 404 {
				t.Errorf("metrics without opting in: %d\n%.300s", code, body)
			}
			req, _ := http.NewRequest("GET", e.url+"/healthz", nil)
			req.Header.Set("X-Request-Id", "abc-123")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("X-Request-Id") != "abc-123" {
				t.Errorf("request id %q", resp.Header.Get("X-Request-Id"))
			}
			if code, body := c.do("GET", "/api/v1/nothing", "", nil); code != 404 || errorCode(t, body) != "not_found" {
				t.Errorf("unknown route: %d %s", code, body)
			}
		})
	}
}

func itoa(id access.ID) string {
	return strings.TrimSpace(string(bytes.TrimSpace([]byte(jsonInt(id)))))
}

func jsonInt(id access.ID) string { b, _ := json.Marshal(id); return string(b) }

type envJSON struct {
	ID   access.ID `json:"id"`
	Root access.ID `json:"root_business_unit"`
}

// prodWithMaker signs in root, an installation administrator, and maker;
// root creates the environment prod and makes maker an Environment Maker
// in its root unit. It returns prod's path under /api/v1 too.
func prodWithMaker(e *env) (root, maker *client, makerID access.ID, prod envJSON, base string) {
	root, _ = e.user("root", true)
	maker, makerID = e.user("maker", false)
	root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
	base = fmt.Sprintf("/api/v1/environments/%d", prod.ID)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)
	return root, maker, makerID, prod, base
}

// TestSecureCookieUnderTLS: with SecureCookies (set by serve under TLS)
// the session cookie is Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	for _, dsn := range storetest.DSNs(t) {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := signin.CreateUser(context.Background(), st, "ann", "a long enough password", false, cheap); err != nil {
			t.Fatal(err)
		}
		srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap, SecureCookies: true})
		ts := httptest.NewTLSServer(srv.Handler())
		defer ts.Close()
		resp, err := ts.Client().Post(ts.URL+"/api/v1/session", "application/json", strings.NewReader(`{"username":"ann","password":"a long enough password"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c := resp.Cookies(); len(c) != 1 || !c[0].Secure || !c[0].HttpOnly {
			t.Errorf("cookie %+v", c)
		}
		return
	}
}

// TestSecurityHeaders: pages, the API and static files carry the content
// security policy and the other protective headers; the browser tests run
// the studio under that policy.
func TestSecurityHeaders(t *testing.T) {
	for _, e := range servers(t) {
		for _, path := range []string{"/signin", "/api/v1/me", "/static/app.js", "/healthz"} {
			resp, err := http.Get(e.url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for k, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
				if got := resp.Header.Get(k); !strings.Contains(got, want) {
					t.Errorf("%s: %s = %q", path, k, got)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: the policy allows inline code: %s", path, csp)
			}
		}
		return // one database is enough
	}
}

package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// TestServeWithSingleSignOn: the README's steps — serve with
// --oidc-issuer, --oidc-client-id, --public-url and the secret in
// PROCMINE_OIDC_CLIENT_SECRET — against a real provider (zitadel/oidc's
// example OP) on loopback: a person signs in through it and has a session.
func TestServeWithSingleSignOn(t *testing.T) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr := free()
	public := "http://" + addr
	opLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + opLn.Addr().String()
	storage.RegisterClients(storage.WebClient("procmine-cli", "cli-secret", public+"/signin/oidc/callback"))
	op := &http.Server{Handler: exampleop.SetupServer(issuer, storage.NewStorage(storage.NewUserStore(issuer)), nil, false)}
	go op.Serve(opLn)
	defer op.Close()

	t.Setenv("PROCMINE_OIDC_CLIENT_SECRET", "cli-secret")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out strings.Builder
	go func() {
		done <- Main(ctx, []string{"serve", "--data-dir", t.TempDir(), "--addr", addr, "--public-url", public,
			"--oidc-issuer", issuer, "--oidc-client-id", "procmine-cli"}, Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	}()
	defer func() { cancel(); <-done }()
	for i := 0; ; i++ {
		if resp, err := http.Get(public + "/readyz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("serve did not come up: %s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(public + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `href="/signin/oidc"`) {
		t.Fatal("the sign-in page offers no single sign-on")
	}
	resp, err = c.Get(public + "/signin/oidc")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form at the provider: %.300s", page)
	}
	login := resp.Request.URL.ResolveReference(&url.URL{Path: "/login/username"})
	resp, err = c.PostForm(login.String(), url.Values{"id": {string(m[1])}, "username": {"test-user@127.0.0.1"}, "password": {"verysecure"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	me, err := c.Get(public + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(me.Body)
	me.Body.Close()
	if me.StatusCode != 200 || !strings.Contains(string(body), `"username":"test-user@127.0.0.1"`) {
		t.Errorf("after single sign-on: %d %s", me.StatusCode, body)
	}
}

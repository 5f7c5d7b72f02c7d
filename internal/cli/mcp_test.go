package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPOverStdio: procmine mcp, on standard input and output, answers
// an MCP client of the official SDK with the server's own answers for
// the token's user: the demo's maker (an owner) and viewer (a report
// reader, whose variants come through disclosure control).
func TestMCPOverStdio(t *testing.T) {
	addr, out, _ := serveInBackground(t, "demo", "--data-dir", t.TempDir())
	passwords := demoPasswords(out.String())
	base := "http://" + addr
	for _, user := range []string{"maker", "viewer"} {
		_, token := signInWithToken(t, base, user, passwords[user])
		t.Setenv("PROCMINE_TOKEN", token)

		// procmine mcp between two pipes, the SDK's client on the other
		// ends.
		toServer, fromClient := io.Pipe()
		toClient, fromServer := io.Pipe()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- runMCP(ctx, []string{"--server", base}, Streams{In: toServer, Out: fromServer, Err: io.Discard})
			fromServer.Close()
		}()
		client := mcp.NewClient(&mcp.Implementation{Name: "procmine-test", Version: "1"}, nil)
		session, err := client.Connect(ctx, &mcp.IOTransport{Reader: toClient, Writer: fromClient}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tools, err := session.ListTools(ctx, nil)
		if err != nil || len(tools.Tools) != 7 {
			t.Fatalf("%s: tools %v, %v", user, tools, err)
		}
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "get_variants", Arguments: map[string]any{"environment": 1, "process": 1}})
		if err != nil || res.IsError {
			t.Fatalf("%s: get_variants: %v %+v", user, err, res)
		}
		got := res.Content[0].(*mcp.TextContent).Text
		req, _ := http.NewRequest("GET", base+"/api/v1/environments/1/processes/1/variants", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
			t.Errorf("%s: the tool's variants differ from the API's:\n%.300s\n%.300s", user, got, want)
		}
		if guarded := strings.Contains(got, `"disclosure"`); guarded != (user == "viewer") {
			t.Errorf("%s: disclosure control %v in %.300s", user, guarded, got)
		}
		session.Close()
		fromClient.Close()
		cancel()
		<-done
	}
	// Without a token or a server it says what is missing.
	t.Setenv("PROCMINE_TOKEN", "")
	if code, _, errs := runCode("mcp", "--server", base); code != 2 || !strings.Contains(errs, "PROCMINE_TOKEN") {
		t.Errorf("no token: %d %s", code, errs)
	}
	if code, _, errs := runCode("mcp", "--server", "ftp://x"); code != 2 || !strings.Contains(errs, "--server") {
		t.Errorf("a wrong server: %d %s", code, errs)
	}
}

// TestMCPBridgeKeepsItsToken: the bridge sends the token to the server
// named and nowhere else — not to the host a redirect points at — and
// refuses a server address through which it would travel in clear text
// or to another place (review of the MCP server, finding 3).
func TestMCPBridgeKeepsItsToken(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "no", 500)
	}))
	defer other.Close()
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/steal", http.StatusTemporaryRedirect)
	}))
	defer first.Close()
	t.Setenv("PROCMINE_TOKEN", "pm_secret_token")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	pr, _ := io.Pipe()
	if err := runMCP(ctx, []string{"--server", first.URL}, Streams{In: pr, Out: io.Discard, Err: io.Discard}); err == nil {
		t.Error("a server that redirects was taken for procmine")
	}
	// No redirect is followed: the other host is never asked, with the
	// token or without.
	mu.Lock()
	if len(seen) != 0 {
		t.Errorf("the bridge followed a redirect to another host: %q", seen)
	}
	mu.Unlock()
	for _, s := range []string{"http://example.invalid", "https://user:pw@example.invalid", "https://example.invalid#frag", "https://example.invalid?x=1"} {
		if code, _, errs := runCode("mcp", "--server", s); code != 2 || !strings.Contains(errs, "--server") || strings.Contains(errs, "pw") {
			t.Errorf("--server %s: %d %s", s, code, errs)
		}
	}
}

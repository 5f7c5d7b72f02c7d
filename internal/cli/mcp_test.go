package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPOverStdio: procmine mcp, on standard input and output, answers
// an MCP client of the official SDK with the server's own answers for
// the token's user: the demo's maker (an owner) and viewer (a report
// reader, whose variants come through disclosure control).
func TestMCPOverStdio(t *testing.T) {
	addr, out, _ := serveInBackground(t, "demo", "--data-dir", t.TempDir())
	passwords := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && len(f[1]) == 16 {
			passwords[f[0]] = f[1]
		}
	}
	base := "http://" + addr
	for _, user := range []string{"maker", "viewer"} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+passwords[user]+`"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s signs in: %v %v", user, err, resp)
		}
		resp.Body.Close()
		if resp, err = c.Post(base+"/api/v1/tokens", "application/json", strings.NewReader(`{"name":"assistant"}`)); err != nil || resp.StatusCode != 201 {
			t.Fatalf("%s makes a token: %v", user, err)
		}
		var tok struct{ Token string }
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		t.Setenv("PROCMINE_TOKEN", tok.Token)

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
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err = http.DefaultClient.Do(req)
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

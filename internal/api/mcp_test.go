package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/procmine/procmine/internal/access"
)

// bearerTransport adds a personal access token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpSession connects an MCP client of the official SDK to the server's
// /api/v1/mcp with a new personal access token of c.
func mcpSession(t *testing.T, e *env, c *client) *mcp.ClientSession {
	t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	c.json("POST", "/api/v1/tokens", `{"name":"assistant"}`, 201, &tok)
	client := mcp.NewClient(&mcp.Implementation{Name: "procmine-test", Version: "1"}, nil)
	session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: e.url + "/api/v1/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{tok.Token}}, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

// callTool calls a tool and returns its text and whether it is an error.
func callTool(t *testing.T, s *mcp.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	return strings.Join(text, "\n"), res.IsError
}

// TestMCP: an assistant connected with its user's token lists procmine's
// tools and calls each: as the owner it gets the API's exact answers; as
// a report reader, the disclosure-controlled ones, which hold no case
// id, no timestamp and not the activity only one case has. A user
// without access to the process gets the API's not-found; a studio
// session cannot connect; every call is audited as mcp.call.
func TestMCP(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			env, pid := int64(w.env), int64(w.pid)
			base := map[string]any{"environment": env, "process": pid}
			with := func(more map[string]any) map[string]any {
				m := map[string]any{}
				for k, v := range base {
					m[k] = v
				}
				for k, v := range more {
					m[k] = v
				}
				return m
			}
			calls := []struct {
				tool string
				args map[string]any
			}{
				{"get_report", base},
				{"get_variants", base},
				{"get_statistics", base},
				{"get_map", with(map[string]any{"view": "performance"})},
				{"get_conformance", base},
				{"compare", with(map[string]any{"a": "from=2024-01-01&to=2024-01-20", "b": "from=2024-01-21&to=2024-02-15"})},
			}

			ownerS := mcpSession(t, e, owner)
			tools, err := ownerS.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range tools.Tools {
				names = append(names, tool.Name)
				if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
					t.Errorf("%s is not marked read-only", tool.Name)
				}
			}
			slices.Sort(names)
			if want := []string{"compare", "get_conformance", "get_map", "get_report", "get_statistics", "get_variants", "list_processes"}; !slices.Equal(names, want) {
				t.Errorf("tools %q, want %q", names, want)
			}
			list, isErr := callTool(t, ownerS, "list_processes", nil)
			var envs []struct {
				Environment access.ID `json:"environment"`
				Processes   []struct {
					ID   access.ID `json:"id"`
					Name string    `json:"name"`
				} `json:"processes"`
			}
			if err := json.Unmarshal([]byte(list), &envs); isErr || err != nil || len(envs) != 1 || envs[0].Environment != w.env || len(envs[0].Processes) != 1 || envs[0].Processes[0].ID != w.pid {
				t.Errorf("list_processes: %v %v %s", isErr, err, list)
			}
			// The owner's answers are the API's.
			for _, c := range calls {
				got, isErr := callTool(t, ownerS, c.tool, c.args)
				if isErr {
					t.Errorf("owner's %s: %s", c.tool, got)
				}
				if c.tool == "get_variants" && !strings.Contains(got, "Escalate") {
					t.Errorf("the owner's variants lack the rare one: %s", got)
				}
			}
			_, body := owner.do("GET", w.process+"/report", "", nil)
			if got, _ := callTool(t, ownerS, "get_report", base); !jsonEqual(got, body) {
				t.Errorf("get_report %s\nAPI %s", got, body)
			}

			// A report reader gets the guarded answers.
			readerS := mcpSession(t, e, pmu)
			timestamp := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
			caseID := regexp.MustCompile(`\bc\d\d\b`)
			for _, c := range calls {
				got, isErr := callTool(t, readerS, c.tool, c.args)
				if isErr {
					t.Errorf("reader's %s: %s", c.tool, got)
					continue
				}
				if strings.Contains(got, "Escalate") || timestamp.MatchString(got) || caseID.MatchString(got) {
					t.Errorf("the reader's %s shows a single case: %s", c.tool, got)
				}
			}
			_, body = pmu.do("GET", w.process+"/variants", "", nil)
			if got, _ := callTool(t, readerS, "get_variants", base); !strings.Contains(got, `"disclosure"`) || !jsonEqual(got, body) {
				t.Errorf("the reader's variants are not the API's guarded ones: %s\nAPI %s", got, body)
			}
			// Bad arguments are the tool's errors, with the API's message.
			if got, isErr := callTool(t, readerS, "get_report", with(map[string]any{"filters": "case-attr=x%3Dy"})); !isErr || !strings.Contains(got, "need access to the process's data") {
				t.Errorf("a reader's attribute filter: %v %s", isErr, got)
			}
			if got, isErr := callTool(t, readerS, "get_map", with(map[string]any{"view": "colour"})); !isErr || !strings.Contains(got, "frequency or performance") {
				t.Errorf("a wrong view: %v %s", isErr, got)
			}
			if got, isErr := callTool(t, readerS, "get_report", with(map[string]any{"filters": "from=%zz"})); !isErr || !strings.Contains(got, "query string") {
				t.Errorf("unreadable filters: %v %s", isErr, got)
			}
			if got, isErr := callTool(t, readerS, "get_report", map[string]any{"environment": -1, "process": pid}); !isErr || !strings.Contains(got, "positive ids") {
				t.Errorf("a negative id: %v %s", isErr, got)
			}

			// A member without access to the process: the API's not-found.
			outsider, id := w.e.user("outsider", false)
			w.root.json("PUT", w.base+"/members/"+itoa(id), `{"business_unit":`+itoa(w.unit)+`,"roles":["`+access.EnvironmentMaker+`"]}`, 200, nil)
			outS := mcpSession(t, e, outsider)
			if got, isErr := callTool(t, outS, "get_report", base); !isErr || !strings.Contains(got, "404") {
				t.Errorf("an outsider's report: %v %s", isErr, got)
			}
			hidden, _ := callTool(t, outS, "get_report", base)
			missing, isMissing := callTool(t, outS, "get_report", map[string]any{"environment": env, "process": pid + 1000})
			if !isMissing || hidden != missing {
				t.Errorf("an outsider tells a hidden process (%s) from a missing one (%s)", hidden, missing)
			}

			// A studio session cannot connect: the assistant needs a token.
			code, body := owner.do("POST", "/api/v1/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
			if code != 403 || !strings.Contains(body, "token_required") {
				t.Errorf("a session's MCP request: %d %s", code, body)
			}
			// Every call is audited as the user's.
			var audit struct {
				Entries []struct {
					Actor, Action, Detail, App string
				} `json:"entries"`
			}
			w.root.json("GET", w.base+"/audit?action=mcp.call", "", 200, &audit)
			byActor := map[string]int{}
			for _, a := range audit.Entries {
				if a.Action == "mcp.call" && strings.HasPrefix(a.Detail, "tool ") && a.App == "mcp" {
					byActor[a.Actor]++
				}
			}
			// The API's own entries say what they came through: the
			// administrator's reading of the log, from a session.
			w.root.json("GET", w.base+"/audit?action=audit.read", "", 200, &audit)
			if n := len(audit.Entries); n == 0 || audit.Entries[n-1].App != "studio" {
				t.Errorf("audit.read entries: %+v", audit.Entries)
			}
			if byActor["maker"] < len(calls) || byActor["pmu"] < len(calls) {
				t.Errorf("mcp.call entries by user: %v", byActor)
			}
			// Conditional access applies as to the API: a policy blocking
			// the reader's API access blocks its assistant too.
			w.root.json("POST", "/api/v1/access-policies", `{"name":"no api for pmu","state":"on","apps":["api"],"include":{"users":[`+itoa(w.ids["pmu"])+`]},"grant":"block"}`, 201, nil)
			if res, err := readerS.CallTool(t.Context(), &mcp.CallToolParams{Name: "get_report", Arguments: base}); err == nil || !strings.Contains(err.Error(), "Forbidden") {
				t.Errorf("a blocked user's assistant: %v %+v", err, res)
			}
			if got, isErr := callTool(t, ownerS, "get_report", base); isErr {
				t.Errorf("the owner, not blocked: %s", got)
			}
		})
	}
}

// jsonEqual tells whether two JSON documents hold the same values.
func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// rawMCP posts one body to /api/v1/mcp with a token.
func rawMCP(t *testing.T, e *env, token, body string) (int, string) {
	t.Helper()
	c := e.client()
	c.token = token
	return c.do("POST", "/api/v1/mcp", body, map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
}

// TestMCPBounds (review of the MCP server, findings 1 and 2): a user who
// may not enter an environment writes nothing in its audit log however
// often it calls; a batch of calls in one request, and a request past
// the size bound, are refused before any call runs.
func TestMCPBounds(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, _ := disclosureWorld(t, e, disclosureLog())
			stranger, _ := e.user("stranger", false) // a member of nothing
			var tok struct {
				Token string `json:"token"`
			}
			stranger.json("POST", "/api/v1/tokens", `{"name":"assistant"}`, 201, &tok)
			call := func(id int, process int64) string {
				b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
					"params": map[string]any{"name": "get_report", "arguments": map[string]any{"environment": int64(w.env), "process": process}}})
				return string(b)
			}
			for i := range 10 {
				if code, body := rawMCP(t, e, tok.Token, call(1, int64(w.pid)+int64(i))); code != 200 || !strings.Contains(body, `"isError":true`) {
					t.Fatalf("a stranger's call: %d %s", code, body)
				}
			}
			var audit struct {
				Entries []struct{ Actor, Action string } `json:"entries"`
			}
			w.root.json("GET", w.base+"/audit?action=mcp.call", "", 200, &audit)
			for _, a := range audit.Entries {
				if a.Actor == "stranger" {
					t.Errorf("a stranger's calls are in the environment's audit log: %+v", a)
				}
			}
			batch := "[" + call(1, int64(w.pid)) + "," + call(2, int64(w.pid)) + "]"
			if code, body := rawMCP(t, e, tok.Token, batch); code != 422 || !strings.Contains(body, "batches") {
				t.Errorf("a batch: %d %s", code, body)
			}
			if code, body := rawMCP(t, e, tok.Token, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"`+strings.Repeat("x", 70<<10)+`"}}`); code != 413 {
				t.Errorf("a large message: %d %.200s", code, body)
			}
		})
	}
}

// TestMCPReaderSeesNoResource: on a log whose resources are people, a
// report reader's assistant is given no resource's name by any tool,
// where the owner's statistics list them.
func TestMCPReaderSeesNoResource(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, namedLog())
			base := map[string]any{"environment": int64(w.env), "process": int64(w.pid)}
			// The owner's statistics name them: the check below can fail.
			if got, _ := callTool(t, mcpSession(t, e, owner), "get_statistics", base); !strings.Contains(got, "Sara Lind") {
				t.Fatalf("the owner's statistics name no resource: %.300s", got)
			}
			reader := mcpSession(t, e, pmu)
			for _, tool := range []string{"get_report", "get_variants", "get_statistics", "get_map", "get_conformance"} {
				got, isErr := callTool(t, reader, tool, base)
				if isErr {
					t.Errorf("%s: %s", tool, got)
				}
				for _, who := range []string{"Sara", "Lind", "José", "Núñez", "Jos\\u00e9"} {
					if strings.Contains(got, who) {
						t.Errorf("the reader's %s names %s: %.300s", tool, who, got)
					}
				}
			}
		})
	}
}

// Package mcpserver offers procmine's reports to AI assistants over the
// Model Context Protocol: tools that list the processes the assistant's
// user may read and read a process's key figures, map, variants,
// statistics, conformance and comparison, with the API's filters, and a
// resource that lists the processes.
//
// Every tool is a GET of procmine's own API made as the user (a Caller):
// the assistant passes the same authorization, conditional access and
// disclosure control as the user's own requests do, and receives exactly
// what the user would — a report reader's disclosure-controlled figures,
// never raw data. Nothing here decides what may be seen.
package mcpserver

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Caller makes a GET of the API path (with its query) as the assistant's
// user and returns the answer's status and body. A failure to reach the
// API at all is the error.
type Caller func(ctx context.Context, path string) (status int, body []byte, err error)

// Observer is told of each tool call once the API has answered it, with
// the answer's status: the server audits it.
type Observer func(ctx context.Context, tool string, env, process int64, status int)

// processIn names a process and the view of it a tool reads.
type processIn struct {
	Environment int64  `json:"environment" jsonschema:"the environment's id (list_processes gives it)"`
	Process     int64  `json:"process" jsonschema:"the process's id (list_processes gives it)"`
	Filters     string `json:"filters,omitempty" jsonschema:"the API's filters as a query string, e.g. from=2011-01-01&to=2011-06-30&min-duration=7d&case-attr=type%3Dloan; empty for the whole process"`
}

type mapIn struct {
	processIn
	View string `json:"view,omitempty" jsonschema:"frequency (default) or performance"`
}

type conformanceIn struct {
	processIn
	Method string `json:"method,omitempty" jsonschema:"token-replay (default) or alignments"`
	Model  string `json:"model,omitempty" jsonschema:"discovered (default: the model the inductive miner discovers from the view) or reference (the process's reference model)"`
}

type compareIn struct {
	Environment int64  `json:"environment" jsonschema:"the environment's id"`
	Process     int64  `json:"process" jsonschema:"the process's id"`
	A           string `json:"a" jsonschema:"cohort A's filters as a query string, e.g. from=2011-01-01&to=2011-06-30"`
	B           string `json:"b" jsonschema:"cohort B's filters as a query string"`
}

// New is the MCP server for one user's assistant; call makes its API
// requests, observe (may be nil) hears of each tool call.
func New(call Caller, observe Observer, version string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "procmine", Title: "procmine process mining", Version: version}, &mcp.ServerOptions{
		// What a user is answered is the user's own: never to be shared
		// from a cache.
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) { c.CacheScope = "private" },
		Instructions: "procmine answers questions about business processes mined from event logs. Start with list_processes; " +
			"every other tool takes an environment and a process from it, and most take filters (the API's filter parameters as a query string). " +
			"Figures are those the signed-in user may see: for a report reader, groups smaller than the environment's minimum are withheld and counts are noisy.",
	})
	t := tools{call: call, observe: observe}
	mcp.AddTool(s, &mcp.Tool{Name: "list_processes", Description: "The environments the user belongs to and the processes in each that the user may read: ids, names, and how many cases and versions they hold.",
		Annotations: readOnly()}, t.listProcesses)
	report := func(name, route, what string) {
		mcp.AddTool(s, &mcp.Tool{Name: name, Description: what, Annotations: readOnly()},
			func(ctx context.Context, _ *mcp.CallToolRequest, in processIn) (*mcp.CallToolResult, any, error) {
				return t.get(ctx, name, in, route, nil)
			})
	}
	report("get_report", "report", "A process's key figures under the filters: cases, events, activities, variants, case durations (mean, median), rework, start and end activities.")
	report("get_variants", "variants", "A process's variants under the filters, the most frequent first: each variant's activities, its cases and its share.")
	report("get_statistics", "statistics", "A process's statistics under the filters: per activity its frequency and durations, per resource its workload, case durations.")
	mcp.AddTool(s, &mcp.Tool{Name: "get_map", Description: "A process's map under the filters, as JSON: its activities and the paths between them with their frequencies (view frequency) or mean times (view performance).",
		Annotations: readOnly()}, func(ctx context.Context, _ *mcp.CallToolRequest, in mapIn) (*mcp.CallToolResult, any, error) {
		if in.View != "" && in.View != "frequency" && in.View != "performance" {
			return fail("view must be frequency or performance"), nil, nil
		}
		return t.get(ctx, "get_map", in.processIn, "map", url.Values{"format": {"json"}, "view": {cmp.Or(in.View, "frequency")}})
	})
	mcp.AddTool(s, &mcp.Tool{Name: "get_conformance", Description: "How far the process's cases under the filters stray from a model: fitness, precision, and the deviations per activity (activities done where the model does not allow them, and steps the model requires that were skipped). The method (token-based replay or optimal alignments) is said with the figures.",
		Annotations: readOnly()}, func(ctx context.Context, _ *mcp.CallToolRequest, in conformanceIn) (*mcp.CallToolResult, any, error) {
		if in.Method != "" && in.Method != "token-replay" && in.Method != "alignments" {
			return fail("method must be token-replay or alignments"), nil, nil
		}
		if in.Model != "" && in.Model != "discovered" && in.Model != "reference" {
			return fail("model must be discovered or reference"), nil, nil
		}
		extra := url.Values{"method": {cmp.Or(in.Method, "token-replay")}, "format": {"json"}}
		if in.Model != "" {
			extra.Set("model", in.Model)
		}
		return t.get(ctx, "get_conformance", in.processIn, "conformance", extra)
	})
	mcp.AddTool(s, &mcp.Tool{Name: "compare", Description: "Two cohorts of a process's cases side by side (each given by filters): key figures, activities and paths by change, variants that appeared or vanished, and statistical tests of the difference in case durations (Mann-Whitney U) and activity frequencies (two-proportion z, Holm-adjusted), with p-values and effect sizes.",
		Annotations: readOnly()}, func(ctx context.Context, _ *mcp.CallToolRequest, in compareIn) (*mcp.CallToolResult, any, error) {
		return t.get(ctx, "compare", processIn{Environment: in.Environment, Process: in.Process}, "compare", url.Values{"a": {in.A}, "b": {in.B}})
	})
	s.AddResource(&mcp.Resource{URI: "procmine://processes", Name: "processes", MIMEType: "application/json",
		Description: "The environments and the processes in each that the user may read."},
		func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			body, err := t.processes(ctx)
			if t.observe != nil {
				t.observe(ctx, "resource processes", 0, 0, statusOf(err))
			}
			if err != nil {
				return nil, err
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "application/json", Text: string(body)}}}, nil
		})
	return s
}

func readOnly() *mcp.ToolAnnotations {
	no := false
	return &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: &no}
}

type tools struct {
	call    Caller
	observe Observer
}

// fail is a tool's answer that it could not do what was asked, and why.
func fail(why string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: why}}}
}

// get answers a tool with the API's answer to GET
// …/environments/{env}/processes/{id}/{route} with the filters and the
// tool's own parameters (which the filters cannot replace); the API's
// refusal is the tool's error, with its message.
func (t tools) get(ctx context.Context, tool string, in processIn, route string, extra url.Values) (*mcp.CallToolResult, any, error) {
	if in.Environment <= 0 || in.Process <= 0 {
		return fail("environment and process must be the positive ids list_processes gives"), nil, nil
	}
	q, err := url.ParseQuery(in.Filters)
	if err != nil {
		return fail(fmt.Sprintf("filters must be a query string (key=value&…): %v", err)), nil, nil
	}
	for k, v := range extra {
		q[k] = v
	}
	path := fmt.Sprintf("/api/v1/environments/%d/processes/%d/%s", in.Environment, in.Process, route)
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	status, body, err := t.call(ctx, path)
	if t.observe != nil {
		t.observe(ctx, tool, in.Environment, in.Process, status)
	}
	if err != nil {
		return fail(err.Error()), nil, nil // too large an answer, the server gone: the assistant is told
	}
	if status != 200 {
		return fail(apiMessage(status, body)), nil, nil
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.TrimSpace(string(body))}}}, nil, nil
}

// apiMessage is the message of the API's error answer.
func apiMessage(status int, body []byte) string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return fmt.Sprintf("%s (%d %s)", e.Error.Message, status, e.Error.Code)
	}
	return fmt.Sprintf("the API answered %d", status)
}

func (t tools) listProcesses(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	body, err := t.processes(ctx)
	if t.observe != nil {
		t.observe(ctx, "list_processes", 0, 0, statusOf(err))
	}
	if err != nil {
		var refused refusal
		if asRefusal(err, &refused) {
			return fail(string(refused)), nil, nil
		}
		return nil, nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(body)}}}, nil, nil
}

// statusOf is a listing's status for the observer: 200, or 0 when it
// failed.
func statusOf(err error) int {
	if err != nil {
		return 0
	}
	return 200
}

// refusal is the API's refusal of a listing.
type refusal string

func (r refusal) Error() string { return string(r) }

func asRefusal(err error, r *refusal) bool {
	v, ok := err.(refusal)
	if ok {
		*r = v
	}
	return ok
}

// processes lists the user's environments, each with the processes the
// user may read in it.
func (t tools) processes(ctx context.Context) ([]byte, error) {
	status, body, err := t.call(ctx, "/api/v1/environments")
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, refusal(apiMessage(status, body))
	}
	var list struct {
		Environments []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"environments"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("the API's list of environments: %w", err)
	}
	type env struct {
		ID        int64           `json:"environment"`
		Name      string          `json:"name"`
		Processes json.RawMessage `json:"processes"`
	}
	out := []env{}
	for _, e := range list.Environments {
		status, body, err := t.call(ctx, fmt.Sprintf("/api/v1/environments/%d/processes", e.ID))
		if err != nil {
			return nil, err
		}
		if status != 200 {
			continue // an environment the user may not list processes of
		}
		var ps struct {
			Processes json.RawMessage `json:"processes"`
		}
		if err := json.Unmarshal(body, &ps); err != nil {
			return nil, fmt.Errorf("the API's list of processes: %w", err)
		}
		out = append(out, env{ID: e.ID, Name: e.Name, Processes: ps.Processes})
	}
	return json.MarshalIndent(out, "", "  ")
}

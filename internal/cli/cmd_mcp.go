package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// runMCP bridges an AI assistant that starts its tools as programs (MCP
// on standard input and output) to a procmine server's MCP endpoint
// (/api/v1/mcp), with the user's personal access token (PROCMINE_TOKEN).
// The server does everything else: the tools, authorization and
// disclosure control, conditional access, the audit of each call. The
// bridge offers the tools and resources the server lists, and passes
// each call on.
func runMCP(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("mcp", "--server URL (the token in PROCMINE_TOKEN)", s)
	server := fs.String("server", os.Getenv("PROCMINE_SERVER"), "the procmine server's address, e.g. https://procmine.example.com (default: PROCMINE_SERVER)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	base, httpClient, err := serverClient(*server, "procmine-mcp", 15*time.Minute)
	if err != nil {
		return err
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "procmine-mcp", Version: "1"}, nil)
	remote, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base.String() + "/api/v1/mcp",
		HTTPClient: httpClient, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return fmt.Errorf("the procmine server at %s: %w", base.Redacted(), err)
	}
	defer remote.Close()
	tools, err := remote.ListTools(ctx, nil)
	if err != nil {
		return fmt.Errorf("the procmine server's tools: %w", err)
	}
	resources, err := remote.ListResources(ctx, nil)
	if err != nil {
		return fmt.Errorf("the procmine server's resources: %w", err)
	}
	init := remote.InitializeResult()
	local := mcp.NewServer(&mcp.Implementation{Name: "procmine", Version: "1"}, &mcp.ServerOptions{Instructions: init.Instructions})
	for _, tool := range tools.Tools {
		local.AddTool(tool, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return remote.CallTool(ctx, &mcp.CallToolParams{Name: req.Params.Name, Arguments: req.Params.Arguments})
		})
	}
	for _, r := range resources.Resources {
		local.AddResource(r, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return remote.ReadResource(ctx, &mcp.ReadResourceParams{URI: req.Params.URI})
		})
	}
	return local.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(s.In), Writer: nopWriteCloser{s.Out}})
}

// serverClient checks a procmine server's address and returns it with an
// HTTP client that gives the personal access token in PROCMINE_TOKEN to
// that server and nowhere else: https unless the server is this machine,
// no redirect followed.
func serverClient(server, agent string, timeout time.Duration) (*url.URL, *http.Client, error) {
	base, err := url.Parse(strings.TrimSuffix(server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, nil, usagef("--server: an http or https address of a procmine server, e.g. https://procmine.example.com (no query, fragment or user)")
	}
	if base.Scheme == "http" && !loopback(base.Hostname()) {
		return nil, nil, usagef("--server: https, so that the token does not travel in clear text (http only for this machine's own addresses)")
	}
	token := os.Getenv("PROCMINE_TOKEN")
	if token == "" {
		return nil, nil, usagef("PROCMINE_TOKEN: set it to a personal access token (the studio's account page makes one)")
	}
	return base, &http.Client{Timeout: timeout, Transport: bearer{token: token, host: base.Host, agent: agent},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// bearer adds a personal access token to the requests to its host.
type bearer struct{ token, host, agent string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.URL.Host == b.host {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	r.Header.Set("User-Agent", b.agent)
	return http.DefaultTransport.RoundTrip(r)
}

// loopback reports whether a host name is this machine's own.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mcpserver"
	"github.com/procmine/procmine/internal/store"
)

// serveMCP serves the Model Context Protocol over streamable HTTP to an
// assistant signed in with its user's personal access token (conditional
// access applies as to the API). Each tool is a GET of the API made here,
// in-process, with the same token and client address, through the whole
// server — authentication, authorization, disclosure control: the
// assistant receives exactly what the user would. Each call is audited
// as the user's, as mcp.call with the tool's name. Stateless: every
// request is a session of its own.
func (s *Server) serveMCP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "token_required", "an assistant connects with a personal access token (Authorization: Bearer …), not a studio session"))
		return
	}
	whole := s.Handler()
	call := func(ctx context.Context, path string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", auth)
		for _, h := range []string{"User-Agent", "X-Forwarded-For", "X-Request-Id"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		req.RemoteAddr = r.RemoteAddr
		out := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		whole.ServeHTTP(out, req)
		return out.status, out.body.Bytes(), nil
	}
	observe := func(_ context.Context, tool string, env, process int64) {
		target := ""
		if process > 0 {
			target = store.AuditTarget("process", access.ID(process))
		}
		s.auditLog.Record(r, access.ID(env), "mcp.call", target, "tool "+tool)
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return mcpserver.New(call, observe, "1") },
		// The token is what admits a request: a browser page rebinding a
		// name to this address has none (the check the SDK makes for a
		// server on localhost would refuse a server behind a proxy).
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, DisableLocalhostProtection: true})
	h.ServeHTTP(w, r)
}

// bufferedResponse keeps an in-process answer.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

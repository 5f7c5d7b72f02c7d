package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
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
// as the user's, as mcp.call with the tool's name and the API's status,
// in the environment's log once the API let the user in. Stateless and
// one message a request (no batches), at most maxMCPRequest bytes; an
// API answer larger than maxMCPAnswer is a tool error.
func (s *Server) serveMCP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "token_required", "an assistant connects with a personal access token (Authorization: Bearer …), not a studio session"))
		return
	}
	// One message a request: a JSON-RPC batch would run its calls side
	// by side, thousands from one request.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMCPRequest))
	if err != nil {
		response.WriteError(w, r, response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("an MCP message may have at most %d KB", maxMCPRequest>>10)))
		return
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		response.WriteError(w, r, response.Invalid("send one MCP message a request: batches are not taken"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	whole := s.Handler()
	call := func(ctx context.Context, path string) (int, []byte, error) {
		// Marked as an assistant's: what the API audits of it says mcp.
		req, err := http.NewRequestWithContext(request.ViaMCP(ctx), http.MethodGet, path, nil)
		if err != nil {
			return 0, nil, err
		}
		// The caller's token, and where the request came from as the
		// server reads it (every X-Forwarded-For line, as Proxies does).
		req.Header.Set("Authorization", auth)
		req.Header["X-Forwarded-For"] = r.Header.Values("X-Forwarded-For")
		for _, h := range []string{"User-Agent", "X-Request-Id"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		req.RemoteAddr = r.RemoteAddr
		out := &bufferedResponse{header: http.Header{}, status: http.StatusOK, limit: maxMCPAnswer}
		whole.ServeHTTP(out, req)
		if out.over {
			// Answered, and audited as such; not given.
			return out.status, nil, fmt.Errorf("the answer is larger than %d MB, the most an assistant is given: narrow it with filters", maxMCPAnswer>>20)
		}
		return out.status, out.body.Bytes(), nil
	}
	user := request.Caller(r)
	// The calls are the assistant's: audited as made through mcp.
	asMCP := r.WithContext(request.ViaMCP(r.Context()))
	observe := func(_ context.Context, tool string, env, process int64, status int) {
		// Into an environment's log only once the API let the caller in
		// (an answer, or a refusal of what was asked): an outsider
		// writes nothing there. Lists go to the installation's log, at
		// most once a minute per user and tool.
		switch {
		case env > 0 && process > 0 && status != 0 && status != http.StatusUnauthorized && status != http.StatusForbidden && status != http.StatusNotFound:
			s.auditLog.Record(asMCP, access.ID(env), "mcp.call", store.AuditTarget("process", access.ID(process)), fmt.Sprintf("tool %s: %d", tool, status))
		case env == 0 && s.auditLog.Throttle(fmt.Sprintf("mcp|%d|%s", user.ID, tool)):
			s.auditLog.Record(asMCP, 0, "mcp.call", "", fmt.Sprintf("tool %s: %d", tool, status))
		}
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return mcpserver.New(call, observe, "1") },
		// The token is what admits a request: a browser page rebinding a
		// name to this address has none (the check the SDK makes for a
		// server on localhost would refuse a server behind a proxy).
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, DisableLocalhostProtection: true})
	h.ServeHTTP(w, r)
}

// The bounds of an MCP request and of an API answer given to it.
const (
	maxMCPRequest = 64 << 10
	maxMCPAnswer  = 16 << 20
)

// bufferedResponse keeps an in-process answer, up to limit bytes (over
// says it went past).
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
	limit  int
	over   bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	if b.body.Len()+len(p) > b.limit {
		b.over = true
		return 0, errors.New("the answer is too large")
	}
	return b.body.Write(p)
}

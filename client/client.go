// Package client is a Go client of procmine's REST API, generated from
// the API's OpenAPI document (internal/api/openapi.json) by oapi-codegen:
// the types and calls are in client.gen.go; run go generate ./client
// after changing the document (CI checks the two agree).
//
// A caller authenticates with a personal access token:
//
//	c, err := client.NewClientWithResponses(server, client.WithToken(token))
//	stats, err := c.GetProcessStatisticsWithResponse(ctx, env, process, nil)
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../internal/api/openapi.json

import (
	"context"
	"net/http"
)

// WithToken sends token as the bearer of every request.
func WithToken(token string) ClientOption {
	return WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}

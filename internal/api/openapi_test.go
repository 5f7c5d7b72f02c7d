package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIListsEveryRoute: the served document names exactly the
// routes the server registers, no more and no fewer.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	for _, e := range servers(t) {
		c := e.client()
		code, body := c.do("GET", "/api/v1/openapi.json", "", nil)
		if code != 200 {
			t.Fatalf("openapi.json: %d", code)
		}
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
			t.Fatalf("not an OpenAPI 3.1 document: %v", err)
		}
		var documented []string
		for path, methods := range doc.Paths {
			for m := range methods {
				documented = append(documented, strings.ToUpper(m)+" "+path)
			}
		}
		srv := New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		var served []string
		for _, p := range srv.patterns {
			_, path, _ := strings.Cut(p, " ")
			// The studio's pages are not part of the API.
			if strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics" {
				served = append(served, p)
			}
		}
		slices.Sort(documented)
		slices.Sort(served)
		if !slices.Equal(documented, served) {
			for _, p := range served {
				if !slices.Contains(documented, p) {
					t.Errorf("served but not documented: %s", p)
				}
			}
			for _, p := range documented {
				if !slices.Contains(served, p) {
					t.Errorf("documented but not served: %s", p)
				}
			}
		}
		return // one database is enough: the routes do not depend on it
	}
}

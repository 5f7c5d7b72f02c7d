package api

import (
	"encoding/json"
	"fmt"
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

// TestOpenAPIIsComplete: the document is one a client can be generated
// from: every operation has an id; every answer but 204 has a content
// type with a schema; every error is the documented error object; and
// every schema in it says what it holds: a type (or a reference, or a
// choice of schemas), and for an object the fields it may have, closed
// with additionalProperties false, or the one schema of its values (a
// message another standard defines says which, with externalDocs).
func TestOpenAPIIsComplete(t *testing.T) {
	// A valid OpenAPI document, its examples matching their schemas.
	if _, err := loadContract(); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op, ok := o.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			where := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s: operationId %s is also %s's", where, id, other)
			} else {
				ids[id] = where
			}
			if body, ok := op["requestBody"].(map[string]any); ok {
				checkContent(t, where+" request", body)
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			for status, r := range responses {
				resp := r.(map[string]any)
				if status >= "400" {
					if resp["$ref"] != "#/components/responses/Error" {
						t.Errorf("%s %s: an error answer is not the error object", where, status)
					}
					continue
				}
				if status == "204" || strings.HasPrefix(fmt.Sprint(resp["description"]), "No body") {
					if resp["content"] != nil {
						t.Errorf("%s %s: has content", where, status)
					}
					continue
				}
				checkContent(t, where+" "+status, resp)
			}
			for _, p := range asList(op["parameters"]) {
				param := p.(map[string]any)
				checkSchema(t, where+" parameter "+param["name"].(string), param["schema"])
			}
		}
	}
	for name, s := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		checkSchema(t, "schema "+name, s)
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// checkContent: a body or answer names its content types, each with a
// complete schema.
func checkContent(t *testing.T, where string, body map[string]any) {
	t.Helper()
	content, _ := body["content"].(map[string]any)
	if len(content) == 0 {
		t.Errorf("%s: no content", where)
	}
	for ct, m := range content {
		media, _ := m.(map[string]any)
		if media["schema"] == nil {
			t.Errorf("%s %s: no schema", where, ct)
			continue
		}
		checkSchema(t, where+" "+ct, media["schema"])
	}
}

// checkSchema: s and every schema in it says what it holds.
func checkSchema(t *testing.T, where string, v any) {
	t.Helper()
	s, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: no schema", where)
		return
	}
	if s["$ref"] != nil {
		return
	}
	if s["externalDocs"] != nil && s["type"] != nil {
		return // a message another standard defines (MCP, OpenAPI)
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		for i, sub := range asList(s[k]) {
			checkSchema(t, fmt.Sprintf("%s.%s[%d]", where, k, i), sub)
		}
		if s[k] != nil {
			return
		}
	}
	if s["type"] == nil && s["enum"] == nil && s["const"] == nil {
		t.Errorf("%s: no type", where)
	}
	// A type that may be null, ["array", "null"], is checked as the
	// other type.
	typ := s["type"]
	for _, t := range asList(typ) {
		if t != "null" {
			typ = t
		}
	}
	switch typ {
	case "object":
		props, _ := s["properties"].(map[string]any)
		extra := s["additionalProperties"]
		if extra == nil || (extra == true) {
			t.Errorf("%s: an object open to any field: say additionalProperties false, or the schema of its values", where)
		}
		if len(props) == 0 && extra == false {
			t.Errorf("%s: an object with no fields", where)
		}
		for name, p := range props {
			checkSchema(t, where+"."+name, p)
		}
		if m, ok := extra.(map[string]any); ok {
			checkSchema(t, where+".*", m)
		}
		for _, r := range asList(s["required"]) {
			if _, ok := props[r.(string)]; !ok {
				t.Errorf("%s: requires %s, which it does not describe", where, r)
			}
		}
	case "array":
		checkSchema(t, where+"[]", s["items"])
	}
}

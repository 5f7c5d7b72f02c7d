package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/procmine/procmine/internal/http/response"
)

// The API's contract is its OpenAPI document: every request the API
// tests make, and every answer they get, is checked against it. An
// answer that does not match its documented schema, or has a status the
// document does not list, fails the test that asked; so does a request
// the document calls malformed that the server accepted. (The tests send
// malformed requests on purpose: the server must refuse those with a 4xx,
// which the document then describes.)

// contract is openapi.json loaded for checking.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &contract{doc: doc, router: router}, nil
})

// maxChecked is the largest body checked; a larger request or answer
// (a real log uploaded or exported) is checked for its status and type.
const maxChecked = 16 << 20

// checked serves h, checking each API exchange against the contract;
// a breach fails t.
func checked(t testing.TB, h http.Handler) http.Handler {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !inContract(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		route, params, err := c.router.FindRoute(r)
		if err != nil {
			// A path the API does not have must be not found.
			rec := &exchange{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			if rec.status != http.StatusNotFound && rec.status != http.StatusMethodNotAllowed {
				t.Errorf("contract: %s %s is not in openapi.json, yet answered %d", r.Method, r.URL.Path, rec.status)
			}
			return
		}
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, maxChecked+1))
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		}
		rec := &exchange{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status == response.StatusClientGone {
			return // nobody reads this answer
		}
		if rec.status < 300 {
			answered.Store(r.Method+" "+route.Path, true)
		}
		if problem := c.check(r, route, params, body, rec); problem != "" {
			t.Errorf("contract: %s %s → %d: %s", r.Method, route.Path, rec.status, problem)
		}
	})
}

// answered holds the operations the tests had a success answer of
// (2xx), checked against its schema.
var answered sync.Map

// coverage says how many of the document's operations the tests had a
// success answer of, and which they did not.
func coverage() string {
	c, err := loadContract()
	if err != nil {
		return ""
	}
	var all, missed []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			all = append(all, op)
			if _, ok := answered.Load(op); !ok {
				missed = append(missed, op)
			}
		}
	}
	slices.Sort(missed)
	return fmt.Sprintf("contract: %d of %d operations answered with success and checked; not: %s", len(all)-len(missed), len(all), strings.Join(missed, ", "))
}

func inContract(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// check is what is wrong with one exchange, or "".
func (c *contract) check(r *http.Request, route *routers.Route, params map[string]string, body []byte, rec *exchange) string {
	ctx := context.Background()
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            false,
	}
	req := r.Clone(ctx)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if len(body) > maxChecked {
		opts.ExcludeRequestBody = true
	} else {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && rec.status < 400 {
		return fmt.Sprintf("the server accepted a request the document refuses: %v", short(reqErr))
	}
	opts.ExcludeRequestBody = false
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.status, Header: rec.Header(), Options: opts}
	if rec.big {
		opts.ExcludeResponseBody = true
	}
	out.SetBodyBytes(rec.body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Sprintf("the answer breaks the document: %v (body %.300s)", short(err), rec.body.String())
	}
	return ""
}

// short is err without the schema dump kin-openapi appends.
func short(err error) string {
	s := err.Error()
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		s = se.Error()
	}
	if i := strings.Index(s, "\nSchema:"); i >= 0 {
		s = s[:i]
	}
	return s
}

// exchange passes an answer on and keeps its status and up to
// maxChecked of its body.
type exchange struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	big    bool
}

func (r *exchange) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *exchange) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len()+len(b) > maxChecked {
		r.big = true
	} else {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

func (r *exchange) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *exchange) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

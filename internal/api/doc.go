// Package api is procmine's REST API under /api/v1, plus the operational
// endpoints /healthz, /readyz and (opted in) /metrics.
//
// Every handler follows the same steps: who is calling (authenticate),
// decode and validate the body (decode), ask the resolver (authorize),
// call the store, answer with one of the response helpers. Authorization
// lives in authorize.go and nowhere else; errors map to statuses in one
// table (errors.go), and a record the caller may not see is answered
// exactly like one that does not exist.
//
// openapi.json, served at /api/v1/openapi.json, describes every route, and
// a test keeps it in step with the routes registered in server.go.
package api

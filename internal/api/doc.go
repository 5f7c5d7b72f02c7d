// Package api is procmine's REST API under /api/v1, plus the operational
// endpoints /healthz, /readyz and (opted in) /metrics, and the server that
// mounts them with the studio's pages.
//
// Every handler follows the same steps: who is calling (the sign-in
// middleware puts the caller in the request, package request), decode and
// validate the body (request.Decode), ask the authorization layer (package
// authz), call the store, answer with one of the response helpers
// (package response). Authorization lives in authz and nowhere else;
// errors map to statuses in one place (response.WriteError), and a
// record the caller may not see is answered exactly like one that does
// not exist.
//
// openapi.json, served at /api/v1/openapi.json, describes every route, and
// a test keeps it in step with the routes registered in server.go.
package api

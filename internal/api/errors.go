package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/store"
)

// Error is an error the caller may see: an HTTP status, a stable code
// and a message safe to show.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// RetryAfter, when not zero, is sent as Retry-After (seconds).
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// The errors every handler shares. Not found and forbidden records read
// the same, so an answer never tells whether a hidden record exists.
var (
	errUnauthenticated = errorf(http.StatusUnauthorized, "unauthenticated", "sign in or give a valid token")
	errForbidden       = errorf(http.StatusForbidden, "forbidden", "you may not do this")
	errNotFound        = errorf(http.StatusNotFound, "not_found", "no such record")
	errNoEnvironment   = errorf(http.StatusForbidden, "forbidden", "you are not a member of this environment")
)

// writeError answers with the JSON error body {"error":{"code","message"}}.
// Errors that are not *Error are internal: logged, and answered with a
// message that says nothing about them.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if answeredClientGone(w, r, err) {
		return
	}
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrNotFound):
		e = errNotFound
	case errors.Is(err, store.ErrConflict):
		e = errorf(http.StatusConflict, "conflict", "a record with that name exists")
	default:
		slog.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
		e = errorf(http.StatusInternalServerError, "internal", "internal error; the server log has the details")
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.Status, map[string]*Error{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// statusClientGone is the status logged and counted for a request whose
// client went away before its answer (nginx's 499): nobody reads it, and
// it is not the server's error.
const statusClientGone = 499

// answeredClientGone tells whether err is the request's own end (its
// client closed the connection or gave up, and the work stopped for that)
// and, if so, logs it as such and sets statusClientGone: the API's and the
// studio's answer to it.
func answeredClientGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, context.Canceled) || !errors.Is(r.Context().Err(), context.Canceled) {
		return false
	}
	slog.InfoContext(r.Context(), "client went away", "err", err, "method", r.Method, "path", r.URL.Path)
	w.WriteHeader(statusClientGone)
	return true
}

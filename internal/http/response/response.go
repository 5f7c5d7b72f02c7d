// Package response writes what procmine's HTTP handlers answer: JSON
// bodies and the error contract every route shares. The REST API and the
// studio both answer through it, so an error reads the same wherever it
// is met, and errors that are not the caller's to see stay in the log.
package response

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Errorf makes an Error.
func Errorf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// Invalid is a 422 for a well-formed request that asks for something wrong.
func Invalid(format string, args ...any) *Error {
	return Errorf(http.StatusUnprocessableEntity, "invalid", fmt.Sprintf(format, args...))
}

// The errors every handler shares. Not found and forbidden records read
// the same, so an answer never tells whether a hidden record exists.
var (
	ErrUnauthenticated = Errorf(http.StatusUnauthorized, "unauthenticated", "sign in or give a valid token")
	ErrForbidden       = Errorf(http.StatusForbidden, "forbidden", "you may not do this")
	ErrNotFound        = Errorf(http.StatusNotFound, "not_found", "no such record")
	ErrNoEnvironment   = Errorf(http.StatusForbidden, "forbidden", "you are not a member of this environment")
)

// Internal is what the caller is told of an error that is not theirs to
// see; the server log has the error itself.
func Internal() *Error {
	return Errorf(http.StatusInternalServerError, "internal", "internal error; the server log has the details")
}

// As is err as the caller may see it: itself when it is an *Error, the
// store's not-found and conflict in their shared forms, and nil for
// anything else (an internal error, to be logged and answered with
// Internal).
func As(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrConflict):
		return Errorf(http.StatusConflict, "conflict", "a record with that name exists")
	}
	return nil
}

// WriteError answers with the JSON error body {"error":{"code","message"}}.
// Errors that are not *Error are internal: logged, and answered with a
// message that says nothing about them.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if ClientGone(w, r, err) {
		return
	}
	e := As(err)
	if e == nil {
		slog.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
		e = Internal()
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	JSON(w, e.Status, map[string]*Error{"error": e})
}

// JSON answers with v as a JSON body.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// StatusClientGone is the status logged and counted for a request whose
// client went away before its answer (nginx's 499): nobody reads it, and
// it is not the server's error.
const StatusClientGone = 499

// ClientGone tells whether err is the request's own end (its client
// closed the connection or gave up, and the work stopped for that) and,
// if so, logs it as such and sets StatusClientGone: the API's and the
// studio's answer to it.
func ClientGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, context.Canceled) || !errors.Is(r.Context().Err(), context.Canceled) {
		return false
	}
	slog.InfoContext(r.Context(), "client went away", "err", err, "method", r.Method, "path", r.URL.Path)
	w.WriteHeader(StatusClientGone)
	return true
}

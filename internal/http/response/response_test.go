package response

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/store"
)

func TestWriteErrorSaysOnlyWhatTheCallerMaySee(t *testing.T) {
	busy := Errorf(http.StatusServiceUnavailable, "busy", "come back later")
	busy.RetryAfter = 3
	for _, c := range []struct {
		name       string
		err        error
		status     int
		code, text string
	}{
		{"an error for the caller", Errorf(http.StatusForbidden, "forbidden", "no"), 403, "forbidden", "no"},
		{"wrapped", fmt.Errorf("loading: %w", Invalid("field %q is wrong", "x")), 422, "invalid", `field "x" is wrong`},
		{"the store's not found", fmt.Errorf("process 7: %w", store.ErrNotFound), 404, "not_found", "no such record"},
		{"the store's conflict", store.ErrConflict, 409, "conflict", "a record with that name exists"},
		{"anything else", errors.New("pq: password authentication failed for user app"), 500, "internal", "internal error; the server log has the details"},
		{"busy", busy, 503, "busy", "come back later"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest("GET", "/x", nil), c.err)
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != c.status || body.Error.Code != c.code || body.Error.Message != c.text {
				t.Fatalf("answered %d %+v, want %d %s %q", w.Code, body.Error, c.status, c.code, c.text)
			}
			if strings.Contains(w.Body.String(), "pq:") {
				t.Fatalf("an internal error reached the caller: %s", w.Body)
			}
			if got, want := w.Header().Get("Retry-After"), map[bool]string{true: "3"}[c.code == "busy"]; got != want {
				t.Fatalf("Retry-After %q, want %q", got, want)
			}
		})
	}
}

func TestClientGoneIsNotTheServersError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	WriteError(w, r, fmt.Errorf("mining: %w", context.Canceled))
	if w.Code != StatusClientGone || w.Body.Len() != 0 {
		t.Fatalf("answered %d %q, want %d and no body", w.Code, w.Body, StatusClientGone)
	}
	// The same error on a request still open is the server's: its work
	// was stopped by something else.
	w = httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("GET", "/x", nil), context.Canceled)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("answered %d, want 500", w.Code)
	}
}

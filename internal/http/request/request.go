// Package request reads what procmine's HTTP handlers share of a
// request: who is calling (the user, how they signed in, their access
// subject in the environment of the path), the ids in the path, and JSON
// bodies read strictly. The sign-in middleware and the environment check
// put the caller into the context; everything after reads it from here.
package request

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/names"
	"github.com/procmine/procmine/internal/store"
)

type (
	userKey     struct{}
	mfaKey      struct{}
	viaTokenKey struct{}
	viaMCPKey   struct{}
	subjectKey  struct{}
	envKey      struct{}
)

// WithUser marks ctx as the user's, also for the layout workers, which
// run at most a few layouts of one user at once.
func WithUser(ctx context.Context, u store.User) context.Context {
	ctx = dot.WithCaller(ctx, "user "+strconv.FormatInt(int64(u.ID), 10))
	return context.WithValue(ctx, userKey{}, u)
}

// Signed marks ctx as a signed-in user's: whether their session or token
// satisfied multi-factor authentication, and whether they came with a
// personal access token.
func Signed(ctx context.Context, u store.User, mfa, viaToken bool) context.Context {
	ctx = context.WithValue(WithUser(ctx, u), mfaKey{}, mfa)
	return context.WithValue(ctx, viaTokenKey{}, viaToken)
}

// Caller is the signed-in user of an authenticated request.
func Caller(r *http.Request) store.User { return r.Context().Value(userKey{}).(store.User) }

// User is the user ctx belongs to, if any.
func User(ctx context.Context) (store.User, bool) {
	u, ok := ctx.Value(userKey{}).(store.User)
	return u, ok
}

// SatisfiedMFA tells whether the caller's session or token satisfied
// multi-factor authentication.
func SatisfiedMFA(r *http.Request) bool { return r.Context().Value(mfaKey{}) == true }

// ViaToken tells whether the caller came with a personal access token.
func ViaToken(r *http.Request) bool { return r.Context().Value(viaTokenKey{}) == true }

// ViaMCP marks ctx as that of a request an assistant's tool makes on the
// server's own MCP endpoint, in-process: no client can set it.
func ViaMCP(ctx context.Context) context.Context { return context.WithValue(ctx, viaMCPKey{}, true) }

// The apps a request is made through, as the audit records them.
const (
	AppStudio = "studio"
	AppAPI    = "api"
	AppMCP    = "mcp"
)

// App is what a request is made through: an assistant's tool (mcp), a
// personal access token (api), or a session, the studio's (studio); ""
// before the request is signed in.
func App(ctx context.Context) string {
	switch {
	case ctx.Value(viaMCPKey{}) == true:
		return AppMCP
	case ctx.Value(viaTokenKey{}) == true:
		return AppAPI
	case ctx.Value(mfaKey{}) != nil:
		return AppStudio
	}
	return ""
}

// InEnvironment marks ctx as a request in environment env, by a member
// whose access subject there is sub.
func InEnvironment(ctx context.Context, env access.ID, sub *access.Subject) context.Context {
	return context.WithValue(context.WithValue(ctx, subjectKey{}, sub), envKey{}, env)
}

// Subject is the caller's access subject in the environment of the path.
func Subject(r *http.Request) *access.Subject {
	return r.Context().Value(subjectKey{}).(*access.Subject)
}

// Environment is the environment of the path, once its membership was
// checked.
func Environment(r *http.Request) access.ID { return r.Context().Value(envKey{}).(access.ID) }

// PathID is the id in the path segment name; anything but a positive
// number is not found, like an id that names nothing.
func PathID(r *http.Request, name string) (access.ID, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, response.ErrNotFound
	}
	return access.ID(n), nil
}

// MaxBody bounds every JSON request body.
const MaxBody = 1 << 20

// Decode reads a JSON body into v strictly: one object, no unknown fields,
// the right types, at most MaxBody bytes. Its errors say which field and why.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return response.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			return response.Errorf(http.StatusBadRequest, "bad_json", "the body must hold one JSON object")
		}
		return nil
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", MaxBody))
	case errors.As(err, &syntax):
		return response.Errorf(http.StatusBadRequest, "bad_json", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		return response.Errorf(http.StatusBadRequest, "bad_json", fmt.Sprintf("field %q must be a %s", typ.Field, typ.Type))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return response.Errorf(http.StatusBadRequest, "bad_json", "the body is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return response.Errorf(http.StatusBadRequest, "bad_json", "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return response.Errorf(http.StatusBadRequest, "bad_json", "malformed JSON")
}

// CheckName validates a record's name: not blank, no surrounding spaces,
// at most max bytes, and no character a reader would not see (names.Check).
func CheckName(name string, max int) error {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(name) != name || len(name) > max {
		return response.Invalid("name is required: 1 to %d characters, without leading or trailing spaces", max)
	}
	if err := names.Check("name", name); err != nil {
		return response.Invalid("%v", err)
	}
	return nil
}

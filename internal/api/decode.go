package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/names"
)

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body into v strictly: one object, no unknown fields,
// the right types, at most maxBody bytes. Its errors say which field and why.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			return errorf(http.StatusBadRequest, "bad_json", "the body must hold one JSON object")
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
		return errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", maxBody))
	case errors.As(err, &syntax):
		return errorf(http.StatusBadRequest, "bad_json", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		return errorf(http.StatusBadRequest, "bad_json", fmt.Sprintf("field %q must be a %s", typ.Field, typ.Type))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "bad_json", "the body is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errorf(http.StatusBadRequest, "bad_json", "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errorf(http.StatusBadRequest, "bad_json", "malformed JSON")
}

// invalid is a 422 for a well-formed request that asks for something wrong.
func invalid(format string, args ...any) *Error {
	return errorf(http.StatusUnprocessableEntity, "invalid", fmt.Sprintf(format, args...))
}

// checkName validates a record's name: not blank, no surrounding spaces,
// at most max bytes, and no character a reader would not see (names.Check).
func checkName(name string, max int) error {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(name) != name || len(name) > max {
		return invalid("name is required: 1 to %d characters, without leading or trailing spaces", max)
	}
	if err := names.Check("name", name); err != nil {
		return invalid("%v", err)
	}
	return nil
}

// distinctName refuses a name that is, to a reader, one the environment
// already has among records of the same kind (roles, teams or business
// units): names are compared by names.Key, so case, full-width letters
// and other look-alike forms do not make a new name. A custom role may
// not carry a built-in role's name either.
func (s *Server) distinctName(r *http.Request, kind, name string) error {
	var existing []string
	switch kind {
	case "role":
		for _, b := range access.BuiltInRoles() {
			if names.Same(b.Name, name) {
				return invalid("name: %q is the name of a built-in role", b.Name)
			}
		}
		roles, err := s.cfg.Store.Roles(r.Context(), environment(r))
		if err != nil {
			return err
		}
		for _, role := range roles {
			existing = append(existing, role.Name)
		}
	case "team", "business unit":
		list := s.cfg.Store.Teams
		if kind == "business unit" {
			list = s.cfg.Store.BusinessUnits
		}
		named, err := list(r.Context(), environment(r))
		if err != nil {
			return err
		}
		for _, n := range named {
			existing = append(existing, n.Name)
		}
	}
	for _, e := range existing {
		if names.Same(e, name) {
			return errorf(http.StatusConflict, "name_taken", fmt.Sprintf("a %s named %q exists already (names are compared without regard to case or look-alike forms)", kind, e))
		}
	}
	return nil
}

// decodeName reads a body {"name": …} and checks the name.
func decodeName(w http.ResponseWriter, r *http.Request, max int) (string, error) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		return "", err
	}
	return req.Name, checkName(req.Name, max)
}

package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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
// at most max bytes.
func checkName(name string, max int) error {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(name) != name || len(name) > max {
		return invalid("name is required: 1 to %d characters, without leading or trailing spaces", max)
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

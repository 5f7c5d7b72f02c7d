package request

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/http/response"
)

func TestDecodeSaysWhatIsWrong(t *testing.T) {
	type body struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	for _, c := range []struct {
		name, ctype, body string
		status            int
		message           string
	}{
		{"good", "application/json", `{"name":"a","count":2}`, 0, ""},
		{"no content type", "", `{"name":"a"}`, 0, ""},
		{"not JSON", "text/plain", `{"name":"a"}`, 415, "send JSON (Content-Type: application/json)"},
		{"syntax", "application/json", `{"name":`, 400, "the body is empty or cut short"},
		{"bad byte", "application/json", `{"name" "a"}`, 400, "malformed JSON at byte 9"},
		{"wrong type", "application/json", `{"count":"two"}`, 400, `field "count" must be a int`},
		{"unknown field", "application/json", `{"nme":"a"}`, 400, `unknown field "nme"`},
		{"two objects", "application/json", `{"name":"a"}{"name":"b"}`, 400, "the body must hold one JSON object"},
		{"empty", "application/json", ``, 400, "the body is empty or cut short"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "the body is larger than 1048576 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			var v body
			err := Decode(httptest.NewRecorder(), r, &v)
			var e *response.Error
			switch {
			case c.status == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case c.status == 0:
				return
			case !errors.As(err, &e):
				t.Fatalf("error %v (%T), want a *response.Error", err, err)
			case e.Status != c.status || e.Message != c.message:
				t.Fatalf("got %d %q, want %d %q", e.Status, e.Message, c.status, c.message)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"Purchase to pay": true, "": false, " padded": false, "padded ": false,
		strings.Repeat("x", 201): false, "hidden\u200bspace": false, "Ünïcode names": true,
	} {
		if err := CheckName(name, 200); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

package recording

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The checks below are schema.json written out in Go. A schema library
// would read the file itself, but the one that names the failing field
// compiles the JSON Schema metaschemas when the program starts (12 ms
// of every procmine command). The tests hold the two together: every
// document that schema.json (read by that library) accepts or refuses,
// these checks accept or refuse alike (TestChecksAreTheSchema and the
// fuzz targets).

// actions is the schema's enum of step actions.
var actions = []string{"click", "double_click", "right_click", "type", "select", "hotkey", "open",
	"close", "scroll", "drag", "copy", "paste", "switch", "wait", "other"}

// screenshotPath is a screenshot's place in a bundle: the schema's
// pattern, compiled when first used.
var screenshotPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^screenshots/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\.(png|jpg|jpeg)$`)
})

// checkRecording checks recording.json, parsed by parse, against the
// schema.
func checkRecording(v any) *Error {
	o, err := object(v, "", []string{"format", "version", "title", "steps"}, []string{"format", "version", "title", "steps"})
	if err != nil {
		return err
	}
	if s, ok := o["format"].(string); !ok || s != Format {
		return &Error{Field: "format", Msg: fmt.Sprintf("must be %q", Format)}
	}
	if n, ok := o["version"].(json.Number); !ok || n != json.Number(strconv.Itoa(Version)) {
		return &Error{Field: "version", Msg: fmt.Sprintf("must be %d", Version)}
	}
	if err := text(o["title"], "title", 1, 200); err != nil {
		return err
	}
	steps, ok := o["steps"].([]any)
	switch {
	case !ok:
		return wrongType("steps", o["steps"], "an array")
	case len(steps) == 0:
		return &Error{Field: "steps", Msg: "is empty; a recording has at least one step"}
	case len(steps) > MaxSteps:
		return &Error{Field: "steps", Msg: fmt.Sprintf("holds %d steps, more than %d", len(steps), MaxSteps)}
	}
	for i, s := range steps {
		if err := checkStep(s, fmt.Sprintf("steps[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// checkStep checks one step, at path in its document (empty for a step
// on its own).
func checkStep(v any, path string) *Error {
	o, err := object(v, path, []string{"name", "action", "started_at", "ended_at"},
		[]string{"name", "description", "action", "application", "window_title", "element", "input", "started_at", "ended_at", "screenshot", "screenshot_scale"})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name     string
		min, max int
	}{{"name", 1, 500}, {"description", 0, 4000}, {"application", 0, 500}, {"window_title", 0, 2000}, {"input", 0, 65536}} {
		if x, ok := o[f.name]; ok {
			if err := text(x, join(path, f.name), f.min, f.max); err != nil {
				return err
			}
		}
	}
	if a, ok := o["action"].(string); !ok || !slices.Contains(actions, a) {
		return &Error{Field: join(path, "action"), Msg: "must be one of " + strings.Join(actions, ", ")}
	}
	for _, name := range []string{"started_at", "ended_at"} {
		s, ok := o[name].(string)
		if !ok {
			return wrongType(join(path, name), o[name], "a date and time")
		}
		if !isDateTime(s) {
			return &Error{Field: join(path, name), Msg: fmt.Sprintf("%q is not a date and time as RFC 3339 writes it, such as 2026-03-02T09:00:00Z", s)}
		}
	}
	if x, ok := o["screenshot"]; ok {
		s, ok := x.(string)
		if !ok {
			return wrongType(join(path, "screenshot"), x, "a string")
		}
		if !screenshotPath().MatchString(s) {
			return &Error{Field: join(path, "screenshot"), Msg: fmt.Sprintf("%q is not a screenshot's path: screenshots/ and a name of letters, digits, '.', '_' or '-' ending in .png, .jpg or .jpeg", s)}
		}
	}
	if x, ok := o["screenshot_scale"]; ok {
		if err := number(x, join(path, "screenshot_scale"), 0.25, 8); err != nil {
			return err
		}
	}
	if x, ok := o["element"]; ok {
		return checkElement(x, join(path, "element"))
	}
	return nil
}

func checkElement(v any, path string) *Error {
	o, err := object(v, path, nil, []string{"name", "role", "password", "bounds"})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		max  int
	}{{"name", 2000}, {"role", 100}} {
		if x, ok := o[f.name]; ok {
			if err := text(x, join(path, f.name), 0, f.max); err != nil {
				return err
			}
		}
	}
	if x, ok := o["password"]; ok {
		if _, ok := x.(bool); !ok {
			return wrongType(join(path, "password"), x, "true or false")
		}
	}
	x, ok := o["bounds"]
	if !ok {
		return nil
	}
	path = join(path, "bounds")
	b, ok := x.([]any)
	if !ok {
		return wrongType(path, x, "an array")
	}
	if len(b) != 4 {
		return &Error{Field: path, Msg: fmt.Sprintf("holds %d numbers; it is four: x, y, width and height", len(b))}
	}
	for i, x := range b {
		lo := int64(-100000)
		if i >= 2 {
			lo = 0
		}
		field := fmt.Sprintf("%s[%d]", path, i)
		n, ok := x.(json.Number)
		if !ok {
			return wrongType(field, x, "an integer")
		}
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return &Error{Field: field, Msg: fmt.Sprintf("%.40s is not an integer", n)}
		}
		if v < lo || v > 100000 {
			return &Error{Field: field, Msg: fmt.Sprintf("%d is not between %d and 100000", v, lo)}
		}
	}
	return nil
}

// isDateTime tells whether s is a date and time as RFC 3339 writes it
// (2026-03-02T09:00:00.5+01:00), on a day the calendar has. Go's own
// parser is laxer on the form (it takes T9:00:00).
func isDateTime(s string) bool {
	digits := func(t string) bool {
		for _, c := range []byte(t) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		!digits(s[0:4]) || !digits(s[5:7]) || !digits(s[8:10]) || !digits(s[11:13]) || !digits(s[14:16]) || !digits(s[17:19]) {
		return false
	}
	rest := s[19:]
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		n := len(frac) - len(strings.TrimLeft(frac, "0123456789"))
		if n == 0 {
			return false
		}
		rest = frac[n:]
	}
	if rest != "Z" && (len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' || !digits(rest[1:3]) || !digits(rest[4:6]) || rest[1:3] > "23" || rest[4:6] > "59") {
		return false
	}
	var t time.Time
	return t.UnmarshalText([]byte(s)) == nil
}

// object checks that v is an object with the required fields and no
// others than those allowed.
func object(v any, path string, required, allowed []string) (map[string]any, *Error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, wrongType(path, v, "an object")
	}
	for _, name := range required {
		if _, ok := o[name]; !ok {
			return nil, &Error{Field: join(path, name), Msg: "is missing"}
		}
	}
	var extra []string
	for name := range o {
		if !slices.Contains(allowed, name) {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, &Error{Field: join(path, extra[0]), Msg: "is not a field here; the fields are " + strings.Join(allowed, ", ")}
	}
	return o, nil
}

// text checks a string's length in characters, as JSON Schema counts
// them.
func text(v any, path string, min, max int) *Error {
	s, ok := v.(string)
	if !ok {
		return wrongType(path, v, "a string")
	}
	switch n := utf8.RuneCountInString(s); {
	case n < min && min == 1:
		return &Error{Field: path, Msg: "is empty"}
	case n < min:
		return &Error{Field: path, Msg: fmt.Sprintf("holds %d characters, fewer than %d", n, min)}
	case n > max:
		return &Error{Field: path, Msg: fmt.Sprintf("holds %d characters, more than %d", n, max)}
	}
	return nil
}

// number checks a number between lo and hi, inclusive, comparing
// exactly: 8.000000000000000001 is more than 8. A number written with
// more than maxDigits characters is refused before it is compared, as
// exact arithmetic on 1e999999999 would take the server's memory.
func number(v any, path string, lo, hi float64) *Error {
	n, ok := v.(json.Number)
	if !ok {
		return wrongType(path, v, "a number")
	}
	if len(n) > maxDigits {
		return &Error{Field: path, Msg: fmt.Sprintf("is written with %d characters, more than %d", len(n), maxDigits)}
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err == nil && (f == lo || f == hi) {
		// Rounded onto a bound: compare what was written.
		r, _ := new(big.Rat).SetString(string(n))
		b := new(big.Rat).SetFloat64(f)
		if c := r.Cmp(b); c < 0 {
			f = math.Nextafter(f, math.Inf(-1))
		} else if c > 0 {
			f = math.Nextafter(f, math.Inf(1))
		}
	}
	if err != nil || f < lo || f > hi {
		return &Error{Field: path, Msg: fmt.Sprintf("%s is not between %g and %g", n, lo, hi)}
	}
	return nil
}

// maxDigits is the longest number the checks read.
const maxDigits = 64

func wrongType(path string, v any, want string) *Error {
	return &Error{Field: path, Msg: fmt.Sprintf("is %s; it must be %s", jsonKind(v), want)}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "true or false"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

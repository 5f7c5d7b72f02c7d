package recording

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Format and Version identify the bundle format this package reads and writes.
const (
	Format  = "procmine-recording"
	Version = 1
)

// Schema is the JSON Schema of recording.json.
//
//go:embed schema.json
var Schema []byte

// MaxSteps is the most steps a recording holds: a bundle's recording.json
// (the schema's maxItems) and a recording session alike.
const MaxSteps = 10_000

// Recording is the content of recording.json.
type Recording struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	Steps   []Step `json:"steps"`
}

// Step is one action captured on the desktop.
type Step struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Action      string    `json:"action"`
	Application string    `json:"application,omitempty"`
	WindowTitle string    `json:"window_title,omitempty"`
	Element     Element   `json:"element"`
	Input       string    `json:"input,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	EndedAt     time.Time `json:"ended_at"`
	// Screenshot is the bundle path of the step's image, such as
	// screenshots/0001.png; empty when it has none.
	Screenshot string `json:"screenshot,omitempty"`
	// ScreenshotScale is how many of the screenshot's pixels one unit of
	// Element.Bounds spans: a HiDPI display's device pixel ratio, for a
	// recorder that measures elements in logical pixels. Zero (absent)
	// means 1: the bounds are in the screenshot's pixels.
	ScreenshotScale float64 `json:"screenshot_scale,omitempty"`
}

// ScreenshotBounds is the element's bounds in the screenshot's pixels:
// multiplied by ScreenshotScale and rounded outward, so that the
// rectangle covers every pixel the element touches. Nil when unknown.
func (s Step) ScreenshotBounds() *Bounds {
	b := s.Element.Bounds
	if b == nil || s.ScreenshotScale <= 0 || s.ScreenshotScale == 1 {
		return b
	}
	k := s.ScreenshotScale
	x0, y0 := math.Floor(float64(b[0])*k), math.Floor(float64(b[1])*k)
	x1, y1 := math.Ceil(float64(b[0]+b[2])*k), math.Ceil(float64(b[1]+b[3])*k)
	return &Bounds{int(x0), int(y0), int(x1 - x0), int(y1 - y0)}
}

// Element is the UI element a step acted on.
type Element struct {
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
	// Password marks a field whose content is hidden on screen.
	Password bool `json:"password,omitempty"`
	// Bounds is x, y, width and height in screen pixels; nil when unknown.
	Bounds *Bounds `json:"bounds,omitempty"`
}

// Bounds is a rectangle: x, y, width, height.
type Bounds [4]int

// IsPassword tells whether the element is a password field, by its flag
// or its role.
func (e Element) IsPassword() bool {
	return e.Password || strings.EqualFold(e.Role, "password") || strings.EqualFold(e.Role, "password_field")
}

// Error is a bundle that cannot be read: which file, which field (a path
// such as steps[3].started_at, empty for the file as a whole) and why.
type Error struct {
	File  string
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Field + ": " + e.Msg
}

const jsonName = "recording.json"

// Decode reads and checks recording.json.
func Decode(data []byte) (*Recording, error) {
	v, err := parse(jsonName, data)
	if err != nil {
		return nil, err
	}
	if err := checkRecording(v); err != nil {
		err.File = jsonName
		return nil, err
	}
	return decodeChecked(data)
}

// decodeChecked reads recording.json that the schema accepts, and checks
// what the schema cannot say.
func decodeChecked(data []byte) (*Recording, error) {
	var rec Recording
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, &Error{File: jsonName, Msg: err.Error()}
	}
	if strings.ContainsRune(rec.Title, 0) {
		return nil, &Error{File: jsonName, Field: "title", Msg: "holds a NUL character"}
	}
	for i := range rec.Steps {
		if err := rec.Steps[i].check(); err != nil {
			err.File, err.Field = jsonName, fmt.Sprintf("steps[%d].%s", i, err.Field)
			return nil, err
		}
		if i > 0 && rec.Steps[i].StartedAt.Before(rec.Steps[i-1].StartedAt) {
			return nil, &Error{File: jsonName, Field: fmt.Sprintf("steps[%d].started_at", i), Msg: "starts before the step before it; steps are in the order they happened"}
		}
	}
	return &rec, nil
}

// DecodeStep reads and checks one step in the JSON form of recording.json,
// as a recording session receives it. name says where it came from.
func DecodeStep(name string, data []byte) (Step, error) {
	v, err := parse(name, data)
	if err != nil {
		return Step{}, err
	}
	if err := checkStep(v, ""); err != nil {
		err.File = name
		return Step{}, err
	}
	return decodeCheckedStep(name, data)
}

// decodeCheckedStep is decodeChecked for one step.
func decodeCheckedStep(name string, data []byte) (Step, error) {
	var s Step
	if err := json.Unmarshal(data, &s); err != nil {
		return Step{}, &Error{File: name, Msg: err.Error()}
	}
	if err := s.check(); err != nil {
		err.File = name
		return Step{}, err
	}
	return s, nil
}

// check says what the schema cannot.
func (s *Step) check() *Error {
	for _, f := range []struct{ name, text string }{{"name", s.Name}, {"description", s.Description}, {"application", s.Application},
		{"window_title", s.WindowTitle}, {"element.name", s.Element.Name}, {"element.role", s.Element.Role}, {"input", s.Input}} {
		if strings.ContainsRune(f.text, 0) {
			return &Error{Field: f.name, Msg: "holds a NUL character"}
		}
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"started_at", s.StartedAt}, {"ended_at", s.EndedAt}} {
		if f.t.Year() < 1970 || f.t.Year() > 2200 {
			return &Error{Field: f.name, Msg: "is not between the years 1970 and 2200"}
		}
	}
	if s.EndedAt.Before(s.StartedAt) {
		return &Error{Field: "ended_at", Msg: "is before started_at"}
	}
	return nil
}

// parse reads JSON keeping numbers exact, with line numbers in errors.
func parse(name string, data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	if err == nil {
		if _, extra := d.Token(); extra != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err == nil {
		return v, nil
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return nil, &Error{File: name, Msg: fmt.Sprintf("line %d: %s", lineAt(data, syntax.Offset), syntax.Error())}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Msg: "not JSON: the text ends early"}
	}
	return nil, &Error{File: name, Msg: "line " + strconv.Itoa(lineAt(data, d.InputOffset())) + ": " + err.Error()}
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

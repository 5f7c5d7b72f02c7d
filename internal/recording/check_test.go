package recording

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaOracle compiles schema.json with a JSON Schema library: the
// whole recording and one step.
var schemaOracle = sync.OnceValues(func() (*jsonschema.Schema, *jsonschema.Schema) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("recording.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("recording.json"), c.MustCompile("recording.json#/$defs/step")
})

// longNumber finds a number written with more than maxDigits characters,
// which the checks refuse and the schema reads.
var longNumber = regexp.MustCompile(`[-0-9.eE+]{65,}`)

// sameAsSchema fails when Decode (step false) or DecodeStep (step true)
// and schema.json, followed by the same checks of what a schema cannot
// say, disagree on data.
func sameAsSchema(t *testing.T, data []byte, step bool) {
	t.Helper()
	v, err := parse("x", data)
	if err != nil {
		return
	}
	whole, one := schemaOracle()
	sch, ours := whole, func() error { _, err := Decode(data); return err }
	rest := func() error { _, err := decodeChecked(data); return err }
	if step {
		sch, ours = one, func() error { _, err := DecodeStep("x", data); return err }
		rest = func() error { _, err := decodeCheckedStep("x", data); return err }
	}
	schemaErr, crashed := validateOrCrash(sch, v)
	if crashed {
		// The library panics on some numbers (1e999999999 for a
		// bound); the checks must refuse those.
		if ours() == nil {
			t.Fatalf("%s: the schema library crashes and the checks accept", data)
		}
		return
	}
	want := schemaErr == nil && rest() == nil
	got := ours()
	if want == (got == nil) {
		return
	}
	if got != nil && longNumber.Match(data) && strings.Contains(got.Error(), "characters, more than 64") {
		return
	}
	t.Fatalf("%s\nschema.json says %v, the checks say %v", data, schemaErr, got)
}

func validateOrCrash(sch *jsonschema.Schema, v any) (err error, crashed bool) {
	defer func() {
		if recover() != nil {
			crashed = true
		}
	}()
	return sch.Validate(v), false
}

// TestChecksAreTheSchema: the Go checks accept and refuse what
// schema.json accepts and refuses, each refusal naming its field.
func TestChecksAreTheSchema(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(goodJSON, old) {
			t.Fatalf("%q is not in the recording", old)
		}
		return strings.Replace(goodJSON, old, new, 1)
	}
	for _, c := range []struct{ doc, want string }{
		{goodJSON, ""},
		{`[]`, "recording.json: is an array; it must be an object"},
		{replace(`"format": "procmine-recording"`, `"format": "other"`), `recording.json: format: must be "procmine-recording"`},
		{replace(`"version": 1`, `"version": 2`), "recording.json: version: must be 1"},
		{replace(`"version": 1`, `"version": 1.0`), "recording.json: version: must be 1"},
		{replace(`"version": 1,`, ``), "recording.json: version: is missing"},
		{replace(`"version": 1`, `"version": 1, "extra": 1`), "recording.json: extra: is not a field here"},
		{replace(`"Approve an invoice"`, `""`), "recording.json: title: is empty"},
		{replace(`"Approve an invoice"`, `"`+strings.Repeat("é", 201)+`"`), "recording.json: title: holds 201 characters, more than 200"},
		{replace(`"Approve an invoice"`, `"`+strings.Repeat("é", 200)+`"`), ""},
		{replace(`"Approve an invoice"`, `7`), "recording.json: title: is a number; it must be a string"},
		{`{"format": "procmine-recording", "version": 1, "title": "t", "steps": []}`, "recording.json: steps: is empty"},
		{replace(`"action": "type"`, `"action": "teleport"`), "recording.json: steps[1].action: must be one of click, double_click"},
		{replace(`"action": "type"`, `"action": null`), "recording.json: steps[1].action: must be one of"},
		{replace(`"name": "Type amount", `, ``), "recording.json: steps[1].name: is missing"},
		{replace(`"input": "1200.00"`, `"input": "1200.00", "typed": "x"`), "recording.json: steps[1].typed: is not a field here"},
		{replace(`"2026-03-02T09:00:04Z", "ended_at"`, `"yesterday", "ended_at"`), `recording.json: steps[1].started_at: "yesterday" is not a date and time`},
		{replace(`"2026-03-02T09:00:04Z", "ended_at"`, `"2026-03-02 09:00:04Z", "ended_at"`), `steps[1].started_at: "2026-03-02 09:00:04Z" is not a date and time`},
		{replace(`"2026-03-02T09:00:04Z", "ended_at"`, `"2026-02-30T09:00:04Z", "ended_at"`), `steps[1].started_at:`},
		{replace(`"2026-03-02T09:00:04Z", "ended_at"`, `"2026-03-02T09:00:04+01:00", "ended_at"`), `steps[1].started_at: starts before the step before it`},
		{replace(`[10, 20, 120, 24]`, `[10, 20, -1, 24]`), "recording.json: steps[1].element.bounds[2]: -1 is not between 0 and 100000"},
		{replace(`[10, 20, 120, 24]`, `[-100000, 20, 100000, 24]`), ""},
		{replace(`[10, 20, 120, 24]`, `[-100001, 20, 120, 24]`), "steps[1].element.bounds[0]: -100001 is not between -100000 and 100000"},
		{replace(`[10, 20, 120, 24]`, `[10, 20, 120.5, 24]`), "steps[1].element.bounds[2]: 120.5 is not an integer"},
		{replace(`[10, 20, 120, 24]`, `[10, 20, "120", 24]`), "steps[1].element.bounds[2]: is a string; it must be an integer"},
		{replace(`[10, 20, 120, 24]`, `[10, 20, 120]`), "steps[1].element.bounds: holds 3 numbers; it is four"},
		{replace(`"role": "edit"`, `"role": "edit", "password": "yes"`), "steps[1].element.password: is a string; it must be true or false"},
		{replace(`"role": "edit"`, `"role": "edit", "id": 3`), "steps[1].element.id: is not a field here"},
		{replace(`"screenshots/0001.png"`, `"../0001.png"`), `steps[0].screenshot: "../0001.png" is not a screenshot's path`},
		{replace(`"screenshots/0001.png"`, `"screenshots/0001.png", "screenshot_scale": 8`), ""},
		{replace(`"screenshots/0001.png"`, `"screenshots/0001.png", "screenshot_scale": 8.0000000000000000001`), "steps[0].screenshot_scale: 8.0000000000000000001 is not between 0.25 and 8"},
		{replace(`"screenshots/0001.png"`, `"screenshots/0001.png", "screenshot_scale": 0.2499999999999999999`), "steps[0].screenshot_scale: 0.2499999999999999999 is not between 0.25 and 8"},
		{replace(`"screenshots/0001.png"`, `"screenshots/0001.png", "screenshot_scale": 1e999999999`), "steps[0].screenshot_scale: 1e999999999 is not between 0.25 and 8"},
		{replace(`"screenshots/0001.png"`, `"screenshots/0001.png", "screenshot_scale": 2`+strings.Repeat("0", 70)+`e-70`), "steps[0].screenshot_scale: is written with 75 characters, more than 64"},
	} {
		_, err := Decode([]byte(c.doc))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%.80s: %v", c.doc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%.80s: got %v, want %q", c.doc, err, c.want)
		}
		t.Run("", func(t *testing.T) { sameAsSchema(t, []byte(c.doc), false) })
	}
}

// FuzzChecksAreTheSchema: on any document, the checks and schema.json
// agree.
func FuzzChecksAreTheSchema(f *testing.F) {
	f.Add([]byte(goodJSON), false)
	f.Add([]byte(`{"name":"Sign in","action":"type","element":{"role":"password","bounds":[1,2,3,4]},"input":"x","started_at":"2026-03-02T09:00:00+01:00","ended_at":"2026-03-02T09:00:01+01:00","screenshot":"screenshots/a.jpeg","screenshot_scale":0.25}`), true)
	f.Add([]byte(`{"name":"x","action":"click","started_at":"2026-03-02T09:00:00.123456789-23:59","ended_at":"2026-03-02t23:00:00z"}`), true)
	f.Fuzz(func(t *testing.T, data []byte, step bool) {
		if !json.Valid(data) {
			return
		}
		sameAsSchema(t, data, step)
	})
}

package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// TestLimits: files past a limit on their parts are refused with a
// ParseError that names the file, the line and the limit, before the
// reader holds more than the limit; files just inside pass.
func TestLimits(t *testing.T) {
	xesEvent := func(attrs string) string {
		return `<log><trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="a"/>` + attrs + `</event></trace></log>`
	}
	nested := func(depth int) string {
		return xesEvent(strings.Repeat(`<container key="k">`, depth) + strings.Repeat(`</container>`, depth))
	}
	manyAttrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<int key="k%d" value="1"/>`, i)
		}
		return xesEvent(b.String())
	}
	csvHeader := "case,activity"
	wide := func(n int) string {
		var b strings.Builder
		b.WriteString(csvHeader)
		for i := range n - 2 {
			fmt.Fprintf(&b, ",c%d", i)
		}
		b.WriteString("\n1,a" + strings.Repeat(",", n-2) + "\n")
		return b.String()
	}
	for _, c := range []struct {
		name, file, content string
		want                string // "" when it must pass
		line                int
	}{
		{"XML nested too deep", "deep.xes", nested(eventlog.MaxDepth), "nested more than 64 deep", 1},
		{"XML nested deep enough", "deep.xes", nested(eventlog.MaxDepth - 4), "", 0},
		{"an XML element too long", "long.xes", xesEvent(`<string key="note" value="` + strings.Repeat("x", eventlog.MaxRun) + `"/>`), "longer than 16 MiB", 1},
		{"text between XML elements too long", "text.xes", "<log>\n" + strings.Repeat("y", eventlog.MaxRun+1) + "</log>", "longer than 16 MiB", 2},
		{"an XML element just long enough", "long.xes", xesEvent(`<string key="note" value="` + strings.Repeat("x", eventlog.MaxRun-100) + `"/>`), "", 0},
		{"too many attributes in an event", "wide.xes", manyAttrs(eventlog.MaxAttrs + 1), "more than 100000 attributes in one element", 1},
		{"a CSV line too long", "long.csv", csvHeader + ",note\n1,a," + strings.Repeat("z", eventlog.MaxLine) + "\n", "a record longer than 4 MiB", 2},
		{"a quoted CSV field over many lines", "quoted.csv", csvHeader + ",note\n1,a,\"" + strings.Repeat("z\n", eventlog.MaxLine/2+1) + "\"\n", "a record longer than 4 MiB", 2},
		{"quotes and newlines within the limit", "quoted.csv", csvHeader + ",note\n1,a,\"" + strings.Repeat("z\n\"\"", 1000) + "\"\n", "", 0},
		{"a CSV field too long", "field.csv", csvHeader + ",note\n1,a," + strings.Repeat("z", eventlog.MaxField+1) + "\n", `column "note": a field longer than 1 MiB`, 2},
		{"a CSV field just long enough", "field.csv", csvHeader + ",note\n1,a," + strings.Repeat("z", eventlog.MaxField) + "\n", "", 0},
		{"too many CSV columns", "wide.csv", wide(eventlog.MaxColumns + 1), "a record with more than 10000 fields", 1},
		{"a line of commas", "commas.csv", csvHeader + "\n1,a" + strings.Repeat(",", eventlog.MaxColumns) + "\n", "a record with more than 10000 fields", 2},
		{"CSV columns just enough", "wide.csv", wide(eventlog.MaxColumns), "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A file of 10,000 columns is past the 1,000 attribute keys a
			// log may have by default; here the record limit is tested.
			l, err := Read(bytes.NewReader([]byte(c.content)), c.file, Options{Budget: eventlog.Budget{MaxKeys: eventlog.MaxColumns}})
			if c.want == "" {
				if err != nil || l.NumEvents() != 1 {
					t.Fatalf("want one event, got %v", err)
				}
				return
			}
			var pe *eventlog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want a ParseError, got %v", err)
			}
			if !strings.Contains(pe.Error(), c.want) || pe.File != c.file || pe.Line != c.line {
				t.Errorf("got %q (file %q, line %d), want %q at %s:%d", pe.Error(), pe.File, pe.Line, c.want, c.file, c.line)
			}
		})
	}
}

package xes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs"
)

func read(t *testing.T, doc string) (*eventlog.Log, error) {
	t.Helper()
	return Read(strings.NewReader(doc), "t.xes", Options{})
}

func TestReadSmall(t *testing.T) {
	l, err := read(t, `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<log xes.version="1849.2016">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="source" value="test &amp; more"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <int key="priority" value="3"/>
    <event>
      <string key="concept:name" value="register &lt;R&gt;"/>
      <date key="time:timestamp" value="2020-01-01T10:00:00+01:00"/>
      <string key="org:resource" value="Ann"/>
      <float key="cost" value="12.5"/>
      <list key="items"><values><string key="item" value="x"/><int key="n" value="2"/></values></list>
    </event>
    <event>
      <string key="concept:name" value="check"/>
      <date key="time:timestamp" value="2020-01-01T08:30:00Z"/>
      <boolean key="ok" value="true"/>
      <container key="box"><id key="ref" value="abc"/></container>
    </event>
  </trace>
  <trace><string key="concept:name" value="c2"/></trace>
</log>`)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.NumCases() != 1 || l.NumEvents() != 2 {
		t.Fatalf("%d cases, %d events; want 1, 2 (the empty trace is dropped)", l.NumCases(), l.NumEvents())
	}
	// 08:30Z comes before 10:00+01:00 (09:00Z): sorted by time.
	if l.ActivityName(0) != "check" || l.ActivityName(1) != "register <R>" {
		t.Errorf("activities %q, %q", l.ActivityName(0), l.ActivityName(1))
	}
	if l.ResourceName(1) != "Ann" || l.ResourceName(0) != "" {
		t.Errorf("resources %q, %q", l.ResourceName(0), l.ResourceName(1))
	}
	if v, ok := l.CaseAttrs.Get(0, "priority"); !ok || v.Kind != eventlog.KindInt || v.Num != 3 {
		t.Errorf("case attribute priority = %+v", v)
	}
	items := l.EventAttrs.Of(1)
	if len(items) != 2 || items[1].Key != "items" || len(items[1].Children) != 2 || items[1].Children[1].Value.Num != 2 {
		t.Errorf("nested list not kept: %+v", items)
	}
	if v, _ := l.EventAttrs.Get(1, "cost"); v.Float() != 12.5 {
		t.Errorf("cost = %v", v.Float())
	}
	if len(l.Meta.Extensions) != 1 || len(l.Meta.Globals) != 1 || len(l.Meta.Classifiers) != 1 || l.Meta.Attrs[0].Value.Str != "test & more" {
		t.Errorf("meta not kept: %+v", l.Meta)
	}
}

// TestReadErrors checks that bad input is refused with the file, the line,
// the element and the reason.
func TestReadErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not xes", `<html></html>`, `t.xes:1: <html>: unknown element`},
		{"empty", ``, `t.xes:1: no <log> element`},
		{"truncated", "<log>\n<trace>\n<event>", "t.xes:3: unexpected end of file inside <event>"},
		{"mismatched", "<log>\n<trace>\n</log>", "t.xes:3: </log>: expected </trace>"},
		{"stray end", "<log></log>\n</trace>", "t.xes:2: </trace>: end tag without a start tag"},
		{"no activity", "<log><trace>\n<event>\n<date key=\"time:timestamp\" value=\"2020-01-01\"/>\n</event></trace></log>", "t.xes:2: <event>: event has no concept:name (activity)"},
		{"bad date", "<log><trace><event>\n<string key=\"concept:name\" value=\"a\"/>\n<date key=\"time:timestamp\" value=\"yesterday\"/></event></trace></log>", `t.xes:3: <date>: time:timestamp "yesterday" is not a date`},
		{"bad int", "<log><trace>\n<int key=\"n\" value=\"x1\"/></trace></log>", `t.xes:2: <int>: "x1" is not a valid int value for attribute "n"`},
		{"no value", "<log><trace>\n<string key=\"n\"/></trace></log>", `t.xes:2: <string>: attribute "n" has no value`},
		{"no key", "<log><trace>\n<string value=\"n\"/></trace></log>", `t.xes:2: <string>: attribute without a key`},
		{"event outside trace", "<log>\n<event/></log>", "t.xes:2: <event>: <event> must be directly inside <trace>"},
		{"second log", "<log></log><log></log>", "t.xes:1: <log>: nested or second <log>"},
		{"unquoted", "<log><trace>\n<string key=n value=\"x\"/></trace></log>", "t.xes:2: <string>: malformed attribute"},
		{"bad entity", "<log><trace>\n<string key=\"n\" value=\"&bogus;\"/></trace></log>", "t.xes:2: <string>: attribute value: invalid escape sequence"},
		{"entity bomb", "<!DOCTYPE log [<!ENTITY a \"aaaa\">]><log></log>", "<!DOCTYPE>: entity declarations are not allowed"},
		{"empty activity", "<log><trace><event>\n<string key=\"concept:name\" value=\"\"/></event></trace></log>", "t.xes:1: <event>: event has an empty concept:name"},
		{"time out of range", "<log><trace><event>\n<string key=\"concept:name\" value=\"a\"/>\n<date key=\"time:timestamp\" value=\"1700-01-01T00:00:00Z\"/></event></trace></log>", `t.xes:3: <date>: time:timestamp "1700-01-01T00:00:00Z" is outside the years 1850 to 2140`},
		{"bad utf8", "<log><trace>\n<string key=\"n\" value=\"\xff\"/></trace></log>", "t.xes:2: <string>: attribute value is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := read(t, tt.doc)
			if err == nil {
				t.Fatalf("no error; read %d events", l.NumEvents())
			}
			var pe *eventlog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\n does not contain %q", err, tt.want)
			}
		})
	}
}

// TestReadAllSharedLogs reads every shared XES log; xes_20.xes is the one
// that must fail, as its only event has no activity.
func TestReadAllSharedLogs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testlogs.Dir(t), "xes", "*.xes*"))
	if len(files) < 20 {
		t.Fatalf("found %d XES logs", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			l, err := readFile(path)
			if filepath.Base(path) == "xes_20.xes" {
				if err == nil || !strings.Contains(err.Error(), "xes_20.xes:3: <event>: event has no concept:name") {
					t.Fatalf("want the missing activity error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func readFile(path string) (*eventlog.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := eventlog.Decompress(f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Read(r, path, Options{})
}

// TestRoundTrip writes every shared log back as XES and reads it again:
// the same cases, events, times and attributes.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testlogs.Dir(t), "xes", "*.xes*"))
	for _, path := range files {
		if filepath.Base(path) == "xes_20.xes" {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			l, err := readFile(path)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, l)
		})
	}
}

// TestNestedAttributes: members of a list inside a container belong to the
// list, and a trace name with meta attributes still names the case.
func TestNestedAttributes(t *testing.T) {
	l, err := read(t, `<log><trace>
<string key="concept:name" value="c1"><string key="source" value="crm"/></string>
<event><string key="concept:name" value="a"/>
<container key="box"><list key="lst"><values><string key="x" value="1"/><string key="y" value="2"/></values></list><int key="n" value="3"/></container>
</event></trace></log>`)
	if err != nil {
		t.Fatal(err)
	}
	if l.CaseIDs[0] != "c1" || len(l.Warnings) != 0 {
		t.Errorf("case %q, warnings %v", l.CaseIDs[0], l.Warnings)
	}
	box := l.EventAttrs.Of(0)[0]
	if box.Key != "box" || len(box.Children) != 2 || box.Children[0].Key != "lst" || len(box.Children[0].Children) != 2 || box.Children[1].Key != "n" {
		t.Fatalf("box = %+v", box)
	}
	if meta := l.CaseAttrs.Of(0); len(meta) != 1 || meta[0].Children[0].Key != "source" {
		t.Errorf("trace name meta attributes: %+v", meta)
	}
	roundTrip(t, l)
}

// TestDuplicateTraceNamesMerge: traces sharing a name are one case, as in
// PM4Py and as in a CSV file.
func TestDuplicateTraceNamesMerge(t *testing.T) {
	l, err := read(t, `<log>
<trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event></trace>
<trace><string key="concept:name" value="c2"/><event><string key="concept:name" value="b"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event></trace>
<trace><event><string key="concept:name" value="z"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event><string key="concept:name" value="c1"/></trace>
</log>`)
	if err != nil {
		t.Fatal(err)
	}
	if l.NumCases() != 2 || l.CaseIDs[0] != "c1" || l.NumEvents() != 3 {
		t.Fatalf("cases %v, %d events", l.CaseIDs, l.NumEvents())
	}
	if lo, hi := l.Events(0); hi-lo != 2 || l.ActivityName(lo+1) != "z" {
		t.Errorf("case c1 has %d events", hi-lo)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "1 traces repeat the name of an earlier trace") {
		t.Errorf("warnings %v", l.Warnings)
	}
}

package xes

import (
	"bytes"
	"errors"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// FuzzRead feeds arbitrary bytes to the XES reader. It must never panic or
// hang; what it accepts must be a valid log that survives a write and a
// second read unchanged; what it refuses must be refused with a ParseError.
// Seeds are in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`<log><trace><string key="concept:name" value="1"/><event><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T00:00:00+01:00"/></event></trace></log>`))
	f.Add([]byte(`<?xml version="1.0"?><log xes.version="1.0"><global scope="event"><string key="concept:name" value="x"/></global><trace><event><string key="concept:name" value="a"/><string key="lifecycle:transition" value="start"/><list key="l"><values><int key="i" value="1"/></values></list></event></trace></log>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		l, err := Read(bytes.NewReader(doc), "f.xes", Options{})
		if err != nil {
			var pe *eventlog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatal(err)
		}
		roundTrip(t, l)
	})
}

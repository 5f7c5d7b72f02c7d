package csvlog

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// FuzzRead feeds arbitrary text to the CSV reader: no panic, only
// ParseErrors, the same log or error however the text is cut into chunks,
// and every accepted log survives a write and a second read.
// Seeds are in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte("case:concept:name,concept:name,time:timestamp,org:resource,case:x,y\n1,a,2020-01-01 10:00:00+01:00,Ann,u,3\n1,b,2020-01-01T11:00:00Z,,u,\n2,a,2020/01/02 09:00:00.000,Bob,v,2.5\n"))
	f.Add([]byte("Case ID;Activity;Start Timestamp;End Timestamp\nc1;x;2021-03-01;2021-03-02\nc1;\"y;z\";2021-03-03;\n"))
	f.Add([]byte("caseid\tactivity\tlifecycle:transition\n1\ta\tstart\n1\ta\tcomplete\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		l, err := Read(bytes.NewReader(doc), "f.csv", Mapping{})
		// Read in chunks of a few bytes, by several workers, the file
		// gives the same log or the same error.
		small, serr := readInChunks(doc, 7)
		if fmt.Sprint(err) != fmt.Sprint(serr) || (err == nil && !reflect.DeepEqual(l, small)) {
			t.Fatalf("whole: %v\nin chunks: %v", err, serr)
		}
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
		var buf bytes.Buffer
		if err := Write(&buf, l); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&buf, "back.csv", Mapping{})
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, buf.Bytes())
		}
		sameEvents(t, l, back)
	})
}

// readInChunks is Read with chunks of size bytes (more when a record is
// longer).
func readInChunks(doc []byte, size int) (*eventlog.Log, error) {
	defer func(was int) { chunkSize = was }(chunkSize)
	chunkSize = size
	return Read(bytes.NewReader(doc), "f.csv", Mapping{})
}

// FuzzReadPreview feeds arbitrary samples, and a mapping that names
// columns or not, to the upload's preview: no panic, only ParseErrors, at
// most the rows asked for, and a row said to read is one Read reads.
// Seeds are in testdata/fuzz/FuzzReadPreview.
func FuzzReadPreview(f *testing.F) {
	f.Add([]byte("id;task;when\nc1;a;2011-10-11 13:45:40\nc1;b;2011-10-12\n"), "id", "task", "when", "")
	f.Add([]byte("case:concept:name,concept:name,time:timestamp\n1,a,2020-01-01T10:00:00Z\n2,\"b,c\",bad\n"), "", "", "", "")
	f.Add([]byte("a\tb\tc\n1\t2\t3"), "a", "b", "c", "%d/%m/%Y")
	f.Add([]byte("\xef\xbb\xbfx|y|z\n\"unterminated|1|2\n"), "x", "y", "z", "2006-01-02")
	f.Fuzz(func(t *testing.T, sample []byte, caseCol, actCol, timeCol, format string) {
		if len(sample) > MaxPreview {
			return
		}
		m := Mapping{Case: caseCol, Activity: actCol, Start: timeCol, TimestampFormat: format}
		p, err := ReadPreview(sample, "f.csv", m, 5)
		if err != nil {
			var pe *eventlog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		if len(p.Rows) > 5 {
			t.Fatalf("%d rows for at most 5", len(p.Rows))
		}
		for _, r := range p.Rows {
			if r.Line < 2 {
				t.Fatalf("row on line %d, below the header", r.Line)
			}
		}
	})
}

package csvlog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// splitAll reads every record of data, in pieces cut where cut says
// (at most every `every` bytes; 0 reads data whole), and returns them
// with their lines, up to the first error.
func splitAll(data []byte, delim rune, every int) (recs [][]string, lines []int, err error) {
	s := newSplitter("f.csv", delim)
	line := 1
	for len(data) > 0 {
		piece := data
		if every > 0 && len(data) > every {
			if n := cut(data[:every]); n > 0 {
				piece = data[:n]
			} else if n := cut(data); n > 0 {
				piece = data[:n]
			}
		}
		s.reset(piece, line)
		for {
			rec, at, err := s.record()
			if err == io.EOF {
				break
			}
			if err != nil {
				return recs, lines, err
			}
			recs = append(recs, append([]string(nil), rec...))
			lines = append(lines, at)
		}
		line += bytes.Count(piece, []byte{'\n'})
		data = data[len(piece):]
	}
	return recs, lines, nil
}

// stdlibAll is splitAll by encoding/csv, the reference.
func stdlibAll(data []byte, delim rune) (recs [][]string, lines []int, err error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs, lines, nil
		}
		if err != nil {
			return recs, lines, err
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, rec)
		lines = append(lines, line)
	}
}

var splitDelims = []rune{',', ';', '\t', '|', '¦'}

// checkSplit compares the splitter with encoding/csv on data, read whole
// and in pieces of every bytes.
func checkSplit(t *testing.T, data []byte, delim rune, every int) {
	t.Helper()
	want, wantLines, wantErr := stdlibAll(data, delim)
	for _, e := range []int{0, every} {
		got, gotLines, gotErr := splitAll(data, delim, e)
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("delimiter %q, pieces of %d: records\n%q\nwant\n%q", delim, e, got, want)
		}
		if !reflect.DeepEqual(gotLines, wantLines) && (len(gotLines) > 0 || len(wantLines) > 0) {
			t.Fatalf("delimiter %q, pieces of %d: lines %v, want %v", delim, e, gotLines, wantLines)
		}
		var gpe, wpe *csv.ParseError
		switch {
		case wantErr == nil && gotErr == nil:
		case errors.As(wantErr, &wpe) && errors.As(gotErr, &gpe):
			if *gpe != *wpe {
				t.Fatalf("delimiter %q, pieces of %d: error %+v, want %+v", delim, e, *gpe, *wpe)
			}
		default:
			t.Fatalf("delimiter %q, pieces of %d: error %v, want %v", delim, e, gotErr, wantErr)
		}
	}
}

func TestSplitterReadsAsEncodingCSV(t *testing.T) {
	docs := []string{
		"a,b,c\n1,2,3\n",
		"a,b\r\n1,2\r\n\r\n\n3,4",
		"a,\"b\nc\",d\n1,\"x\"\"y\",\"\"\n",
		"a,\"b\r\nc\"\r\n",
		"a,b\"c\n",
		"a,\"b\"c\n",
		"a,\"bc\n",
		"a,\"bc",
		"a,\"b\nc",
		"a,\"b\n\r",
		"x\r",
		"\r",
		"\"\"",
		"a,\"\"\"\",b\n",
		"a;b¦c\n\"1¦2\"¦3\n",
		"a,b,\n,,\n",
		"a\rb,c\n",
	}
	for _, doc := range docs {
		for _, d := range splitDelims {
			for every := 1; every <= len(doc); every++ {
				checkSplit(t, []byte(doc), d, every)
			}
		}
	}
}

// TestSplitterLimits: a record of MaxColumns fields is read and one more
// is refused, however its fields are written; so is a record longer than
// MaxLine, on the line it starts.
func TestSplitterLimits(t *testing.T) {
	for _, field := range []string{"x", `"x"`, `"x""y"`, ""} {
		fields := strings.Repeat(field+",", eventlog.MaxColumns-1) + field
		for _, tail := range []string{"\n", "\r\n"} {
			s := newSplitter("f.csv", ',')
			s.reset([]byte(fields+tail+fields+",x"+tail), 1)
			if rec, _, err := s.record(); err != nil || len(rec) != eventlog.MaxColumns {
				t.Fatalf("%q: %d fields, %v", field, len(rec), err)
			}
			if _, _, err := s.record(); err == nil || err.Error() != "f.csv:2: a record with more than 10000 fields: procmine reads no more" {
				t.Fatalf("%q: %v", field, err)
			}
		}
	}
	long := "a\n\n\"" + strings.Repeat("z\n", eventlog.MaxLine/2) + "\"\n"
	s := newSplitter("f.csv", ',')
	s.reset([]byte(long), 1)
	s.record()
	if _, _, err := s.record(); err == nil || err.Error() != "f.csv:3: a record longer than 4 MiB: procmine reads no more at once" {
		t.Fatal(err)
	}
	s.reset([]byte(long[:len(long)-4]+"\"\n"), 1)
	s.record()
	if rec, _, err := s.record(); err != nil || len(rec[0]) != eventlog.MaxLine-2 {
		t.Fatalf("a record of MaxLine bytes: %d, %v", len(rec[0]), err)
	}
}

// FuzzSplit holds the splitter to encoding/csv on arbitrary text: the same
// records on the same lines, or the same error at the same line and
// column, whether the text is read whole or in the pieces cut gives.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("a,\"b\nc\",d\n1,\"x\"\"y\",\"\"\n"), uint8(0), uint8(7))
	f.Add([]byte("a;b\r\n\"1;2\";3\r\n\r\n4;\"5\"x\n"), uint8(1), uint8(3))
	f.Add([]byte("a¦b\n\"c¦\"¦d\n"), uint8(4), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, delim, every uint8) {
		checkSplit(t, data, splitDelims[int(delim)%len(splitDelims)], int(every)+1)
	})
}

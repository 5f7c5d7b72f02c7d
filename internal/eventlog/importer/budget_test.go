package importer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// wideTable writes a CSV table of rows rows and cols columns (a case, an
// activity and cols-2 attribute columns of small numbers).
func wideTable(w io.Writer, rows, cols int) {
	line := []byte("case,activity")
	for i := range cols - 2 {
		line = append(line, ",c"...)
		line = strconv.AppendInt(line, int64(i), 10)
	}
	w.Write(append(line, '\n'))
	for r := range rows {
		line = strconv.AppendInt(line[:0], int64(r), 10)
		line = append(line, ",a"...)
		for i := range cols - 2 {
			line = append(line, ',', byte('0'+(r*7+i)%10))
		}
		w.Write(append(line, '\n'))
	}
}

// allocGuard reads r and fails once the program has allocated more than
// max bytes since it was made: an importer that holds a hostile file's
// content fails the test within max, instead of taking the machine's
// memory first.
type allocGuard struct {
	r          io.Reader
	start, max uint64
}

func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func newAllocGuard(r io.Reader, max uint64) *allocGuard {
	return &allocGuard{r: r, start: allocated(), max: max}
}

var errGuard = errors.New("test: the importer allocated more than the guard allows")

func (g *allocGuard) Read(p []byte) (int, error) {
	if allocated()-g.start > g.max {
		return 0, errGuard
	}
	return g.r.Read(p)
}

// TestHostileWideCSVIsRefusedEarly: the reviewer's file, 4,000 rows of
// 5,000 columns in gzip, took a server from 1.5 to 9.9 GB before it was
// imported. It is refused at its header, for its 4,998 attribute columns,
// having allocated a few MB.
func TestHostileWideCSVIsRefusedEarly(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	wideTable(zw, 4000, 5000)
	zw.Close()
	g := newAllocGuard(bytes.NewReader(z.Bytes()), 256<<20)
	_, err := Read(g, "wide.csv.gz", Options{})
	used := allocated() - g.start
	t.Logf("%d KB of gzip; %d MB allocated by the import", z.Len()>>10, used>>20)
	var pe *eventlog.ParseError
	if !errors.As(err, &pe) || pe.File != "wide.csv.gz" || pe.Line != 1 ||
		!strings.Contains(err.Error(), "more than 1000 distinct attribute keys (columns)") {
		t.Fatalf("got %v, want wide.csv.gz:1 refused for more than 1000 attribute keys", err)
	}
	if used > 64<<20 {
		t.Errorf("the refusal allocated %d MB, want at most 64", used>>20)
	}
}

// TestMemoryBudget: a table within the limit on columns but of ever more
// rows is refused, at the row where the log passes its memory budget,
// having allocated a small multiple of the budget; so is an XES log.
// Under the budget the same files import.
func TestMemoryBudget(t *testing.T) {
	const budget = 64 << 20
	opts := Options{Budget: eventlog.Budget{MaxMemory: budget}}
	pr, pw := io.Pipe()
	go func() { wideTable(pw, 1_000_000, 900); pw.Close() }()
	g := newAllocGuard(pr, 16*budget)
	_, err := Read(g, "long.csv", opts)
	pr.CloseWithError(io.ErrClosedPipe)
	used := allocated() - g.start
	var pe *eventlog.ParseError
	if !errors.As(err, &pe) || pe.File != "long.csv" || pe.Line < 100 ||
		!strings.Contains(err.Error(), "the log would take more than 64 MB of memory") {
		t.Fatalf("got %v, want long.csv refused at a row for more than 64 MB", err)
	}
	t.Logf("%v; %d MB allocated", err, used>>20)

	var x strings.Builder
	x.WriteString("<log>\n")
	for i := 0; x.Len() < 64<<20; i++ {
		fmt.Fprintf(&x, "<trace><string key=\"concept:name\" value=\"%d\"/><event><string key=\"concept:name\" value=\"a\"/>", i)
		for k := range 50 {
			fmt.Fprintf(&x, "<string key=\"k%d\" value=\"v%d\"/>", k, i)
		}
		x.WriteString("</event></trace>\n")
	}
	x.WriteString("</log>\n")
	_, err = Read(strings.NewReader(x.String()), "big.xes", Options{Budget: eventlog.Budget{MaxMemory: 16 << 20}})
	if !errors.As(err, &pe) || pe.File != "big.xes" || pe.Line < 100 ||
		!strings.Contains(err.Error(), "the log would take more than 16 MB of memory") {
		t.Fatalf("got %v, want big.xes refused at a line for more than 16 MB", err)
	}
	if l, err := Read(strings.NewReader(x.String()), "big.xes", Options{}); err != nil || l.NumEvents() < 10000 {
		t.Fatalf("within the default budget: %v", err)
	}
	// One event whose attribute holds 50,000 others is counted as it is
	// read, not once the event ends.
	x.Reset()
	x.WriteString("<log><trace><string key=\"concept:name\" value=\"1\"/>\n<event><string key=\"concept:name\" value=\"a\"/>\n<container key=\"c\">\n")
	for i := range 50_000 {
		fmt.Fprintf(&x, "<string key=\"k\" value=\"%0100d\"/>\n", i)
	}
	x.WriteString("</container>\n</event></trace></log>\n")
	_, err = Read(strings.NewReader(x.String()), "deep.xes", Options{Budget: eventlog.Budget{MaxMemory: 4 << 20}})
	if !errors.As(err, &pe) || pe.File != "deep.xes" || pe.Line < 3 || pe.Line > 40_000 ||
		!strings.Contains(err.Error(), "the log would take more than 4 MB of memory") {
		t.Fatalf("got %v, want deep.xes refused inside the container for more than 4 MB", err)
	}
	if l, err := Read(strings.NewReader(x.String()), "deep.xes", Options{Budget: eventlog.Budget{MaxMemory: 32 << 20}}); err != nil || l.NumEvents() != 1 {
		t.Fatalf("within the budget: %v", err)
	}

	var small bytes.Buffer
	wideTable(&small, 100, 900)
	if l, err := Read(&small, "small.csv", opts); err != nil || l.NumEvents() != 100 {
		t.Fatalf("within the budget: %v", err)
	}
}

// TestAttributeKeys: the distinct keys of case and event attributes are
// bounded in XES as in CSV, where a key first goes past the limit; the
// limit itself passes.
func TestAttributeKeys(t *testing.T) {
	xes := func(keys int) string {
		var b strings.Builder
		b.WriteString("<log>\n<trace><string key=\"concept:name\" value=\"1\"/>\n")
		for k := range keys {
			fmt.Fprintf(&b, "<event><string key=\"concept:name\" value=\"a\"/><int key=\"k%d\" value=\"1\"/></event>\n", k)
		}
		b.WriteString("</trace>\n</log>\n")
		return b.String()
	}
	l, err := Read(strings.NewReader(xes(eventlog.DefaultMaxKeys)), "keys.xes", Options{})
	if err != nil || l.NumEvents() != eventlog.DefaultMaxKeys {
		t.Fatalf("%d keys: %v", eventlog.DefaultMaxKeys, err)
	}
	_, err = Read(strings.NewReader(xes(eventlog.DefaultMaxKeys+1)), "keys.xes", Options{})
	var pe *eventlog.ParseError
	if !errors.As(err, &pe) || pe.File != "keys.xes" || pe.Line != eventlog.DefaultMaxKeys+3 ||
		!strings.Contains(err.Error(), "more than 1000 distinct attribute keys") {
		t.Fatalf("got %v, want keys.xes:%d refused", err, eventlog.DefaultMaxKeys+3)
	}
	var csv bytes.Buffer
	wideTable(&csv, 3, eventlog.DefaultMaxKeys+2)
	if l, err := Read(&csv, "keys.csv", Options{}); err != nil || l.NumEvents() != 3 {
		t.Fatalf("%d attribute columns: %v", eventlog.DefaultMaxKeys, err)
	}
	csv.Reset()
	wideTable(&csv, 3, eventlog.DefaultMaxKeys+3)
	if _, err := Read(&csv, "keys.csv", Options{}); err == nil || !strings.HasPrefix(err.Error(), "keys.csv:1: more than 1000 distinct attribute keys") {
		t.Fatalf("%d attribute columns: %v", eventlog.DefaultMaxKeys+1, err)
	}
}

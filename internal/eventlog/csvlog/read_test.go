package csvlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/testlogs"
)

func readFile(t *testing.T, path string, m Mapping) *eventlog.Log {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := eventlog.Decompress(f)
	if err != nil {
		t.Fatal(err)
	}
	var l *eventlog.Log
	if strings.Contains(path, ".xes") {
		l, err = xes.Read(r, path, xes.Options{})
	} else {
		l, err = Read(r, path, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSharedCSVLogs reads every shared CSV log with column auto-detection.
func TestSharedCSVLogs(t *testing.T) {
	dir := testlogs.Dir(t)
	tests := []struct {
		file                     string
		cases, events, acts      int
		resources, starts, timed bool
	}{
		{"running-example.csv", 6, 42, 8, true, false, true},
		{"running-example-transformed.csv", 6, 42, 8, true, false, true},
		{"receipt.csv", 1434, 8577, 27, true, false, true},
		{"reviewing.csv", 100, 3730, 14, true, false, true},
		{"interval_event_log.csv", 1266, 8109, 8, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			l := readFile(t, filepath.Join(dir, "csv", tt.file), Mapping{})
			if l.NumCases() != tt.cases || l.NumEvents() != tt.events || l.Activities.Len() != tt.acts {
				t.Errorf("%d cases, %d events, %d activities; want %d, %d, %d",
					l.NumCases(), l.NumEvents(), l.Activities.Len(), tt.cases, tt.events, tt.acts)
			}
			if (l.Resources.Len() > 0) != tt.resources || l.HasStarts() != tt.starts || l.Timed != tt.timed {
				t.Errorf("resources %d, starts %v, timed %v", l.Resources.Len(), l.HasStarts(), l.Timed)
			}
		})
	}
}

// TestReceiptCSVMatchesXES: the receipt log as CSV and as XES give the same
// directly-follows graph, variants and case durations.
func TestReceiptCSVMatchesXES(t *testing.T) {
	dir := testlogs.Dir(t)
	fromCSV := readFile(t, filepath.Join(dir, "csv", "receipt.csv"), Mapping{})
	fromXES := readFile(t, filepath.Join(dir, "xes", "08_receipt.xes.gz"), Mapping{})
	edges := func(l *eventlog.Log) map[[2]string]int {
		g := mining.ComputeDFG(l)
		m := map[[2]string]int{}
		for _, e := range g.Edges {
			m[[2]string{g.Activities[e.From], g.Activities[e.To]}] = e.Count
		}
		return m
	}
	a, b := edges(fromCSV), edges(fromXES)
	if len(a) != 99 || !reflect.DeepEqual(a, b) {
		t.Errorf("DFG from CSV has %d edges, from XES %d, or they differ", len(a), len(b))
	}
	if va, vb := len(mining.Variants(fromCSV)), len(mining.Variants(fromXES)); va != 116 || vb != 116 {
		t.Errorf("variants %d (CSV), %d (XES); want 116", va, vb)
	}
	if !reflect.DeepEqual(mining.CaseDurations(sortedByID(fromCSV)), mining.CaseDurations(sortedByID(fromXES))) {
		t.Error("case durations differ")
	}
}

func sortedByID(l *eventlog.Log) *eventlog.Log {
	idx := make([]int32, l.NumCases())
	for i := range idx {
		idx[i] = int32(i)
	}
	slicesSortBy(idx, func(i int32) string { return l.CaseIDs[i] })
	return l.SelectCases(idx)
}

func TestMappingAndFormats(t *testing.T) {
	doc := "id;what;when;who;amount;case:region\n" +
		"A;order;05/01/2015 09:30;Ann;12.5;North\n" +
		"B;order;06/01/2015 10:00;Bob;7;South\n" +
		"A;ship;07/01/2015 11:00;;3;North\n"
	l, err := Read(strings.NewReader(doc), "m.csv", Mapping{
		Case: "id", Activity: "what", Timestamp: "when", Resource: "who", TimestampFormat: "%d/%m/%Y %H:%M",
	})
	if err != nil {
		t.Fatal(err)
	}
	if l.NumCases() != 2 || l.NumEvents() != 3 || l.CaseIDs[0] != "A" {
		t.Fatalf("%v cases, %d events", l.CaseIDs, l.NumEvents())
	}
	lo, hi := l.Events(0)
	if hi-lo != 2 || l.ActivityName(lo+1) != "ship" || l.ResourceName(lo+1) != "" {
		t.Errorf("case A: %d events", hi-lo)
	}
	if got := eventlog.FormatTime(l.End[lo]); got != "2015-01-05T09:30:00.000Z" {
		t.Errorf("time %s", got)
	}
	if v, _ := l.EventAttrs.Get(int32(lo), "amount"); v.Kind != eventlog.KindFloat || v.Float() != 12.5 {
		t.Errorf("amount %+v: want float 12.5 (the column has 7 and 3 too)", v)
	}
	if v, _ := l.CaseAttrs.Get(0, "region"); v.Str != "North" {
		t.Errorf("region %+v", v)
	}
}

func TestDelimiterDetection(t *testing.T) {
	for _, d := range []string{",", ";", "\t", "|"} {
		doc := strings.ReplaceAll("case:concept:name,concept:name,time:timestamp\n1,a,2020-01-01\n1,b,2020-01-02\n", ",", d)
		l, err := Read(strings.NewReader(doc), "d.csv", Mapping{})
		if err != nil || l.NumEvents() != 2 {
			t.Errorf("delimiter %q: %v", d, err)
		}
	}
}

func TestReadErrors(t *testing.T) {
	head := "case:concept:name,concept:name,time:timestamp\n"
	tests := []struct {
		name, doc string
		m         Mapping
		want      string
	}{
		{"empty", "", Mapping{}, "e.csv:1: empty file"},
		{"header only", head, Mapping{}, "e.csv: no events"},
		{"no case column", "x,concept:name\n1,a\n", Mapping{}, "e.csv:1: --case: no case column found (columns: x, concept:name)"},
		{"no activity column", "case:concept:name,x\n1,a\n", Mapping{}, "e.csv:1: --activity: no activity column found"},
		{"mapped column missing", head + "1,a,2020-01-01\n", Mapping{Case: "CaseRef"}, `e.csv:1: --case: no column "CaseRef" in the header`},
		{"empty case", head + "1,a,2020-01-01\n,b,2020-01-02\n", Mapping{}, `e.csv:3: column "case:concept:name": empty case id`},
		{"empty activity", head + "1,a,2020-01-01\n1,,2020-01-02\n", Mapping{}, `e.csv:3: column "concept:name": empty activity`},
		{"bad time", head + "1,a,2020-01-01\n1,b,tomorrow\n", Mapping{}, `e.csv:3: column "time:timestamp": "tomorrow" is not a timestamp (give its form with --timestamp-format)`},
		{"time out of range", head + "1,a,2200-01-01\n", Mapping{}, `e.csv:2: column "time:timestamp": "2200-01-01" is outside the years 1850 to 2140`},
		{"field count", head + "1,a,2020-01-01\n1,b\n", Mapping{}, "e.csv:3: the row has 2 fields, the header 3"},
		{"bad quote", head + "1,a,2020-01-01\n1,b\"c,2020-01-01\n", Mapping{}, `e.csv:3: bare " in non-quoted-field (at byte 4 of the line)`},
		{"bad header", "case:concept:name,concept:name,\xff\n1,a,x\n", Mapping{}, "e.csv:1: column 3: the header is not valid UTF-8"},
		{"bad format", head + "1,a,2020-01-01\n", Mapping{TimestampFormat: "%Q"}, "--timestamp-format"},
		{"bad utf8", head + "1,\xff,2020-01-01\n", Mapping{}, `e.csv:2: column "concept:name": not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Read(strings.NewReader(tt.doc), "e.csv", tt.m)
			if err == nil {
				t.Fatalf("no error; %d events", l.NumEvents())
			}
			var pe *eventlog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\n does not contain %q", err, tt.want)
			}
		})
	}
}

// TestXESToCSVRoundTrip converts every shared XES log to CSV and back: the
// same events, times, resources and lifecycles, and attribute values.
func TestXESToCSVRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testlogs.Dir(t), "xes", "*.xes*"))
	for _, path := range files {
		if filepath.Base(path) == "xes_20.xes" {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			l := readFile(t, path, Mapping{})
			var buf bytes.Buffer
			if err := Write(&buf, l); err != nil {
				t.Fatal(err)
			}
			back, err := Read(&buf, "back.csv", Mapping{})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, l, back)
		})
	}
}

func sameEvents(t *testing.T, a, b *eventlog.Log) {
	t.Helper()
	if !reflect.DeepEqual(a.CaseIDs, b.CaseIDs) || a.NumEvents() != b.NumEvents() {
		t.Fatalf("%d cases %d events, then %d cases %d events", a.NumCases(), a.NumEvents(), b.NumCases(), b.NumEvents())
	}
	values := func(attrs []eventlog.Attr) map[string]string {
		m := map[string]string{}
		for _, x := range attrs {
			m[x.Key] = x.Value.String()
		}
		return m
	}
	for e := range a.Act {
		if a.ActivityName(e) != b.ActivityName(e) || a.End[e] != b.End[e] || a.Start[e] != b.Start[e] ||
			a.ResourceName(e) != b.ResourceName(e) || a.LifecycleName(e) != b.LifecycleName(e) {
			t.Fatalf("event %d differs", e)
		}
		if va, vb := values(a.EventAttrs.Of(int32(e))), values(b.EventAttrs.Of(int32(e))); !reflect.DeepEqual(va, vb) {
			t.Fatalf("event %d: attributes %v, then %v", e, va, vb)
		}
	}
	for c := range a.CaseIDs {
		if va, vb := values(a.CaseAttrs.Of(int32(c))), values(b.CaseAttrs.Of(int32(c))); !reflect.DeepEqual(va, vb) {
			t.Fatalf("case %q: attributes %v, then %v", a.CaseIDs[c], va, vb)
		}
	}
}

// TestSizeOnlySizes: the file's size, given or wrong (one that the first
// rows make look enormous included), changes how the columns grow and
// nothing of the log.
func TestSizeOnlySizes(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testlogs.Dir(t), "csv", "receipt.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int) { chunkSize = was }(chunkSize)
	chunkSize = 4 << 10
	want, err := Read(bytes.NewReader(doc), "receipt.csv", Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{int64(len(doc)), 1, int64(len(doc)) * 1000, 1 << 40} {
		got, err := Read(bytes.NewReader(doc), "receipt.csv", Mapping{Size: size})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("size %d: %v, or another log", size, err)
		}
	}
	// And the right size is used: the columns are made once, not grown
	// by doubling and trimmed, so reading takes less.
	allocated := func(size int64) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Read(bytes.NewReader(doc), "receipt.csv", Mapping{Size: size}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	unsized, sized := allocated(0), allocated(int64(len(doc)))
	if sized >= unsized {
		t.Errorf("reading %d bytes knowing their size allocates %d bytes, not knowing it %d", len(doc), sized, unsized)
	}
	t.Logf("allocated knowing the size %d bytes, not knowing it %d", sized, unsized)
}

// TestLargeFilesFailAsSmallOnes: the review of the parallel reader found
// two files it failed on as the old reader did not. A stray quote in an
// unquoted field (15" screen) followed by megabytes without another quote
// is that quote's error, not "a record longer than 4 MiB"; a file of many
// columns and a megabyte of blank lines is read in a few megabytes (the
// reader once made room for a row per line, each with every column:
// gigabytes, and the process died).
func TestLargeFilesFailAsSmallOnes(t *testing.T) {
	var doc bytes.Buffer
	doc.WriteString("case,activity,note\n1,a,15\" screen\n")
	for doc.Len() < 10<<20 {
		doc.WriteString("1,b,plain text without quotes\n")
	}
	_, err := Read(bytes.NewReader(doc.Bytes()), "f.csv", Mapping{})
	if err == nil || err.Error() != `f.csv:2: bare " in non-quoted-field (at byte 7 of the line)` {
		t.Errorf("a stray quote: %v", err)
	}

	doc.Reset()
	doc.WriteString("case,activity")
	for i := range 2000 {
		fmt.Fprintf(&doc, ",c%d", i%500)
	}
	doc.WriteString("\n" + strings.Repeat("\n", 1<<20) + "1,a" + strings.Repeat(",x", 2000) + "\n")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l, err := Read(bytes.NewReader(doc.Bytes()), "blank.csv", Mapping{})
	runtime.ReadMemStats(&after)
	if err != nil || l.NumEvents() != 1 {
		t.Fatalf("blank lines: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("reading a 1 MiB file allocated %d MiB", grew>>20)
	}
}

// TestWorkerPanicIsTheCallers: a panic while a worker parses reaches the
// caller of Read, where an import job recovers from it, instead of ending
// the process from a goroutine of the reader's own.
func TestWorkerPanicIsTheCallers(t *testing.T) {
	boom := func(string) (int64, int16, bool) { panic("boom") }
	rr := &rowReader{name: "f.csv", header: []string{"case", "activity", "time"}, delim: ',', parseTime: boom,
		cols: columns{caseCol: 0, actCol: 1, timeCol: 2, startCol: -1, resCol: -1, lifeCol: -1, special: []bool{true, true, true}}}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "boom") {
			t.Errorf("recovered %v", p)
		}
	}()
	rr.readAll(eventlog.NewBuilder(), &chunker{file: "f.csv", delim: ',', r: strings.NewReader(""), line: 2}, []byte("1,a,2020-01-01\n"), 0, 2)
	t.Error("no panic")
}

// TestBudgetStopsAtItsRow: past the memory budget, the error names the
// row that crossed it, as a front-to-back reading would (the parallel
// reader once added a chunk's cases before its rows, and said line 2).
func TestBudgetStopsAtItsRow(t *testing.T) {
	var doc bytes.Buffer
	doc.WriteString("case,activity,case:note\n")
	for i := range 20000 {
		fmt.Fprintf(&doc, "%d,a,%s\n", i, strings.Repeat("n", 40))
	}
	_, err := Read(bytes.NewReader(doc.Bytes()), "f.csv", Mapping{Budget: eventlog.Budget{MaxMemory: 1 << 20}})
	var pe *eventlog.ParseError
	if !errors.As(err, &pe) || pe.Line < 1000 || strings.Contains(err.Error(), "at 0 events") {
		t.Fatalf("%v", err)
	}
	var events, cases int
	if _, serr := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "(at"):], "(at %d events and %d cases)", &events, &cases); serr != nil ||
		events < pe.Line-3 || events > pe.Line || cases != events {
		t.Errorf("%v: the counts are not the row's (%d, %d)", err, events, cases)
	}
}

package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestOCELCommands: an object-centric log is summarised, its OC-DFG
// printed, and every analysis command reads it flattened on the object
// type given; without one it says which there are.
func TestOCELCommands(t *testing.T) {
	file := testlogs.Path(t, "ocel/ocel20_example.jsonocel")
	var sum struct {
		Version        string         `json:"version"`
		Events         int            `json:"Events"`
		Objects        int            `json:"Objects"`
		ObjectsPerType map[string]int `json:"ObjectsPerType"`
		E2O, O2O       int
	}
	if err := json.Unmarshal(run(t, "ocel", "summary", file, "--json"), &sum); err != nil {
		t.Fatal(err)
	}
	// Which objects took part in events of an activity: the three
	// invoices, and the purchase order the second one names (the file's
	// event_object relations of the "Insert Invoice" events).
	var took map[string][]string
	if err := json.Unmarshal(run(t, "ocel", "objects", file, "--activity", "Insert Invoice", "--json"), &took); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(took) != "map[Invoice:[R1 R2 R3] Purchase Order:[PO1]]" {
		t.Errorf("objects of Insert Invoice: %v", took)
	}
	if code, _, stderr := runCode("ocel", "objects", file, "--activity", "Nope"); code != 2 || !strings.Contains(stderr, `no events of type "Nope"`) {
		t.Errorf("an unknown activity: %d %s", code, stderr)
	}
	if sum.Version != "2.0" || sum.Events != 13 || sum.Objects != 9 || sum.ObjectsPerType["Invoice"] != 3 || sum.E2O != 20 || sum.O2O != 7 {
		t.Errorf("summary %+v", sum)
	}
	if out := string(run(t, "ocel", "dfg", file)); !strings.Contains(out, "Invoice") || !strings.Contains(out, "Insert Invoice") {
		t.Errorf("dfg:\n%s", out)
	}
	// Drawn: an edge of each type's colour for each pair that follows,
	// labelled with its event couples, and a legend of the types.
	dir := t.TempDir()
	run(t, "ocel", "dfg", file, "-o", filepath.Join(dir, "g.dot"))
	dotSrc, _ := os.ReadFile(filepath.Join(dir, "g.dot"))
	if n := strings.Count(string(dotSrc), "->"); n != 10 || strings.Count(string(dotSrc), `[color="#0072B2"`) != 5 || !strings.Contains(string(dotSrc), "Purchase Requisition</FONT>") || !strings.Contains(string(dotSrc), `Insert Invoice\n3 events`) {
		t.Errorf("the graph in DOT (%d edges):\n%s", n, dotSrc)
	}
	run(t, "ocel", "dfg", file, "-o", filepath.Join(dir, "g.svg"))
	if svg, _ := os.ReadFile(filepath.Join(dir, "g.svg")); !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "Insert Payment") {
		t.Errorf("the graph in SVG:\n%.300s", svg)
	}
	var st struct{ Cases, Events int }
	if err := json.Unmarshal(run(t, "stats", "--object-type", "Purchase Order", testlogs.Path(t, "ocel/ocel20_example.sqlite"), "--json"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Cases != 2 || st.Events != 5 {
		t.Errorf("stats of Purchase Order: %+v", st)
	}
	if out := string(run(t, "variants", "--object-type", "offers", testlogs.Path(t, "ocel/recruiting-red.jsonocel"))); !strings.Contains(out, "make job offer") {
		t.Errorf("variants of offers:\n%s", out)
	}
	code, _, stderr := runCode("stats", file)
	if code != 2 || !strings.Contains(stderr, "--object-type (Invoice, Payment, Purchase Order, Purchase Requisition)") {
		t.Errorf("without --object-type: %d %s", code, stderr)
	}
	code, _, stderr = runCode("stats", "--object-type", "Nobody", file)
	if code != 2 || !strings.Contains(stderr, `no object type "Nobody"`) {
		t.Errorf("an unknown type: %d %s", code, stderr)
	}
	code, _, stderr = runCode("ocel", "summary", testlogs.Path(t, "ocel/example_log.xmlocel"))
	if code != 1 || !strings.Contains(stderr, "example_log.xmlocel: OCEL 1.0 XML is not read") {
		t.Errorf("OCEL 1.0 XML: %d %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonocel")
	os.WriteFile(bad, []byte("{\n \"events\": [\n  {\"id\": \"e1\", \"type\": \"A\", \"time\": \"soon\"}\n ]\n}"), 0o644)
	code, _, stderr = runCode("ocel", "summary", bad)
	if code != 1 || !strings.Contains(stderr, `bad.jsonocel:3: event "e1": has the type "A", which eventTypes does not declare`) {
		t.Errorf("a bad file: %d %s", code, stderr)
	}
}

// TestConvertParquet: convert writes Parquet and reads it back; the
// figures of the Parquet file are the XES file's.
func TestConvertParquet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "receipt.parquet")
	run(t, "convert", testlogs.Path(t, "xes/08_receipt.xes.gz"), out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	l, err := parquetlog.Read(f, info.Size(), "receipt.parquet", parquetlog.Options{})
	if err != nil || l.NumEvents() != 8577 {
		t.Fatalf("%v", err)
	}
	if a, b := string(run(t, "stats", "--json", testlogs.Path(t, "xes/08_receipt.xes.gz"))), string(run(t, "stats", "--json", out)); a != b {
		t.Errorf("stats of the XES file:\n%s\nof its Parquet conversion:\n%s", a, b)
	}
	if code, _, stderr := runCode("convert", testlogs.Path(t, "xes/08_receipt.xes.gz"), filepath.Join(dir, "x.parquet.gz")); code != 2 || !strings.Contains(stderr, "a Parquet file is compressed inside") {
		t.Errorf("convert to .parquet.gz: %d %s", code, stderr)
	}
	// The running example's times carry +01:00 and +02:00: they stay
	// through Parquet (in a column of offsets beside the instants) and
	// back to CSV.
	if code, _, stderr := runCode("convert", testlogs.Path(t, "xes/running-example.xes"), filepath.Join(dir, "r.parquet")); code != 0 || stderr != "" {
		t.Errorf("convert to Parquet: %d %s", code, stderr)
	}
	csv := filepath.Join(dir, "r.csv")
	if code, _, stderr := runCode("convert", filepath.Join(dir, "r.parquet"), csv); code != 0 || stderr != "" {
		t.Errorf("convert to CSV: %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(csv); !strings.Contains(string(b), "2010-12-30T14:32:00.000+01:00") {
		t.Errorf("the CSV lost the offsets:\n%.400s", b)
	}
}

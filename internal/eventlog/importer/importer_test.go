package importer

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

func TestGzipBombIsRefused(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("case:concept:name,concept:name\n"))
	for range 100 {
		zw.Write([]byte(strings.Repeat("1,a\n", 10000)))
	}
	zw.Close()
	_, err := Read(bytes.NewReader(z.Bytes()), "bomb.csv.gz", Options{MaxContent: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "bomb.csv.gz: the file's content is larger than 1048576 bytes once decompressed") {
		t.Errorf("bomb: %v", err)
	}
	l, err := Read(bytes.NewReader(z.Bytes()), "bomb.csv.gz", Options{})
	if err != nil || l.NumEvents() != 1_000_000 {
		t.Errorf("without a bound: %v", err)
	}
	// XES too: the limit named as itself, not as malformed XML, and no
	// line (the tokenizer's was wherever the crossing read had taken it).
	if _, err := Read(strings.NewReader("<log/>"), "x.xes", Options{MaxContent: 3}); err == nil || err.Error() != "x.xes: the file's content is larger than 3 bytes once decompressed" {
		t.Errorf("xes: %v", err)
	}
	var xz bytes.Buffer
	zw = gzip.NewWriter(&xz)
	zw.Write([]byte(`<log xes.version="1.0">`))
	for i := range 20000 {
		fmt.Fprintf(zw, `<trace><string key="concept:name" value="%d"/><event><string key="concept:name" value="a"/></event></trace>`+"\n", i)
	}
	zw.Write([]byte(`</log>`))
	zw.Close()
	if _, err := Read(bytes.NewReader(xz.Bytes()), "big.xes.gz", Options{MaxContent: 100_000}); err == nil || err.Error() != "big.xes.gz: the file's content is larger than 100000 bytes once decompressed" {
		t.Errorf("xes.gz: %v", err)
	}
}

func TestDetectFormat(t *testing.T) {
	for name, want := range map[string]string{"a.xes": "xes", "a.XES.GZ": "xes", "a.csv": "csv", "a.tsv.gz": "csv", "a.txt": "csv"} {
		if got, err := DetectFormat(name, ""); err != nil || got != want {
			t.Errorf("%s: %s %v", name, got, err)
		}
	}
	if _, err := DetectFormat("a.json", ""); err == nil {
		t.Error("a.json accepted")
	}
	if got, _ := DetectFormat("a.json", "csv"); got != "csv" {
		t.Error("the given format is not used")
	}
}

// TestContentSizeAskedOfCompressedFilesOnly: the size of a compressed
// file's content is asked for (the server reads it off the staged file's
// last chunk) when the file is compressed, and never for a plain one;
// either way the log is the same.
func TestContentSizeAskedOfCompressedFilesOnly(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString("case,activity,time\n")
	for i := range 5000 {
		fmt.Fprintf(&csv, "%d,a,2026-01-01T00:00:%02dZ\n%d,b,2026-01-01T01:00:%02dZ\n", i, i%60, i, i%60)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csv.Bytes())
	zw.Close()
	mapping := csvlog.Mapping{Case: "case", Activity: "activity", Timestamp: "time"}
	for _, f := range []struct {
		name  string
		data  []byte
		asked bool
	}{{"log.csv", csv.Bytes(), false}, {"log.csv.gz", gz.Bytes(), true}} {
		asked := false
		l, err := Read(bytes.NewReader(f.data), f.name, Options{Mapping: mapping, Size: int64(len(f.data)), ContentSize: func() int64 {
			asked = true
			return int64(csv.Len())
		}})
		if err != nil {
			t.Fatal(err)
		}
		if asked != f.asked || l.NumEvents() != 10000 || l.NumCases() != 5000 {
			t.Errorf("%s: content size asked %v, want %v; %d events in %d cases", f.name, asked, f.asked, l.NumEvents(), l.NumCases())
		}
	}
}

// TestRemoveStaleCopies: a copy of an OCEL SQLite upload older than any
// import goes, with its -wal file; a recent one and other files stay.
func TestRemoveStaleCopies(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{"procmine-ocel-1.sqlite", "procmine-ocel-1.sqlite-wal", "procmine-ocel-2.sqlite", "other.sqlite"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte("x"), 0o600)
		if name != "procmine-ocel-2.sqlite" {
			os.Chtimes(path, old, old)
		}
	}
	if n := RemoveStaleCopies(dir, time.Hour); n != 2 {
		t.Errorf("deleted %d files, want 2", n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 2 {
		t.Errorf("left %v", left)
	}
}

package importer

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
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
	if _, err := Read(strings.NewReader("<log/>"), "x.xes", Options{MaxContent: 3}); err == nil || !strings.Contains(err.Error(), "larger than 3 bytes") {
		t.Errorf("xes: %v", err)
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

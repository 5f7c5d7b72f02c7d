package csvlog

import (
	"bytes"
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkReadBPIC2012CSV reads BPIC 2012 written as CSV (25 MB, 262,200
// events, two case attributes) from memory: the CSV reader's speed on a
// file in the page cache, the figure issue 16 asks 500 MB/s of.
// go test -run '^$' -bench ReadBPIC2012CSV -benchtime 10x ./internal/eventlog/csvlog
func BenchmarkReadBPIC2012CSV(b *testing.B) {
	f, err := os.Open(testlogs.Path(b, "xes/bpic2012.xes.gz"))
	if err != nil {
		b.Fatal(err)
	}
	r, err := eventlog.Decompress(f)
	if err != nil {
		b.Fatal(err)
	}
	l, err := xes.Read(r, "bpic2012.xes.gz", xes.Options{})
	r.Close()
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	if err := Write(&csv, l); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(csv.Len()))
	for b.Loop() {
		// The file's size is known, as the command line knows it.
		if _, err := Read(bytes.NewReader(csv.Bytes()), "bpic2012.csv", Mapping{Size: int64(csv.Len())}); err != nil {
			b.Fatal(err)
		}
	}
}

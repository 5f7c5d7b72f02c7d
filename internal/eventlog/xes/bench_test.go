package xes

import (
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkReadBPIC2012 reads the gzipped BPIC 2012 log (262,200 events,
// 74 MB of XML): decompression and parsing, as `procmine stats` does.
func BenchmarkReadBPIC2012(b *testing.B) {
	path := testlogs.Path(b, "xes/bpic2012.xes.gz")
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := eventlog.Decompress(f)
		if err != nil {
			b.Fatal(err)
		}
		l, err := Read(r, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if l.NumEvents() != 262200 {
			b.Fatalf("read %d events", l.NumEvents())
		}
		r.Close()
		f.Close()
	}
}

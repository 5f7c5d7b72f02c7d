package xes

import (
	"os"
	"runtime"
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

// BenchmarkLoadedSizeBPIC2012 reports the heap a loaded BPIC 2012 log holds
// per event: its columns, dictionaries, case ids and the two case
// attributes every case has (its events have no extra attributes).
func BenchmarkLoadedSizeBPIC2012(b *testing.B) {
	path := testlogs.Path(b, "xes/bpic2012.xes.gz")
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, _ := eventlog.Decompress(f)
		l, err := Read(r, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
		f.Close()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(l.NumEvents()), "bytes/event")
		runtime.KeepAlive(l)
	}
}

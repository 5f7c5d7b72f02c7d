package parquetlog_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkReadBPIC2012 reads BPIC 2012 (262,200 events) as the command
// line reads it, side by side: the gzipped XES file, and the same log
// written as Parquet by procmine (Snappy). ns/event is the figure to compare.
// go test -run '^$' -bench ReadBPIC2012 -benchtime 10x -count 5 ./internal/eventlog/parquetlog
func BenchmarkReadBPIC2012(b *testing.B) {
	xesPath := testlogs.Path(b, "xes/bpic2012.xes.gz")
	read := func(b *testing.B, path string) *eventlog.Log {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		l, err := importer.Read(f, filepath.Base(path), importer.Options{Size: info.Size()})
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	l := read(b, xesPath)
	var buf bytes.Buffer
	if err := parquetlog.Write(&buf, l); err != nil {
		b.Fatal(err)
	}
	pqPath := filepath.Join(b.TempDir(), "bpic2012.parquet")
	if err := os.WriteFile(pqPath, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, path string }{{"xes", xesPath}, {"parquet", pqPath}} {
		b.Run(c.name, func(b *testing.B) {
			info, _ := os.Stat(c.path)
			b.SetBytes(info.Size())
			for b.Loop() {
				if got := read(b, c.path); got.NumEvents() != l.NumEvents() {
					b.Fatalf("%d events, want %d", got.NumEvents(), l.NumEvents())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(l.NumEvents()), "ns/event")
		})
	}
}

package ocel

import (
	"context"
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkRead reads the shared object-centric logs: recruiting-red
// (OCEL 1.0 JSON, 6,607 events, 1,051 objects) and ocel20_example in its
// three encodings (13 events), and flattens recruiting-red on its
// applications. ns/event is the figure to compare with the other readers.
// go test -run '^$' -bench . -benchtime 20x -count 3 ./internal/ocel
func BenchmarkRead(b *testing.B) {
	for _, file := range []string{"recruiting-red.jsonocel", "ocel20_example.jsonocel", "ocel20_example.xmlocel", "ocel20_example.sqlite"} {
		path := testlogs.Path(b, "ocel/"+file)
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file, func(b *testing.B) {
			b.SetBytes(info.Size())
			events := 0
			for b.Loop() {
				l, err := Read(context.Background(), path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				events = len(l.Events)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
		})
	}
	l, err := Read(context.Background(), testlogs.Path(b, "ocel/recruiting-red.jsonocel"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("flatten applications", func(b *testing.B) {
		for b.Loop() {
			if _, err := l.Flatten("applications", eventlog.Budget{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

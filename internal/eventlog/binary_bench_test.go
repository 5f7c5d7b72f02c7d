package eventlog_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkUnmarshalBPIC2012 opens BPIC 2012's stored form (262,200
// events), what a server does on the first report after a restart, beside
// copying the same bytes (the floor: reading them). Run it with
// go test -run '^$' -bench Unmarshal -benchtime 20x ./internal/eventlog
func BenchmarkUnmarshalBPIC2012(b *testing.B) {
	f, err := os.Open(testlogs.Path(b, "xes/bpic2012.xes.gz"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := importer.Read(f, "bpic2012.xes.gz", importer.Options{})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	data, err := l.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var d eventlog.Log
			if err := d.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			_ = bytes.Clone(data)
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := l.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

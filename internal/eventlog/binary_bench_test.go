package eventlog_test

import (
	"bytes"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkUnmarshalBPIC2012 opens BPIC 2012's stored form (262,200
// events), what a server does on the first report after a restart, beside
// copying the same bytes (the floor: reading them). Run it with
// go test -run '^$' -bench Unmarshal -benchtime 20x ./internal/eventlog
func BenchmarkUnmarshalBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
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

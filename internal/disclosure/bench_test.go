package disclosure

import (
	"testing"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkGuardBPIC2012 is what disclosure control adds to a reader's
// map and variants of BPI Challenge 2012 (13,087 cases): the guard of the
// view (one HMAC over its cases), and the map and variants through it.
func BenchmarkGuardBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
	m, err := processmap.Build(l, processmap.Options{View: processmap.Performance, Activities: 1, Paths: 1})
	if err != nil {
		b.Fatal(err)
	}
	vs := mining.Variants(l)
	b.ResetTimer()
	for b.Loop() {
		g, err := New(DefaultK, []byte("key"), "version 1", "instances", l)
		if err != nil {
			b.Fatal(err)
		}
		mc := *m
		mc.Nodes, mc.Edges = append(mc.Nodes[:0:0], m.Nodes...), append(mc.Edges[:0:0], m.Edges...)
		w := &Withheld{K: DefaultK}
		g.Map(&mc, w)
		g.Variants(vs, w)
	}
}

package rootcause

import (
	"context"
	"testing"

	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkRootCauseBPIC2012: what goes with BPI Challenge 2012's cases
// of more than 20 days (2,198 of 13,087), over its activities, resources
// and case attributes, with the tree; the log is read before the clock
// starts. Target: at most 1 s.
func BenchmarkRootCauseBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
	o, err := ParseOutcome("duration>20d")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := Analyze(context.Background(), l, o, Options{MinCases: 5})
		if err != nil {
			b.Fatal(err)
		}
		if r.OutcomeCases == 0 || r.Tree.Split == "" {
			b.Fatalf("%+v", r)
		}
	}
}

package align

import (
	"context"
	"testing"

	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/testlogs"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkBPIC2012: every variant of BPI Challenge 2012 (262,200 events,
// 4,366 variants) aligned against its IMf (noise 0.2) model, on all
// cores; the log is read and the model discovered before the clock
// starts.
func BenchmarkBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
	a, err := New(context.Background(), petrinet.FromTree(inductive.Discover(l, 0.2)))
	if err != nil {
		b.Fatal(err)
	}
	traces := tracesOf(l)
	b.ResetTimer()
	var s *Summary
	for b.Loop() {
		if s, err = a.Log(context.Background(), traces, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(s.LogFitness, "log-fitness")
	b.ReportMetric(float64(s.NotComputedCases), "cases-not-computed")
}

// BenchmarkNewBPIC2012: building the aligner of BPI Challenge 2012's
// IMf (noise 0.2) model, its reachability graph numbered (BENCHMARKS.md
// gives the figure).
func BenchmarkNewBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
	net := petrinet.FromTree(inductive.Discover(l, 0.2))
	b.ResetTimer()
	for b.Loop() {
		if _, err := New(context.Background(), net); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceipt: every variant of receipt (1,434 cases, 116 variants)
// against the IM and IMf nets PM4Py aligned against (PM4Py: 167 s and
// 331 s).
func BenchmarkReceipt(b *testing.B) {
	l := testlog.Read(b, "xes/08_receipt.xes.gz")
	traces := tracesOf(l)
	for _, model := range []string{"im_0.0", "imf_0.2"} {
		b.Run(model, func(b *testing.B) {
			a, err := New(context.Background(), readNet(b, testlogs.Path(b, "reference/pm4py-alignments/08_receipt.xes.gz."+model+".pnml")))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.Log(context.Background(), traces, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrecision: alignment-based precision of BPI Challenge 2012
// against its IMf model and of receipt against PM4Py's IM net (PM4Py:
// 37 s on receipt; it did not measure BPIC 2012).
func BenchmarkPrecision(b *testing.B) {
	for _, c := range []struct{ name, log, pnml string }{
		{"bpic2012-imf", "xes/bpic2012.xes.gz", ""},
		{"receipt-im", "xes/08_receipt.xes.gz", "reference/pm4py-alignments/08_receipt.xes.gz.im_0.0.pnml"},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := testlog.Read(b, c.log)
			var net *petrinet.Net
			if c.pnml == "" {
				net = petrinet.FromTree(inductive.Discover(l, 0.2))
			} else {
				net = readNet(b, testlogs.Path(b, c.pnml))
			}
			a, err := New(context.Background(), net)
			if err != nil {
				b.Fatal(err)
			}
			traces := tracesOf(l)
			b.ResetTimer()
			var p *Precision
			for b.Loop() {
				if p, err = a.Precision(context.Background(), traces, 100_000_000); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(p.Value, "precision")
			b.ReportMetric(float64(p.States), "states")
		})
	}
}

package mining

import (
	"strings"

	"github.com/procmine/procmine/internal/calendar"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/testlogs"
)

var (
	bpicOnce sync.Once
	bpic     *eventlog.Log
	bpicErr  error
)

// bpic2012 loads the BPIC 2012 log once per test binary.
func bpic2012(b *testing.B) *eventlog.Log {
	path := testlogs.Path(b, "xes/bpic2012.xes.gz")
	bpicOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			bpicErr = err
			return
		}
		defer f.Close()
		r, err := eventlog.Decompress(f)
		if err != nil {
			bpicErr = err
			return
		}
		defer r.Close()
		bpic, bpicErr = xes.Read(r, path, xes.Options{})
	})
	if bpicErr != nil {
		b.Fatal(bpicErr)
	}
	return bpic
}

// BenchmarkDFG10M computes the frequency DFG (counts, cases, max per case)
// of BPIC 2012 replicated to about 10 million raw events.
func BenchmarkDFG10M(b *testing.B) {
	l := generate.Replicate(bpic2012(b).Raw(), 39)
	b.ResetTimer()
	for b.Loop() {
		g := ComputeDFG(l)
		if len(g.Edges) != 125 {
			b.Fatalf("%d edges", len(g.Edges))
		}
	}
	b.ReportMetric(float64(l.NumEvents()), "events")
}

// BenchmarkDFGBPIC2012 is the frequency DFG of the real log, beside which
// PM4Py's discover_dfg took 0.48 s on this machine kind.
func BenchmarkDFGBPIC2012(b *testing.B) {
	l := bpic2012(b).Raw()
	for b.Loop() {
		ComputeDFG(l)
	}
}

// BenchmarkPerformanceDFGBPIC2012 adds the duration figures (mean, median,
// min, max, total) of every edge on the real log.
func BenchmarkPerformanceDFGBPIC2012(b *testing.B) {
	l := bpic2012(b).Raw()
	for b.Loop() {
		ComputeDFG(l, WithPerformance())
	}
}

// BenchmarkStatsBPIC2012 is everything `procmine stats` computes once the
// log is loaded: counts, variants, rework and case durations.
func BenchmarkStatsBPIC2012(b *testing.B) {
	l := bpic2012(b).Raw()
	for b.Loop() {
		ComputeStats(l)
	}
}

// BenchmarkVariants10M groups 10 million events into variants.
func BenchmarkVariants10M(b *testing.B) {
	l := generate.Replicate(bpic2012(b).Raw(), 39)
	b.ResetTimer()
	for b.Loop() {
		if n := len(Variants(l)); n != 4366 {
			b.Fatalf("%d variants", n)
		}
	}
}

// BenchmarkMemoryPerEvent measures the heap a loaded log holds per event
// when it has no extra attributes: BPIC 2012 replicated to 10 million
// events (activity, timestamp, resource and lifecycle columns, case ids).
func BenchmarkMemoryPerEvent(b *testing.B) {
	src := bpic2012(b).Raw()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := generate.Replicate(src, 39)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(l.NumEvents()), "bytes/event")
		runtime.KeepAlive(l)
	}
}

// BenchmarkWorkingTime: the performance DFG and the case durations of BPIC
// 2012 in elapsed time and in working time (weekdays 08:00-17:00 in
// Amsterdam, three annual holidays; the clock made inside the loop).
// Target: working time at most 1.5 times elapsed.
func BenchmarkWorkingTime(b *testing.B) {
	l := bpic2012(b)
	cal, err := calendar.Read(strings.NewReader(`{"time_zone": "Europe/Amsterdam",
		"week": {"monday": ["08:00-17:00"], "tuesday": ["08:00-17:00"], "wednesday": ["08:00-17:00"], "thursday": ["08:00-17:00"], "friday": ["08:00-17:00"]},
		"annual_holidays": ["12-25", "12-26", "01-01"]}`), "bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, working := range []bool{false, true} {
		name := "elapsed"
		if working {
			name = "working"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var k *calendar.Clock
				if working {
					if k, err = WorkingClock(cal, l); err != nil {
						b.Fatal(err)
					}
				}
				ComputeDFG(l, WithPerformance(), WithWorkingTime(k))
				if k == nil {
					Summarize(CaseDurations(l))
				} else {
					Summarize(WorkingCaseDurations(l, k))
				}
			}
		})
	}
}

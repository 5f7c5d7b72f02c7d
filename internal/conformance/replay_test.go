package conformance

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

func readLog(t testing.TB, name string) *eventlog.Log {
	t.Helper()
	return testlog.Read(t, "xes/"+name)
}

// TestAgainstPM4Py: replaying each reference log on the nets of PM4Py's
// own IM and IMf trees, and on the net of our IMf (noise 0.2) tree, gives
// PM4Py's log fitness and average trace fitness within 0.001 (the issue
// asks 0.01; the README says 0.001) and its share of fitting traces within
// a tenth of a percentage point.
func TestAgainstPM4Py(t *testing.T) {
	for _, name := range testlog.DiscoveryLogs {
		t.Run(name, func(t *testing.T) {
			l := readLog(t, name)
			im, imf := testlog.Discovery(t, name)
			for _, c := range []struct {
				model string
				tree  *processtree.Tree
				want  testlog.PM4PyModel
			}{{"PM4Py's IM", im.Tree, im}, {"PM4Py's IMf", imf.Tree, imf}, {"our IMf", inductive.Discover(l, 0.2), imf}} {
				res, err := Replay(context.Background(), l, petrinet.FromTree(c.tree))
				if err != nil {
					t.Fatal(err)
				}
				w := c.want.Replay
				t.Logf("%-12s log fitness %.5f (PM4Py %.5f), average trace fitness %.5f (%.5f), fitting traces %.2f%% (%.2f%%)", c.model,
					res.LogFitness, w.LogFitness, res.AverageTraceFitness, w.AverageTraceFitness, res.PercentageOfFittingTraces, w.PercentageOfFittingTraces)
				if math.Abs(res.LogFitness-w.LogFitness) > 0.001 || math.Abs(res.AverageTraceFitness-w.AverageTraceFitness) > 0.001 ||
					math.Abs(res.PercentageOfFittingTraces-w.PercentageOfFittingTraces) > 0.1 {
					t.Errorf("%s: log fitness %.5f, average %.5f, fitting %.2f%%; PM4Py's %.5f, %.5f, %.2f%%", c.model,
						res.LogFitness, res.AverageTraceFitness, res.PercentageOfFittingTraces, w.LogFitness, w.AverageTraceFitness, w.PercentageOfFittingTraces)
				}
			}
		})
	}
}

func logOf(traces ...string) *eventlog.Log {
	b := eventlog.NewBuilder()
	l := b.Log()
	for i, tr := range traces {
		c := b.NewCase(string(rune('A' + i)))
		for j, a := range tr {
			b.Event(c, l.Activities.ID(string(a)), int64(j), eventlog.None, eventlog.None)
		}
	}
	return b.Finish()
}

// TestTokens: the counts of a small net, worked out by hand.
func TestTokens(t *testing.T) {
	tree, _ := processtree.Parse("->( 'a', +( 'b', 'c' ), 'd' )")
	n := petrinet.FromTree(tree)
	for _, c := range []struct {
		trace                                  string
		produced, consumed, missing, remaining int
	}{
		// The parallel's split is fused into a, its join into d: the
		// source's token, then a makes 2, b, c and d 1 each; a, b and c
		// take 1, d 2, and the end the sink's.
		{"abcd", 6, 6, 0, 0},
		{"acbd", 6, 6, 0, 0},
		// c is skipped: d finds its place from c empty; the token a made
		// for c remains.
		{"abd", 5, 5, 1, 1},
		// x is not in the model: skipped, but the trace is unfit.
		{"abxcd", 6, 6, 0, 0},
		// d alone: a, b and c never ran; d's two places are empty, the
		// source's token remains.
		{"d", 2, 3, 2, 1},
	} {
		res, err := Replay(context.Background(), logOf(c.trace), n)
		if err != nil {
			t.Fatal(err)
		}
		if res.Produced != c.produced || res.Consumed != c.consumed || res.Missing != c.missing || res.Remaining != c.remaining {
			t.Errorf("%q: p=%d c=%d m=%d r=%d; want %d %d %d %d", c.trace, res.Produced, res.Consumed, res.Missing, res.Remaining, c.produced, c.consumed, c.missing, c.remaining)
		}
		wantFit := c.missing == 0 && c.remaining == 0 && c.trace != "abxcd"
		if (res.FittingTraces == 1) != wantFit {
			t.Errorf("%q: fitting traces %d", c.trace, res.FittingTraces)
		}
	}
	res, err := Replay(context.Background(), logOf("abcd", "abd", "abxcd"), n)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 - 0.5*1.0/17 - 0.5*1.0/17
	if math.Abs(res.LogFitness-want) > 1e-12 || res.PercentageOfFittingTraces != 100.0/3 || res.NotInModel["x"] != 1 {
		t.Errorf("log fitness %v (want %v), fitting %v%%, not in model %v", res.LogFitness, want, res.PercentageOfFittingTraces, res.NotInModel)
	}
	// d found a token missing once; a token waited for c in vain once.
	wantDev := []Deviation{
		{Activity: "c", Events: 2, Remaining: 1},
		{Activity: "d", Events: 3, UnfitEvents: 1, Missing: 1, Cases: 1},
		{Activity: "a", Events: 3},
		{Activity: "b", Events: 3},
	}
	if !reflect.DeepEqual(res.Activities, wantDev) {
		t.Errorf("deviations\n got %+v\nwant %+v", res.Activities, wantDev)
	}
}

// TestNetWithoutMarkings: a net that does not say where runs start or end,
// or whose arcs repeat (weights, which replay does not take), cannot be
// replayed; the error says so.
func TestNetWithoutMarkings(t *testing.T) {
	tree, _ := processtree.Parse("'a'")
	n := petrinet.FromTree(tree)
	n.Final = nil
	if _, err := Replay(context.Background(), logOf("a"), n); err == nil || err.Error() != "the net has no final marking: token replay needs to know where runs end" {
		t.Errorf("err = %v", err)
	}
	n = petrinet.FromTree(tree)
	n.Arcs = append(n.Arcs, n.Arcs[0])
	if err := Check(n); err == nil || !strings.Contains(err.Error(), "an arc of the net repeats another") {
		t.Errorf("a repeated arc: %v", err)
	}
}

// BenchmarkIMfBPIC2012: IMf (noise 0.2) on BPI Challenge 2012, all
// 262,200 events as they stand (PM4Py 2.7.11 on this machine: 11.9 s).
func BenchmarkIMfBPIC2012(b *testing.B) {
	l := readLog(b, "bpic2012.xes.gz")
	b.ReportAllocs()
	for b.Loop() {
		inductive.Discover(l, 0.2)
	}
}

// BenchmarkReplayBPIC2012: token replay of BPI Challenge 2012 on the net
// of its IMf model (PM4Py 2.7.11 on this machine: 12.5 s).
func BenchmarkReplayBPIC2012(b *testing.B) {
	l := readLog(b, "bpic2012.xes.gz")
	n := petrinet.FromTree(inductive.Discover(l, 0.2))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Replay(context.Background(), l, n); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHostileNet: a chain of 2,400 places joined by silent transitions,
// every place marked (a net made to blow up the silent paths between
// places) replays in bounded memory, or stops with ErrTooMuchWork.
func TestHostileNet(t *testing.T) {
	n := &petrinet.Net{Initial: petrinet.Marking{}, Final: petrinet.Marking{}}
	const k = 2400
	for i := range k {
		id := fmt.Sprint("p", i)
		n.Places = append(n.Places, petrinet.Place{ID: id})
		n.Initial[id] = 1
		if i > 0 {
			tid := fmt.Sprint("t", i)
			n.Transitions = append(n.Transitions, petrinet.Transition{ID: tid})
			n.Arcs = append(n.Arcs, petrinet.Arc{Source: fmt.Sprint("p", i-1), Target: tid}, petrinet.Arc{Source: tid, Target: id})
		}
	}
	// The sink is reached from the last place only.
	n.Places = append(n.Places, petrinet.Place{ID: "sink"})
	n.Transitions = append(n.Transitions, petrinet.Transition{ID: "end"})
	n.Arcs = append(n.Arcs, petrinet.Arc{Source: fmt.Sprint("p", k-1), Target: "end"}, petrinet.Arc{Source: "end", Target: "sink"})
	n.Final["sink"] = 1
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Replay(context.Background(), logOf("x", "xy", "y"), n)
	runtime.ReadMemStats(&after)
	if err != nil && err != ErrTooMuchWork {
		t.Fatal(err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 500<<20 {
		t.Errorf("the replay allocated %d MB", grew>>20)
	}
	t.Logf("%v; allocated %d MB; %+v", err, (after.TotalAlloc-before.TotalAlloc)>>20, res)
}

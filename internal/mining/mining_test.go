package mining

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
)

// logOf builds a log from lines "case activity minute [resource]", with
// minutes counted from 2024-01-01T00:00Z.
func logOf(t *testing.T, lines ...string) *eventlog.Log {
	t.Helper()
	b := eventlog.NewBuilder()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for _, line := range lines {
		f := strings.Fields(line)
		c, _ := b.Case(f[0])
		var min int64
		for _, ch := range f[2] {
			min = min*10 + int64(ch-'0')
		}
		res := eventlog.None
		if len(f) > 3 {
			res = b.Log().Resources.ID(f[3])
		}
		b.Event(c, b.Log().Activities.ID(f[1]), base+min*int64(time.Minute), res, eventlog.None)
	}
	return b.Finish()
}

var sample = []string{
	"1 a 0 ann", "1 b 10 bob", "1 c 30 ann",
	"2 a 5 ann", "2 b 6 bob", "2 b 7 bob", "2 c 65 cid",
	"3 a 100 ann", "3 c 160 cid",
	"4 a 200 ann", "4 b 230 bob", "4 c 240 ann",
}

func TestStatsAndDFG(t *testing.T) {
	l := logOf(t, sample...)
	s := ComputeStats(l)
	if s.Cases != 4 || s.Events != 12 || s.Variants != 3 || s.Resources != 3 {
		t.Errorf("stats %+v", s)
	}
	// Durations 30, 60, 60, 40 minutes.
	d := s.CaseDuration
	if d.Min != 1800 || d.Max != 3600 || d.Median != 3000 || d.Mean != 2850 {
		t.Errorf("durations %+v", d)
	}
	if s.Rework.CasesWithRework != 1 || s.Rework.CasesWithSelfLoop != 1 || s.Rework.SelfLoops["b"] != 1 {
		t.Errorf("rework %+v", s.Rework)
	}
	g := ComputeDFG(l, WithPerformance())
	type key struct{ a, b string }
	got := map[key]Edge{}
	for _, e := range g.Edges {
		got[key{g.Activities[e.From], g.Activities[e.To]}] = e
	}
	ab := got[key{"a", "b"}]
	if ab.Count != 3 || ab.Cases != 3 || ab.MaxCase != 1 || ab.Perf.Mean != (600+60+1800)/3.0 || ab.Perf.Median != 600 || ab.Perf.Max != 1800 {
		t.Errorf("a->b %+v %+v", ab, ab.Perf)
	}
	if bb := got[key{"b", "b"}]; bb.Count != 1 || bb.Perf.Total != 60 {
		t.Errorf("b->b %+v", bb)
	}
	if len(g.Edges) != 4 { // a->b, b->b, b->c, a->c
		t.Errorf("%d edges", len(g.Edges))
	}
}

func TestVariantsOrder(t *testing.T) {
	vs := Variants(logOf(t, sample...))
	if len(vs) != 3 || vs[0].Cases != 2 || !slices.Equal(vs[0].Activities, []string{"a", "b", "c"}) {
		t.Fatalf("first variant %+v", vs[0])
	}
	if *vs[0].MeanDuration != 35*60 {
		t.Errorf("mean duration %v", *vs[0].MeanDuration)
	}
	// Ties (one case each) keep first-occurrence order.
	if !slices.Equal(vs[1].Activities, []string{"a", "b", "b", "c"}) {
		t.Errorf("second variant %v", vs[1].Activities)
	}
}

func TestFilters(t *testing.T) {
	l := logOf(t, sample...)
	at := func(min int64) int64 {
		return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute).UnixNano()
	}
	tests := []struct {
		name   string
		filter []Filter
		cases  []string
		events int
	}{
		{"contained", []Filter{TimeFrame{at(0), at(70), Contained}}, []string{"1", "2"}, 7},
		{"intersecting", []Filter{TimeFrame{at(60), at(100), Intersecting}}, []string{"2", "3"}, 6},
		{"started", []Filter{TimeFrame{at(60), at(200), Started}}, []string{"3", "4"}, 5},
		{"completed", []Filter{TimeFrame{at(60), at(160), Completed}}, []string{"2", "3"}, 6},
		{"trim", []Filter{TimeFrame{at(6), at(100), TrimEvents}}, []string{"1", "2", "3"}, 6},
		{"event attr", []Filter{Attribute{Key: "org:resource", Values: []string{"cid"}}}, []string{"2", "3"}, 6},
		{"exclude event attr", []Filter{Attribute{Key: "org:resource", Values: []string{"cid"}, Exclude: true}}, []string{"1", "4"}, 6},
		{"keep events", []Filter{Attribute{Key: "concept:name", Values: []string{"b"}, Events: true}}, []string{"1", "2", "4"}, 4},
		{"drop events", []Filter{Attribute{Key: "concept:name", Values: []string{"b"}, Events: true, Exclude: true}}, []string{"1", "2", "3", "4"}, 8},
		{"case id", []Filter{Attribute{Key: "case:concept:name", Values: []string{"4", "9"}}}, []string{"4"}, 3},
		{"top variant", []Filter{TopVariants{K: 1}}, []string{"1", "4"}, 6},
		{"duration", []Filter{DurationRange{Min: int64(45 * time.Minute), Max: NoMaxDuration}}, []string{"2", "3"}, 6},
		{"duration max", []Filter{DurationRange{Max: int64(45 * time.Minute)}}, []string{"1", "4"}, 6},
		{"endpoints", []Filter{Endpoints{End: []string{"c"}, Start: []string{"a"}}}, []string{"1", "2", "3", "4"}, 12},
		{"endpoints none", []Filter{Endpoints{Start: []string{"b"}}}, nil, 0},
		{"directly", []Filter{Follows{A: "a", B: "c", Directly: true}}, []string{"3"}, 2},
		{"eventually", []Filter{Follows{A: "a", B: "c"}}, []string{"1", "2", "3", "4"}, 12},
		{"not b>b", []Filter{Follows{A: "b", B: "b", Directly: true, Exclude: true}}, []string{"1", "3", "4"}, 8},
		{"unknown activity", []Filter{Follows{A: "zz", B: "c"}}, nil, 0},
		{"variant", []Filter{VariantSet{Seqs: [][]string{{"a", "b", "c"}}}}, []string{"1", "4"}, 6},
		{"variants", []Filter{VariantSet{Seqs: [][]string{{"a", "c"}, {"a", "b", "b", "c"}}}}, []string{"2", "3"}, 6},
		{"exclude variant", []Filter{VariantSet{Seqs: [][]string{{"a", "b", "c"}}, Exclude: true}}, []string{"2", "3"}, 6},
		{"variant of an unknown activity", []Filter{VariantSet{Seqs: [][]string{{"a", "zz"}}}}, nil, 0},
		{"a variant's prefix", []Filter{VariantSet{Seqs: [][]string{{"a", "b"}}}}, nil, 0},
		{"composed", []Filter{Attribute{Key: "org:resource", Values: []string{"bob"}}, TopVariants{K: 1}}, []string{"1", "4"}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Apply(l, tt.filter...)
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.CaseIDs, tt.cases) || got.NumEvents() != tt.events {
				t.Errorf("cases %v with %d events, want %v with %d", got.CaseIDs, got.NumEvents(), tt.cases, tt.events)
			}
		})
	}
	if l.NumEvents() != 12 {
		t.Error("a filter changed its input")
	}
}

func TestResourcesAndTimeline(t *testing.T) {
	l := logOf(t, sample...)
	rs, hs := Resources(l)
	if rs[0].Resource != "ann" || rs[0].Events != 6 || rs[0].Cases != 4 {
		t.Errorf("resources %+v", rs)
	}
	if hs[0] != (Handover{From: "ann", To: "bob", Count: 3}) {
		t.Errorf("handovers %+v", hs)
	}
	name, buckets := EventsOverTime(l, 10)
	if name != "hour" || len(buckets) != 5 || buckets[1].Start != "2024-01-01T01:00:00.000Z" {
		t.Fatalf("%s buckets: %+v", name, buckets)
	}
	if name, b := EventsOverTime(l, 4); name != "day" || len(b) != 1 {
		t.Errorf("at most 4 buckets: %s, %d", name, len(b))
	}
	// Months are calendar months: a log from 2020-01-31 to 2020-03-01 spans
	// three of them, however few days apart.
	months := logOf(t, "1 a 0")
	months.Start = []int64{time.Date(2020, 1, 31, 12, 0, 0, 0, time.UTC).UnixNano()}
	months.End = []int64{time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()}
	if name, b := EventsOverTime(months, 3); name != "month" || len(b) != 3 || b[1].Start != "2020-02-01T00:00:00.000Z" {
		t.Errorf("months: %s %+v", name, b)
	}
	total, started := 0, 0
	for _, b := range buckets {
		total += b.Events
		started += b.CasesStarted
	}
	if total != 12 || started != 4 || buckets[0].CasesActive != 2 {
		t.Errorf("buckets %+v", buckets)
	}
}

func TestPercentileMatchesNumpy(t *testing.T) {
	ns := []int64{1e9, 2e9, 3e9, 4e9}
	for _, tt := range []struct{ q, want float64 }{{0.5, 2.5}, {0.25, 1.75}, {0.9, 3.7}, {1, 4}, {0, 1}} {
		if got := Percentile(ns, tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Percentile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestParallelDFGMatchesSerial: a log large enough to be counted on several
// cores gives exactly the figures of its parts.
func TestParallelDFGMatchesSerial(t *testing.T) {
	small := logOf(t, sample...)
	big := generate.Replicate(small, 1<<20/small.NumEvents()+1)
	if big.NumEvents() < 1<<20 {
		t.Fatalf("only %d events", big.NumEvents())
	}
	copies := big.NumCases() / small.NumCases()
	want := ComputeDFG(small).Edges
	got := ComputeDFG(big).Edges
	if len(got) != len(want) {
		t.Fatalf("%d edges, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.From != w.From || g.To != w.To || g.Count != w.Count*copies || g.Cases != w.Cases*copies || g.MaxCase != w.MaxCase {
			t.Errorf("edge %d: %+v, want %+v times %d", i, g, w, copies)
		}
	}
}

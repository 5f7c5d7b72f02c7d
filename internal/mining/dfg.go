package mining

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
)

// DFG is the directly-follows graph: an edge a→b for every pair of
// consecutive events of a case.
type DFG struct {
	// Activities holds the names, indexed like the counts below.
	Activities []string
	ActEvents  []int // events per activity
	ActCases   []int // cases containing the activity
	Start      []int // cases starting with the activity
	End        []int // cases ending with the activity
	Edges      []Edge
}

// Edge is one directly-follows relation.
type Edge struct {
	From, To int32
	Count    int // times a is directly followed by b
	Cases    int // cases in which it happens
	MaxCase  int // most times in a single case
	// Perf holds the waiting times from a's end to b's start; nil unless
	// performance was asked for and the log is timed.
	Perf *Durations
}

// DFGOption adjusts what ComputeDFG computes.
type DFGOption func(*dfgConfig)

type dfgConfig struct {
	perf  bool
	clock *calendar.Clock
}

// WithPerformance also computes the durations of every edge.
func WithPerformance() DFGOption { return func(c *dfgConfig) { c.perf = true } }

// WithWorkingTime measures the edges' durations in working time by the
// clock (see WorkingClock); nil measures elapsed time.
func WithWorkingTime(k *calendar.Clock) DFGOption { return func(c *dfgConfig) { c.clock = k } }

// dense graphs up to this many activities use flat count arrays (five
// int32 arrays of n×n: 20 MB at the limit).
const denseLimit = 1024

// ComputeDFG builds the directly-follows graph of the log.
func ComputeDFG(l *eventlog.Log, opts ...DFGOption) *DFG {
	var cfg dfgConfig
	for _, o := range opts {
		o(&cfg)
	}
	n := l.Activities.Len()
	g := &DFG{
		Activities: l.Activities.Names()[:n:n],
		ActEvents:  make([]int, n),
		ActCases:   make([]int, n),
		Start:      make([]int, n),
		End:        make([]int, n),
	}
	actSeen := make([]int32, n)
	for i := range actSeen {
		actSeen[i] = -1
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		g.Start[l.Act[lo]]++
		g.End[l.Act[hi-1]]++
		for e := lo; e < hi; e++ {
			a := l.Act[e]
			g.ActEvents[a]++
			if actSeen[a] != int32(c) {
				actSeen[a] = int32(c)
				g.ActCases[a]++
			}
		}
	}
	if n <= denseLimit {
		g.Edges = denseEdges(l, n)
	} else {
		g.Edges = sparseEdges(l)
	}
	if cfg.perf && l.Timed {
		addPerformance(l, g, cfg.clock)
	}
	return g
}

// denseEdges counts edges in flat n×n arrays: one pass, no hashing. This is
// the path every interactive map takes, so it is kept lean; large logs are
// split by case across the cores and the partial counts added up (a case
// lies in one part only, so cases and max-per-case combine exactly).
func denseEdges(l *eventlog.Log, n int) []Edge {
	// Each part holds five n×n count arrays, so the parts are few: enough
	// for two to four cores. Two at least, so the merge is always exercised.
	parts := 1
	if l.NumEvents() >= 1<<20 {
		parts = min(max(runtime.GOMAXPROCS(0), 2), 4)
	}
	cases := l.NumCases()
	counts := make([]*edgeCounts, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[p] = countEdges(l, n, p*cases/parts, (p+1)*cases/parts)
		}()
	}
	wg.Wait()
	total := counts[0]
	for _, c := range counts[1:] {
		for k := range total.count {
			total.count[k] += c.count[k]
			total.cases[k] += c.cases[k]
			total.maxCase[k] = max(total.maxCase[k], c.maxCase[k])
		}
	}
	var edges []Edge
	for k, v := range total.count {
		if v > 0 {
			edges = append(edges, Edge{From: int32(k / n), To: int32(k % n), Count: int(v), Cases: int(total.cases[k]), MaxCase: int(total.maxCase[k])})
		}
	}
	return edges
}

type edgeCounts struct{ count, cases, maxCase []int32 }

// countEdges counts the edges of cases [from, to).
func countEdges(l *eventlog.Log, n, from, to int) *edgeCounts {
	size := n * n
	ec := &edgeCounts{count: make([]int32, size), cases: make([]int32, size), maxCase: make([]int32, size)}
	count, casesIn, maxCase := ec.count, ec.cases, ec.maxCase
	inCase := make([]int32, size)
	lastCase := make([]int32, size)
	for i := range lastCase {
		lastCase[i] = -1
	}
	act := l.Act
	off := l.CaseOffsets
	for c := from; c < to; c++ {
		lo, hi := off[c], off[c+1]
		c32 := int32(c)
		for e := lo + 1; e < hi; e++ {
			k := int(act[e-1])*n + int(act[e])
			count[k]++
			if lastCase[k] != c32 {
				lastCase[k] = c32
				casesIn[k]++
				inCase[k] = 1
			} else {
				inCase[k]++
			}
			if inCase[k] > maxCase[k] {
				maxCase[k] = inCase[k]
			}
		}
	}
	return ec
}

func sparseEdges(l *eventlog.Log) []Edge {
	type acc struct{ count, cases, maxCase, inCase, lastCase int }
	m := map[[2]int32]*acc{}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		for e := lo + 1; e < hi; e++ {
			k := [2]int32{l.Act[e-1], l.Act[e]}
			a := m[k]
			if a == nil {
				a = &acc{lastCase: -1}
				m[k] = a
			}
			a.count++
			if a.lastCase != c {
				a.lastCase, a.inCase = c, 0
				a.cases++
			}
			a.inCase++
			a.maxCase = max(a.maxCase, a.inCase)
		}
	}
	edges := make([]Edge, 0, len(m))
	for k, a := range m {
		edges = append(edges, Edge{From: k[0], To: k[1], Count: a.count, Cases: a.cases, MaxCase: a.maxCase})
	}
	slices.SortFunc(edges, func(x, y Edge) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	return edges
}

// addPerformance fills Edge.Perf with the time from the end of a to the
// start of b. For logs of instants this is b's timestamp minus a's, PM4Py's
// performance DFG; with activity instances it is the waiting time between
// them, and zero when they overlap. A clock measures in working time.
func addPerformance(l *eventlog.Log, g *DFG, k *calendar.Clock) {
	idx := make(map[[2]int32]int, len(g.Edges))
	for i, e := range g.Edges {
		idx[[2]int32{e.From, e.To}] = i
	}
	durs := make([][]int64, len(g.Edges))
	for i, e := range g.Edges {
		durs[i] = make([]int64, 0, e.Count)
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		for e := lo + 1; e < hi; e++ {
			i := idx[[2]int32{l.Act[e-1], l.Act[e]}]
			var d int64
			if k == nil {
				d = l.Start[e] - l.End[e-1]
			} else {
				d = k.Working(l.End[e-1], l.Start[e])
			}
			if d < 0 && l.HasStarts() {
				d = 0
			}
			durs[i] = append(durs[i], d)
		}
	}
	for i := range g.Edges {
		g.Edges[i].Perf = Summarize(durs[i])
	}
}

package processmap

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"slices"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// View selects the figures a map shows.
type View string

// The two views of a map.
const (
	Frequency   View = "frequency"
	Performance View = "performance"
)

// Options shape a map. Activities and Paths are shares from 0 to 1; 1 keeps
// everything.
type Options struct {
	View       View
	Activities float64
	Paths      float64
	// Clock, when set, measures the durations in working time (see
	// mining.WorkingClock).
	Clock *calendar.Clock
}

// Node is an activity on the map.
type Node struct {
	Activity string `json:"activity"`
	Count    int    `json:"count"`
	Cases    int    `json:"cases"`
}

// Edge is a directly-follows relation on the map. The duration fields are
// in seconds, and null for untimed logs.
type Edge struct {
	Source  string   `json:"source"`
	Target  string   `json:"target"`
	Count   int      `json:"count"`
	Cases   int      `json:"cases"`
	MaxCase int      `json:"max_per_case,omitempty"`
	Mean    *float64 `json:"mean_seconds"`
	Median  *float64 `json:"median_seconds"`
	Min     *float64 `json:"min_seconds"`
	Max     *float64 `json:"max_seconds"`
	Total   *float64 `json:"total_seconds"`
	// Backbone tells that the edge is on the map at every paths share
	// (keepPaths keeps it at 0), or that the map is whole: the layout
	// ranks the activities by these edges alone, so that a paths slider
	// moving a little does not move them.
	Backbone bool `json:"backbone,omitempty"`
}

// Map is a simplified process map.
type Map struct {
	View  View           `json:"view"`
	Nodes []Node         `json:"nodes"`
	Edges []Edge         `json:"edges"`
	Start map[string]int `json:"start"`
	End   map[string]int `json:"end"`
	// Timed tells whether durations are available; WorkingTime that they
	// are in working time by the process's calendar.
	Timed       bool `json:"timed"`
	WorkingTime bool `json:"working_time,omitempty"`
	// Marked are activities to draw marked, with a note each (the
	// deviations conformance checking found in them).
	Marked map[string]string `json:"-"`
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.View != Frequency && o.View != Performance {
		return fmt.Errorf("view must be frequency or performance, not %q", o.View)
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"activities", o.Activities}, {"paths", o.Paths}} {
		if math.IsNaN(s.v) || s.v < 0 || s.v > 1 {
			return fmt.Errorf("%s must be a share from 0 to 1, not %v", s.name, s.v)
		}
	}
	return nil
}

// Build makes the map of a log.
func Build(l *eventlog.Log, o Options) (*Map, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return NewGraphWith(l, o.Activities, 0, o.Clock).Map(o)
}

// Graph is the directly-follows graph a map is drawn from, for one share
// of activities: the costly part of a map, which the paths slider and the
// view do not change, so that it can be kept while they move.
type Graph struct {
	dfg     *mining.DFG
	timed   bool
	working bool
}

// NewGraph computes the graph of the log's most frequent share of
// activities.
func NewGraph(l *eventlog.Log, activities float64) *Graph {
	return NewGraphOf(l, activities, 0)
}

// NewGraphOf is NewGraph for a reader shown only groups of at least
// minCases cases (disclosure control): activities of fewer cases take no
// part in the activities share, and the graph keeps only the activities,
// paths and start and end arcs of at least minCases cases. The sliders
// then rank and count only what the reader is shown, so where they cut
// tells nothing of the rest (how many paths there are in all, say).
// minCases of 1 or less is NewGraph.
func NewGraphOf(l *eventlog.Log, activities float64, minCases int) *Graph {
	return NewGraphWith(l, activities, minCases, nil)
}

// NewGraphWith is NewGraphOf with the durations in working time by the
// clock, or elapsed when it is nil.
func NewGraphWith(l *eventlog.Log, activities float64, minCases int, clock *calendar.Clock) *Graph {
	l = keepActivities(l, activities, minCases)
	var opts []mining.DFGOption
	if l.Timed {
		opts = append(opts, mining.WithPerformance(), mining.WithWorkingTime(clock))
	}
	gr := &Graph{dfg: mining.ComputeDFG(l, opts...), timed: l.Timed, working: l.Timed && clock != nil}
	if minCases > 1 {
		gr.dfg = atLeast(gr.dfg, minCases)
	}
	return gr
}

// atLeast is the graph of g's groups of at least k cases: an activity of
// fewer has no events, and arcs of fewer, or touching such an activity,
// are gone.
func atLeast(g *mining.DFG, k int) *mining.DFG {
	c := *g
	c.ActEvents, c.Start, c.End = slices.Clone(g.ActEvents), slices.Clone(g.Start), slices.Clone(g.End)
	for a := range c.ActEvents {
		if g.ActCases[a] < k {
			c.ActEvents[a] = 0
		}
		if c.ActEvents[a] == 0 || c.Start[a] < k {
			c.Start[a] = 0
		}
		if c.ActEvents[a] == 0 || c.End[a] < k {
			c.End[a] = 0
		}
	}
	c.Edges = nil
	for _, e := range g.Edges {
		if e.Cases >= k && c.ActEvents[e.From] > 0 && c.ActEvents[e.To] > 0 {
			c.Edges = append(c.Edges, e)
		}
	}
	return &c
}

// Size estimates the bytes the graph holds.
func (gr *Graph) Size() int64 {
	return int64(len(gr.dfg.Activities))*64 + int64(len(gr.dfg.Edges))*160
}

// Map draws the map of the graph with the options' paths share and view
// (their activities share is the graph's).
func (gr *Graph) Map(o Options) (*Map, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g := gr.dfg
	m := &Map{View: o.View, Start: map[string]int{}, End: map[string]int{}, Timed: gr.timed, WorkingTime: gr.working}
	edges, startKept, endKept := keepPaths(g, o.Paths)
	// A map cut by the paths slider ranks its activities by the edges
	// every share keeps (Edge.Backbone); a whole map by all its edges.
	backbone := map[[2]int32]bool{}
	if o.Paths > 0 && o.Paths < 1 {
		bb, _, _ := keepPaths(g, 0)
		for _, e := range bb {
			backbone[[2]int32{e.From, e.To}] = true
		}
	}
	onMap := make([]bool, len(g.Activities))
	for a, name := range g.Activities {
		if g.ActEvents[a] == 0 {
			continue
		}
		onMap[a] = true
		m.Nodes = append(m.Nodes, Node{Activity: name, Count: g.ActEvents[a], Cases: g.ActCases[a]})
		if startKept[a] {
			m.Start[name] = g.Start[a]
		}
		if endKept[a] {
			m.End[name] = g.End[a]
		}
	}
	slices.SortFunc(m.Nodes, func(a, b Node) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Activity, b.Activity))
	})
	for _, e := range edges {
		me := Edge{
			Source: g.Activities[e.From], Target: g.Activities[e.To],
			Count: e.Count, Cases: e.Cases, MaxCase: e.MaxCase,
			Backbone: o.Paths == 0 || o.Paths >= 1 || backbone[[2]int32{e.From, e.To}],
		}
		if p := e.Perf; p != nil {
			me.Mean, me.Median, me.Min, me.Max, me.Total = &p.Mean, &p.Median, &p.Min, &p.Max, &p.Total
		}
		m.Edges = append(m.Edges, me)
	}
	slices.SortFunc(m.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
	return m, nil
}

// keepActivities removes the events of all but the most frequent share of
// activities, of those in at least minCases cases. At least one activity
// stays.
func keepActivities(l *eventlog.Log, share float64, minCases int) *eventlog.Log {
	if share >= 1 {
		return l
	}
	counts := make([]int, l.Activities.Len())
	for _, a := range l.Act {
		counts[a]++
	}
	cases := make([]int, len(counts))
	if minCases > 1 {
		seen := make([]int32, len(counts))
		for c := range l.CaseIDs {
			lo, hi := l.Events(c)
			for e := lo; e < hi; e++ {
				if a := l.Act[e]; seen[a] != int32(c)+1 {
					seen[a] = int32(c) + 1
					cases[a]++
				}
			}
		}
	}
	var present []int32
	for a, n := range counts {
		if n > 0 && (minCases <= 1 || cases[a] >= minCases) {
			present = append(present, int32(a))
		}
	}
	if len(present) == 0 {
		return l
	}
	keep := max(1, int(math.Ceil(share*float64(len(present)))))
	if keep >= len(present) {
		return l
	}
	slices.SortStableFunc(present, func(a, b int32) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(l.Activities.Name(a), l.Activities.Name(b)))
	})
	kept := make([]bool, len(counts))
	for _, a := range present[:keep] {
		kept[a] = true
	}
	// Activities of fewer than minCases cases stay in the log (the graph
	// leaves them out later, atLeast): cutting them here would join the
	// paths around them at one share and not at another.
	for a := range kept {
		kept[a] = kept[a] || minCases > 1 && counts[a] > 0 && cases[a] < minCases
	}
	return l.SelectEvents(func(e int) bool { return kept[l.Act[e]] })
}

// keepPaths selects the edges shown for a paths share. The graph gets an
// artificial source and sink (index n and n+1) whose edges are the start and
// end counts; those take part in the ranking like every other edge.
func keepPaths(g *mining.DFG, share float64) (edges []mining.Edge, start, end []bool) {
	n := len(g.Activities)
	start, end = make([]bool, n), make([]bool, n)
	if share >= 1 {
		for a := range n {
			start[a], end[a] = g.Start[a] > 0, g.End[a] > 0
		}
		return g.Edges, start, end
	}
	src, sink := int32(n), int32(n+1)
	type arc struct {
		from, to int32
		count    int
		edge     int // index in g.Edges, or -1 for a start/end arc
	}
	var arcs []arc
	present := make([]bool, n+2)
	present[src], present[sink] = true, true
	for a := range n {
		if g.Start[a] > 0 {
			arcs = append(arcs, arc{src, int32(a), g.Start[a], -1})
		}
		if g.End[a] > 0 {
			arcs = append(arcs, arc{int32(a), sink, g.End[a], -1})
		}
		present[a] = g.ActEvents[a] > 0
	}
	for i, e := range g.Edges {
		arcs = append(arcs, arc{e.From, e.To, e.Count, i})
	}
	slices.SortStableFunc(arcs, func(a, b arc) int { return cmp.Compare(b.count, a.count) })
	keep := int(math.Ceil(share * float64(len(arcs))))
	kept := make([]bool, len(arcs))
	for i := range keep {
		kept[i] = true
	}
	// Repair: grow the set reachable from the source, then the set that
	// reaches the sink, each time by the strongest arc that extends it
	// (Prim's algorithm over arcs ranked by count: the heap holds arc
	// indexes, and a lower index is a stronger arc). Every present activity
	// lies on some case's path from source to sink, so both passes end with
	// every activity connected.
	out := make([][]int, n+2) // arcs leaving each node
	in := make([][]int, n+2)  // arcs entering each node
	for i, a := range arcs {
		out[a.from] = append(out[a.from], i)
		in[a.to] = append(in[a.to], i)
	}
	for _, forward := range []bool{true, false} {
		next, root := out, src
		if !forward {
			next, root = in, sink
		}
		far := func(i int) int32 { // the end of arc i away from the root
			if forward {
				return arcs[i].to
			}
			return arcs[i].from
		}
		reach := make([]bool, n+2)
		var candidates intHeap
		var visit func(node int32)
		visit = func(node int32) {
			reach[node] = true
			for _, i := range next[node] {
				switch {
				case reach[far(i)]:
				case kept[i]:
					visit(far(i))
				default:
					heap.Push(&candidates, i)
				}
			}
		}
		visit(root)
		for candidates.Len() > 0 {
			i := heap.Pop(&candidates).(int)
			if !reach[far(i)] && present[far(i)] {
				kept[i] = true
				visit(far(i))
			}
		}
	}
	for i, a := range arcs {
		switch {
		case !kept[i]:
		case a.edge >= 0:
			edges = append(edges, g.Edges[a.edge])
		case a.from == src:
			start[a.to] = true
		default:
			end[a.from] = true
		}
	}
	return edges, start, end
}

// intHeap is a min-heap of arc indexes.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

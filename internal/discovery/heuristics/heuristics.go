// Package heuristics discovers a process model with the heuristics miner
// (Weijters and Ribeiro, "Flexible Heuristics Miner (FHM)", 2011): from
// how often activities directly follow each other it computes how surely
// one depends on another, keeps the dependencies above a threshold (and,
// so that every activity is connected, each activity's best predecessor
// and successor), adds loops of length one and two, and decides for each
// activity with several successors (predecessors) which of them run in
// parallel (AND) and which are alternatives (XOR). Unlike the inductive
// miner, its model need not be block-structured or sound: it shows the
// main flow of a noisy log as it is.
//
// The model comes out as BPMN: tasks, with exclusive and parallel
// gateways for the splits and joins.
package heuristics

import (
	"fmt"
	"slices"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// Options are the miner's thresholds; Defaults are PM4Py's.
type Options struct {
	// Dependency is the least dependency measure, -1 to 1, for an edge
	// a → b or a loop a → a to be kept.
	Dependency float64
	// And is the least AND measure for two successors (predecessors) of
	// an activity to run in parallel rather than be alternatives.
	And float64
	// LoopTwo is the least length-two-loop measure for a b a patterns to
	// become a loop between a and b.
	LoopTwo float64
	// MinOccurrences is how often a must be directly followed by b for
	// the edge to be kept.
	MinOccurrences int
}

// Defaults are the thresholds PM4Py uses by default.
func Defaults() Options {
	return Options{Dependency: 0.5, And: 0.65, LoopTwo: 0.5, MinOccurrences: 1}
}

// Validate says what is wrong with the options, in the flags' words.
func (o Options) Validate() error {
	switch {
	case !(o.Dependency >= -1 && o.Dependency <= 1):
		return fmt.Errorf("the dependency threshold must be between -1 and 1, not %v", o.Dependency)
	case !(o.And >= 0 && o.And <= 1):
		return fmt.Errorf("the AND threshold must be between 0 and 1, not %v", o.And)
	case !(o.LoopTwo >= 0 && o.LoopTwo <= 1):
		return fmt.Errorf("the length-two-loop threshold must be between 0 and 1, not %v", o.LoopTwo)
	case o.MinOccurrences < 1:
		return fmt.Errorf("the least occurrences of an edge must be at least 1, not %d", o.MinOccurrences)
	}
	return nil
}

// counts are what the miner reads from the log.
type counts struct {
	follows    map[[2]int32]int // a directly followed by b
	twice      map[[2]int32]int // a b a
	start, end map[int32]int
	acts       []int32 // that occur, in order of their ids
}

// count takes the directly-follows counts, start and end activities from
// the log's directly-follows graph, and counts the a b a patterns.
func count(l *eventlog.Log) *counts {
	g := mining.ComputeDFG(l)
	c := &counts{follows: make(map[[2]int32]int, len(g.Edges)), twice: map[[2]int32]int{}, start: map[int32]int{}, end: map[int32]int{}}
	for _, e := range g.Edges {
		c.follows[[2]int32{e.From, e.To}] = e.Count
	}
	for a, n := range g.ActEvents {
		if n == 0 {
			continue
		}
		c.acts = append(c.acts, int32(a))
		if g.Start[a] > 0 {
			c.start[int32(a)] = g.Start[a]
		}
		if g.End[a] > 0 {
			c.end[int32(a)] = g.End[a]
		}
	}
	for cs := range l.CaseIDs {
		lo, hi := l.Events(cs)
		t := l.Act[lo:hi]
		for i := 2; i < len(t); i++ {
			if t[i-2] == t[i] && t[i-1] != t[i] {
				c.twice[[2]int32{t[i], t[i-1]}]++
			}
		}
	}
	return c
}

// dependency is a ⇒ b: how surely b follows a rather than the other way
// round; for a == b, how surely a repeats itself.
func (c *counts) dependency(a, b int32) float64 {
	ab, ba := float64(c.follows[[2]int32{a, b}]), float64(c.follows[[2]int32{b, a}])
	if a == b {
		return ab / (ab + 1)
	}
	return (ab - ba) / (ab + ba + 1)
}

// Discover mines the log and returns its model as BPMN.
func Discover(l *eventlog.Log, o Options) *bpmn.Model {
	c := count(l)
	names := l.Activities.Names()
	succ := map[int32][]int32{}
	pred := map[int32][]int32{}
	has := map[[2]int32]bool{}
	edge := func(a, b int32) {
		if !has[[2]int32{a, b}] {
			has[[2]int32{a, b}] = true
			succ[a] = append(succ[a], b)
			pred[b] = append(pred[b], a)
		}
	}
	loop := map[int32]bool{}
	for _, a := range c.acts {
		if c.follows[[2]int32{a, a}] >= o.MinOccurrences && c.dependency(a, a) >= o.Dependency {
			loop[a] = true
			edge(a, a)
		}
	}
	for _, a := range c.acts {
		for _, b := range c.acts {
			if a != b && c.follows[[2]int32{a, b}] >= o.MinOccurrences && c.dependency(a, b) >= o.Dependency {
				edge(a, b)
			}
		}
	}
	// Loops of length two: a b a and b a b, where neither repeats itself.
	for _, a := range c.acts {
		for _, b := range c.acts {
			if a >= b || loop[a] || loop[b] {
				continue
			}
			ab, ba := float64(c.twice[[2]int32{a, b}]), float64(c.twice[[2]int32{b, a}])
			if (ab+ba)/(ab+ba+1) >= o.LoopTwo && c.follows[[2]int32{a, b}] > 0 && c.follows[[2]int32{b, a}] > 0 {
				edge(a, b)
				edge(b, a)
			}
		}
	}
	// All activities connected: one that never starts a trace gets its
	// best predecessor; one that never ends it its best successor.
	best := func(a int32, incoming bool) (int32, bool) {
		var top int32
		found, topDep := false, 0.0
		for _, x := range c.acts {
			if x == a {
				continue
			}
			from, to := x, a
			if !incoming {
				from, to = a, x
			}
			if c.follows[[2]int32{from, to}] == 0 {
				continue
			}
			if d := c.dependency(from, to); !found || d > topDep {
				top, topDep, found = x, d, true
			}
		}
		return top, found
	}
	for _, a := range c.acts {
		if c.start[a] == 0 && !slices.ContainsFunc(pred[a], func(x int32) bool { return x != a }) {
			if b, ok := best(a, true); ok {
				edge(b, a)
			}
		}
		if c.end[a] == 0 && !slices.ContainsFunc(succ[a], func(x int32) bool { return x != a }) {
			if b, ok := best(a, false); ok {
				edge(a, b)
			}
		}
	}
	return c.model(names, succ, pred, o)
}

// binding is how an activity's successors (or predecessors) relate: a
// single one (leaf), all of the children in parallel, or one of them.
type binding struct {
	act  int32
	and  bool
	kids []*binding
}

// bind decides which of an activity's successors (predecessors, when not
// outgoing) run in parallel and which are alternatives. Two run in
// parallel when their AND measure reaches the threshold. The decision is
// made as a tree, the way a cut is found in the inductive miner: groups
// that are all parallel to each other form a parallel, groups with no
// parallel between them a choice, and so on inside each. A self-loop
// and a relation that neither splits (not such a tree) are alternatives.
func (c *counts) bind(a int32, others []int32, outgoing bool, o Options) *binding {
	parallel := func(b, d int32) bool {
		if b == a || d == a {
			return false
		}
		bd, db := float64(c.follows[[2]int32{b, d}]), float64(c.follows[[2]int32{d, b}])
		var ab, ad float64
		if outgoing {
			ab, ad = float64(c.follows[[2]int32{a, b}]), float64(c.follows[[2]int32{a, d}])
		} else {
			ab, ad = float64(c.follows[[2]int32{b, a}]), float64(c.follows[[2]int32{d, a}])
		}
		return (bd+db)/(ab+ad+1) >= o.And
	}
	var split func(set []int32) *binding
	split = func(set []int32) *binding {
		if len(set) == 1 {
			return &binding{act: set[0]}
		}
		for _, and := range []bool{true, false} {
			// For a parallel, the parts are what the choices join; for
			// a choice, what the parallels join.
			parts := components(set, func(b, d int32) bool { return parallel(b, d) != and })
			if len(parts) > 1 {
				n := &binding{and: and}
				for _, p := range parts {
					n.kids = append(n.kids, split(p))
				}
				return n
			}
		}
		n := &binding{}
		for _, b := range set {
			n.kids = append(n.kids, &binding{act: b})
		}
		return n
	}
	return split(others)
}

// components splits set into the groups that joined relates.
func components(set []int32, joined func(b, d int32) bool) [][]int32 {
	group := make([]int, len(set))
	for i := range group {
		group[i] = i
	}
	find := func(i int) int {
		for group[i] != i {
			i = group[i]
		}
		return i
	}
	for i := range set {
		for j := i + 1; j < len(set); j++ {
			if joined(set[i], set[j]) {
				ri, rj := find(i), find(j)
				group[max(ri, rj)] = min(ri, rj)
			}
		}
	}
	var out [][]int32
	at := map[int]int{}
	for i, b := range set {
		r := find(i)
		k, ok := at[r]
		if !ok {
			k = len(out)
			at[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], b)
	}
	return out
}

package inductive

import (
	"github.com/procmine/procmine/internal/processtree"
)

// fallThrough mines a log that has no cut, trying looser models in turn:
// an activity in parallel with the rest (when it occurs once in every
// trace, or when without it the rest has a cut), the traces as repetitions
// of shorter ones (split where an end activity is followed by a start
// activity, or before every start activity), and last the flower model
// that allows any sequence of the log's activities.
func (m *miner) fallThrough(lg log, g *graph) *processtree.Tree {
	if len(g.acts) > 1 {
		for _, a := range g.acts {
			if onceInEveryTrace(lg, a) {
				return processtree.Node(processtree.Parallel, m.leaf(a), m.mine(without(lg, a), false))
			}
		}
		for _, a := range g.acts {
			rest := without(lg, a)
			rg := newGraph(rest)
			for _, c := range cuts {
				if c.find(rg) != nil {
					// The activity's own part keeps how often it occurs.
					return processtree.Node(processtree.Parallel, m.mine(only(lg, a), false), m.mine(rest, false))
				}
			}
		}
	}
	for _, strict := range []bool{true, false} {
		if split, ok := splitAtRestarts(lg, g, strict); ok {
			return processtree.Node(processtree.Loop, m.mine(split, false), processtree.Silent())
		}
	}
	flower := []*processtree.Tree{processtree.Silent()}
	for _, a := range g.acts {
		flower = append(flower, m.leaf(a))
	}
	return processtree.Node(processtree.Loop, flower...)
}

func onceInEveryTrace(lg log, a int32) bool {
	for _, t := range lg.traces {
		n := 0
		for _, x := range t {
			if x == a {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	return true
}

// without removes an activity from every trace; only keeps nothing else.
func without(lg log, a int32) log { return project(lg, func(x int32) bool { return x != a }) }

func only(lg log, a int32) log { return project(lg, func(x int32) bool { return x == a }) }

// project keeps the events of every trace whose activity ok accepts.
func project(lg log, ok func(int32) bool) log {
	out := log{}
	for i, t := range lg.traces {
		out.add(keep(t, ok), lg.counts[i])
	}
	return out
}

// splitAtRestarts cuts every trace before each start activity that
// follows an end activity (strict) or before each start activity but the
// first; ok tells whether any trace was cut.
func splitAtRestarts(lg log, g *graph, strict bool) (log, bool) {
	out, cut := log{}, false
	for i, t := range lg.traces {
		from := 0
		for j := 1; j < len(t); j++ {
			if g.start[t[j]] && (!strict || g.end[t[j-1]]) {
				out.add(t[from:j], lg.counts[i])
				from, cut = j, true
			}
		}
		out.add(t[from:], lg.counts[i])
	}
	return out, cut
}

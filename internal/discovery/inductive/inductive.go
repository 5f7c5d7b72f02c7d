// Package inductive discovers a process tree from an event log with the
// inductive miner (IM) of Leemans, Fahland and van der Aalst ("Discovering
// block-structured process models from event logs — a constructive
// approach", 2013): it finds in the log's directly-follows graph a cut
// (exclusive choice, sequence, parallel, loop), splits the log along it
// and mines each part the same way, down to single activities; where no
// cut exists it falls through to looser models, down to a flower that
// allows everything. The tree it returns fits every trace of the log.
//
// Where the paper leaves a choice open, it follows PM4Py 2.7 so that the
// trees are the same: cuts are tried as exclusive choice, sequence,
// parallel, loop; the sequence cut is made strict (Leemans' thesis, 2017,
// p. 233: groups that are skipped together stay together); empty traces
// are taken first (X( tau, … )); an activity found concurrent with the
// rest keeps its own part of the log (so repetitions of it become a
// loop); nested operators of one kind are folded. The trees equal PM4Py's
// on every log of the shared reference set, BPI Challenge 2012 included.
//
// With a noise threshold above 0 it is IMf (Leemans, Fahland and van der
// Aalst, "Discovering block-structured process models from event logs
// containing infrequent behaviour", 2013): where the graph has no cut, its
// infrequent edges are left out and the cuts tried again, traces that
// break the cut found lose the fewest events that make them fit, and empty
// traces that are rare are dropped instead of making everything skippable.
// The tree then no longer fits every trace; it leaves out what happens
// rarely.
package inductive

import (
	"slices"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processtree"
)

// Discover mines a process tree from the log's traces of activities with
// IM (noise 0) or IMf (noise above 0, at most 1; PM4Py's default is 0.2).
func Discover(l *eventlog.Log, noise float64) *processtree.Tree {
	m := &miner{names: l.Activities.Names(), noise: noise}
	lg := log{}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		lg.add(l.Act[lo:hi], 1)
	}
	return m.mine(lg, false).Fold()
}

// log is a multiset of traces, kept as variants.
type log struct {
	traces [][]int32
	counts []int
	index  map[string]int
}

func (lg *log) add(t []int32, n int) {
	if lg.index == nil {
		lg.index = map[string]int{}
	}
	k := mining.TraceKey(t)
	if i, ok := lg.index[k]; ok {
		lg.counts[i] += n
		return
	}
	lg.index[k] = len(lg.traces)
	lg.traces = append(lg.traces, slices.Clone(t))
	lg.counts = append(lg.counts, n)
}

type miner struct {
	names []string
	noise float64
}

func (m *miner) leaf(a int32) *processtree.Tree { return processtree.Leaf(m.names[a]) }

// mine finds the tree of a log. keepSkips is set for the parts of a
// parallel cut: their empty traces stay a skip however rare.
func (m *miner) mine(lg log, keepSkips bool) *processtree.Tree {
	// Empty traces: skipping everything is one choice, unless they are
	// rare (IMf), when they are dropped. In the parts of a parallel cut
	// they stay (not in those of the fall-throughs' parallels): PM4Py
	// 2.7 behaves so, and with this rule its IMf trees and ours are the
	// same on every reference log.
	traces, empty := 0, 0
	for i, t := range lg.traces {
		traces += lg.counts[i]
		if len(t) == 0 {
			empty += lg.counts[i]
		}
	}
	if empty == traces {
		return processtree.Silent()
	}
	if empty > 0 {
		rest := log{}
		for i, t := range lg.traces {
			if len(t) > 0 {
				rest.add(t, lg.counts[i])
			}
		}
		if keepSkips || float64(empty) > m.noise*float64(traces) {
			return processtree.Node(processtree.Xor, processtree.Silent(), m.mine(rest, false))
		}
		lg = rest
	}
	// Base case: one activity once.
	if len(lg.traces) == 1 && len(lg.traces[0]) == 1 {
		return m.leaf(lg.traces[0][0])
	}
	g := newGraph(lg)
	if t := m.cut(lg, g); t != nil {
		return t
	}
	if m.noise > 0 {
		if t := m.cut(lg, g.filtered(m.noise)); t != nil {
			return t
		}
	}
	return m.fallThrough(lg, g)
}

// cut splits the log along the first cut found in the graph and mines the
// parts; nil when there is none.
func (m *miner) cut(lg log, g *graph) *processtree.Tree {
	for _, c := range cuts {
		if groups := c.find(g); groups != nil {
			return m.split(lg, c.op, groups)
		}
	}
	return nil
}

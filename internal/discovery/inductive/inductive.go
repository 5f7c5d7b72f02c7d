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
package inductive

import (
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/processtree"
)

// Discover mines a process tree from the log's traces of activities.
func Discover(l *eventlog.Log) *processtree.Tree {
	m := &miner{names: l.Activities.Names()}
	lg := log{}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		lg.add(l.Act[lo:hi], 1)
	}
	return m.mine(lg).Fold()
}

// log is a multiset of traces, kept as variants.
type log struct {
	traces [][]int32
	counts []int
	index  map[string]int
}

func key(t []int32) string {
	var b strings.Builder
	for _, a := range t {
		b.WriteRune(rune(a) + 1)
	}
	return b.String()
}

func (lg *log) add(t []int32, n int) {
	if lg.index == nil {
		lg.index = map[string]int{}
	}
	k := key(t)
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
}

func (m *miner) leaf(a int32) *processtree.Tree { return processtree.Leaf(m.names[a]) }

func (m *miner) mine(lg log) *processtree.Tree {
	// Base cases: nothing happens, or one activity once.
	empty, single := 0, int32(-1)
	sameSingle := true
	for _, t := range lg.traces {
		switch {
		case len(t) == 0:
			empty++
		case len(t) == 1 && (single < 0 || single == t[0]):
			single = t[0]
		default:
			sameSingle = false
		}
	}
	if empty == len(lg.traces) {
		return processtree.Silent()
	}
	if sameSingle && empty == 0 {
		return m.leaf(single)
	}
	// Empty traces beside others: skipping everything is one choice.
	if empty > 0 {
		rest := log{}
		for i, t := range lg.traces {
			if len(t) > 0 {
				rest.add(t, lg.counts[i])
			}
		}
		return processtree.Node(processtree.Xor, processtree.Silent(), m.mine(rest))
	}
	g := newGraph(lg)
	for _, c := range cuts {
		if groups := c.find(g); groups != nil {
			return m.split(lg, c.op, groups)
		}
	}
	return m.fallThrough(lg, g)
}

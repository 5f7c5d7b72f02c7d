package align

import (
	"context"
	"fmt"
	"slices"
)

// When the net's reachability graph is known (space.go), alignments are
// computed without a heuristic, by dynamic programming over the trace:
// layer i holds, for every reachable marking, the least cost of reading
// the trace's first i events and ending in that marking. Layer i+1
// comes from layer i by a log move of event i+1 or a synchronous move
// on it, then by model moves within the layer (Dijkstra's method, the
// costs being positive); the alignment's cost is the last layer's least
// figure on a final marking, and its moves are read back through each
// figure's predecessor. This is the shortest path in the synchronous
// product that A* looks for, found layer by layer: its cost does not
// depend on how many states a heuristic fails to rule out, only on the
// trace's length and the graph's size, and it is known before it starts.
//
// A layer depends only on the events before it, so variants that share
// a prefix share its layers: the variants are put in a prefix tree and
// each of its nodes is one layer, computed once for all the variants
// through it (on BPI Challenge 2012, 60,867 layers instead of 182,467).

// Kinds of a layer entry's predecessor.
const (
	viaNone  uint8 = iota // unreached, or the initial marking
	viaLog                // a log move from the same marking one layer up
	viaSync               // a synchronous move from one layer up
	viaModel              // a model move within the layer
)

// layer is one position's figures per marking.
type layer struct {
	cost []int
	from []int32 // the predecessor's marking
	t    []int32 // the transition of a synchronous or model move
	via  []uint8
}

func newLayer(n int) *layer {
	return &layer{cost: make([]int, n), from: make([]int32, n), t: make([]int32, n), via: make([]uint8, n)}
}

// fill computes the layer after prev for event label (prev nil: the
// first layer), reusing h as its heap.
func (a *Aligner) fill(l, prev *layer, event string, h *minHeap) {
	label := int32(-2) // an activity no transition carries
	if i, ok := a.labels[event]; ok {
		label = int32(i)
	}
	sp := a.space
	for m := range l.cost {
		l.cost[m], l.via[m] = unreachable, viaNone
	}
	if prev == nil {
		l.cost[0] = 0 // the initial marking is the graph's first
	} else {
		for m, c := range prev.cost {
			if c >= unreachable {
				continue
			}
			if c+DeviationCost < l.cost[m] {
				l.cost[m], l.via[m] = c+DeviationCost, viaLog
			}
			for _, e := range sp.live[m] {
				if e.label == label && c < l.cost[e.to] {
					l.cost[e.to], l.via[e.to], l.from[e.to], l.t[e.to] = c, viaSync, int32(m), e.t
				}
			}
		}
	}
	h.reset()
	for m, c := range l.cost {
		if c < unreachable {
			h.push(item{key: c, id: int32(m)})
		}
	}
	for h.len() > 0 {
		it := h.pop()
		if it.key > l.cost[it.id] {
			continue
		}
		for _, e := range sp.live[it.id] {
			c := it.key + DeviationCost
			if e.label < 0 {
				c = it.key + SilentCost
			}
			if c < l.cost[e.to] {
				l.cost[e.to], l.via[e.to], l.from[e.to], l.t[e.to] = c, viaModel, it.id, e.t
				h.push(item{key: c, id: e.to})
			}
		}
	}
}

// read is the alignment of trace whose layers (one more than its
// events) are given, or false when no final marking is reached.
func (a *Aligner) read(layers []*layer, trace []string) (Alignment, bool) {
	sp := a.space
	last := layers[len(trace)]
	goal := int32(-1)
	for m, c := range last.cost {
		if sp.final[m] && c < unreachable && (goal < 0 || c < last.cost[goal]) {
			goal = int32(m)
		}
	}
	if goal < 0 {
		return Alignment{}, false
	}
	var moves []Move
	move := func(t int32, log string) Move {
		mv := Move{Log: log}
		if t >= 0 {
			tr := &a.trans[t]
			mv.Transition, mv.Label, mv.Silent = tr.id, tr.label, tr.label == ""
		}
		return mv
	}
	for m, pos := goal, len(trace); ; {
		l := layers[pos]
		switch l.via[m] {
		case viaLog:
			moves = append(moves, move(-1, trace[pos-1]))
			pos--
		case viaSync:
			moves = append(moves, move(l.t[m], trace[pos-1]))
			m, pos = l.from[m], pos-1
		case viaModel:
			moves = append(moves, move(l.t[m], ""))
			m = l.from[m]
		default:
			slices.Reverse(moves)
			return Alignment{Moves: moves, Cost: last.cost[goal], States: (len(trace) + 1) * len(last.cost)}, true
		}
	}
}

// layered aligns one trace by its layers.
func (a *Aligner) layered(ctx context.Context, trace []string) (Alignment, error) {
	n := len(a.space.marks)
	layers := make([]*layer, len(trace)+1)
	var h minHeap
	for i := range layers {
		if i%64 == 0 && ctx.Err() != nil {
			return Alignment{}, ctx.Err()
		}
		layers[i] = newLayer(n)
		if i == 0 {
			a.fill(layers[i], nil, "", &h)
		} else {
			a.fill(layers[i], layers[i-1], trace[i-1], &h)
		}
	}
	al, ok := a.read(layers, trace)
	if !ok {
		return Alignment{States: len(layers) * n}, errUnreachable
	}
	return al, nil
}

// fitsLayers reports whether a trace is aligned by its layers within a
// budget of states: one per marking and layer.
func (a *Aligner) fitsLayers(events, budget int) bool {
	return a.space != nil && (events+1)*len(a.space.marks) <= budget
}

// replayLayers is replayPrefixes by layers over the net's graph: the
// prefix tree depth first, each prefix's layer holding the least cost
// (silent steps) of replaying it into every marking, by synchronous moves
// from its parent's layer and silent ones within it. It records each
// prefix's cheapest cost and the markings reached at that cost, as
// replayPrefixes does, and returns how many states (a marking reached
// at a prefix) it found. Every edge counts here, to markings from which
// the final one cannot be reached as well: precision looks at what the
// model allows after a prefix, not at how it ends.
func (a *Aligner) replayLayers(ctx context.Context, tree []prefix, budget int) (int, error) {
	sp := a.space
	n := len(sp.marks)
	var layers [][]int // by depth
	var h minHeap
	reached := 0
	type visit struct{ node, depth int32 }
	todo := []visit{{0, 0}}
	for steps := 0; len(todo) > 0; steps++ {
		v := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if steps%64 == 0 && ctx.Err() != nil {
			return reached, ctx.Err()
		}
		for len(layers) <= int(v.depth) {
			layers = append(layers, make([]int, n))
		}
		l := layers[v.depth]
		for m := range l {
			l[m] = unreachable
		}
		h.reset()
		if v.depth == 0 {
			l[0] = 0
			h.push(item{key: 0, id: 0})
		} else {
			label := int32(a.labels[tree[v.node].activity])
			for m, c := range layers[v.depth-1] {
				if c >= unreachable {
					continue
				}
				for _, e := range sp.out[m] {
					if a.labelOf[e.t] == label && c < l[e.to] {
						l[e.to] = c
						h.push(item{key: c, id: e.to})
					}
				}
			}
		}
		found, least := 0, unreachable
		for h.len() > 0 {
			it := h.pop()
			if it.key > l[it.id] {
				continue
			}
			found++
			least = min(least, it.key)
			for _, e := range sp.out[it.id] {
				if a.labelOf[e.t] < 0 && it.key+SilentCost < l[e.to] {
					l[e.to] = it.key + SilentCost
					h.push(item{key: it.key + SilentCost, id: e.to})
				}
			}
		}
		if reached += found; reached > budget {
			return reached, fmt.Errorf("precision: %w (%d)", ErrBudget, budget)
		}
		if found == 0 {
			continue // no replay: the prefix and those below it are unfit
		}
		p := &tree[v.node]
		p.cost = least
		for m, c := range l {
			if c == least {
				p.markings = append(p.markings, sp.marks[m])
			}
		}
		for _, c := range p.children {
			if tree[c].cases > 0 {
				todo = append(todo, visit{c, v.depth + 1})
			}
		}
	}
	return reached, nil
}

// Package align computes optimal alignments of traces against a Petri net:
// for each trace, a cheapest sequence of moves that runs the net from its
// initial to its final marking while reading the trace, where a move is
// synchronous (the trace's activity and a transition of that label), on
// the log only (the activity has no counterpart in the run) or on the
// model only (a transition fires that the trace does not show).
//
// The costs are the standard ones of Adriansyah, van Dongen and van der
// Aalst, "Conformance Checking using Cost-Based Fitness Analysis" (EDOC
// 2011), scaled as PM4Py scales them so that the figures agree with it: a
// log move or a model move of a visible transition costs 10000, a silent
// transition 1, a synchronous move 0. A cost divided by 10000 counts the
// deviations; the silent moves only choose, among the alignments with the
// fewest deviations, one with the fewest silent steps.
//
// Two exact methods find the cheapest alignment. When the net's
// reachable markings are few enough to number once (space.go), dynamic
// programming over the trace's positions (layers.go) computes, position
// by position, the least cost of every marking, and variants that share
// a prefix share its positions' figures. Otherwise A* searches the
// synchronous product's states (a marking and a position in the trace),
// as in the same paper, with an admissible, consistent heuristic that
// counts the remaining events whose activity no transition still
// reachable carries (each must be a log move): the first goal state
// taken from the queue is optimal. Both are bounded by a number of
// states, known before the layers start and counted as A* goes, and
// stop with ErrBudget past it.
package align

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/procmine/procmine/internal/petrinet"
)

// The costs of moves (see the package comment).
const (
	DeviationCost = 10000
	SilentCost    = 1
)

// ErrBudget is a search that visited its budget of states without
// reaching the final marking.
var ErrBudget = errors.New("not computed within the budget of states")

var errUnreachable = errors.New("the final marking cannot be reached from the initial one")

// Move is one step of an alignment. Log is the trace's activity, empty for
// a model move; Transition is the net's transition (its label, or its id
// for a silent one), empty for a log move.
type Move struct {
	Log        string `json:"log,omitempty"`
	Transition string `json:"transition,omitempty"`
	Label      string `json:"label,omitempty"`
	Silent     bool   `json:"silent,omitempty"`
}

// Kind tells what the move is: "sync", "log", "model" or "silent".
func (m Move) Kind() string {
	switch {
	case m.Transition == "":
		return "log"
	case m.Log != "":
		return "sync"
	case m.Silent:
		return "silent"
	default:
		return "model"
	}
}

// Alignment is an optimal alignment of one trace.
type Alignment struct {
	Moves []Move `json:"moves"`
	// Cost is the alignment's cost; BestWorst is the cost of the worst
	// sensible alignment (every event a log move, plus the cheapest run
	// of the net on its own), against which fitness is measured.
	Cost      int `json:"cost"`
	BestWorst int `json:"best_worst_cost"`
	// States is how many states the search took from its queue.
	States int `json:"visited_states"`
}

// Deviations counts the log and visible model moves.
func (a Alignment) Deviations() int { return a.Cost / DeviationCost }

// Fitness is the trace's fitness: 1 minus its deviations over the
// deviations of the best-worst alignment, silent moves counting in
// neither, as PM4Py gives it.
func (a Alignment) Fitness() float64 {
	worst := a.BestWorst / DeviationCost
	if worst == 0 {
		return 1
	}
	return 1 - float64(a.Deviations())/float64(worst)
}

// Aligner aligns traces against one net. It is safe for concurrent use.
type Aligner struct {
	places  int
	trans   []transition
	byLabel map[string][]int32
	initial []uint8
	final   []uint8
	atLeast bool
	// empty is the cost of aligning the empty trace: the cheapest run.
	empty int
	// labels numbers the visible labels; ahead[p] is the set of them
	// (a bitset) that some path of the net leads to from place p.
	labels map[string]int
	ahead  [][]uint64
	// always is what transitions without input places (which can fire
	// at any time) lead to.
	always []uint64
	// labelOf numbers each transition's label as labels does, -1 for a
	// silent one.
	labelOf []int32
	// space is the net's reachability graph with the bounds read
	// from it (space.go), nil when it is too large to keep.
	space *space
}

type transition struct {
	id, label string
	in, out   []int32 // place indexes, one per arc
}

// New prepares a net for alignment: at most petrinet.MaxNodes places and
// transitions, a final marking, at most 255 tokens in a place. It finds
// the net's cheapest run on its own (the best-worst cost's part), within
// the default budget of states.
func New(ctx context.Context, n *petrinet.Net) (*Aligner, error) {
	if k := len(n.Places) + len(n.Transitions); k > petrinet.MaxNodes {
		return nil, fmt.Errorf("the net has %d places and transitions; alignments take at most %d", k, petrinet.MaxNodes)
	}
	if len(n.Final) == 0 {
		return nil, fmt.Errorf("the net has no final marking: an alignment needs one")
	}
	x, err := n.Index()
	if err != nil {
		return nil, err
	}
	a := &Aligner{places: x.Places, byLabel: x.ByLabel, atLeast: n.FinalAtLeast}
	for t := range x.IDs {
		a.trans = append(a.trans, transition{id: x.IDs[t], label: x.Labels[t], in: x.Pre[t], out: x.Post[t]})
	}
	marking := func(m []int32, what string) ([]uint8, error) {
		v := make([]uint8, a.places)
		for p, k := range m {
			if k < 0 || k > 255 {
				return nil, fmt.Errorf("the %s marking puts %d tokens in a place: 0 to 255", what, k)
			}
			v[p] = uint8(k)
		}
		return v, nil
	}
	if a.initial, err = marking(x.Initial, "initial"); err != nil {
		return nil, err
	}
	if a.final, err = marking(x.Final, "final"); err != nil {
		return nil, err
	}
	a.reachability()
	for _, t := range a.trans {
		l := int32(-1)
		if t.label != "" {
			l = int32(a.labels[t.label])
		}
		a.labelOf = append(a.labelOf, l)
	}
	if a.space, err = a.explore(ctx); err != nil {
		return nil, err
	}
	al, err := a.align(ctx, nil, 1_000_000)
	if err != nil {
		return nil, fmt.Errorf("the net's cheapest run from the initial to the final marking: %w", err)
	}
	a.empty = al.Cost
	return a, nil
}

// Numbered reports whether the net's reachable markings are numbered
// (space.go): its alignments and precision then go by layers, whose
// states cost far less than a search's.
func (a *Aligner) Numbered() bool { return a.space != nil }

// Align computes an optimal alignment of the trace within a budget of
// states (0: a million): by layers when the net's markings are numbered
// and the trace's layers hold no more states than that, by A* visiting
// no more than that otherwise.
func (a *Aligner) Align(ctx context.Context, trace []string, budget int) (Alignment, error) {
	if budget <= 0 {
		budget = 1_000_000
	}
	if a.fitsLayers(len(trace), budget) {
		al, err := a.layered(ctx, trace)
		al.BestWorst = a.empty + DeviationCost*len(trace)
		return al, err
	}
	return a.search(ctx, trace, budget)
}

// search aligns the trace by A* within the budget.
func (a *Aligner) search(ctx context.Context, trace []string, budget int) (Alignment, error) {
	al, err := a.align(ctx, trace, budget)
	al.BestWorst = a.empty + DeviationCost*len(trace)
	return al, err
}

// node is a state of the search: a marking (by number) and a position
// in the trace, with how it was reached.
type node struct {
	m, pos int32
	g, f   int
	parent int32
	move   int32 // the transition fired, -1 for a log move
	closed bool
}

// queue is the search's open nodes, least f first; among equals the one
// deeper in the trace, then the one further along its run, which reach
// a goal sooner.
type queue struct {
	nodes *[]node
	items []int32
}

func (q queue) Len() int { return len(q.items) }
func (q queue) Less(i, j int) bool {
	a, b := &(*q.nodes)[q.items[i]], &(*q.nodes)[q.items[j]]
	if a.f != b.f {
		return a.f < b.f
	}
	if a.pos != b.pos {
		return a.pos > b.pos
	}
	return a.g > b.g
}
func (q queue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue) Push(x any)   { q.items = append(q.items, x.(int32)) }
func (q *queue) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}

// stateKey is a search state: a marking (by number) and a position.
type stateKey struct{ m, pos int32 }

func (a *Aligner) align(ctx context.Context, trace []string, budget int) (Alignment, error) {
	b := a.bounds(trace)
	sp := a.space
	var g *graph
	var h func(m, pos int32) int
	if sp != nil {
		g = sp.graph
		h = func(m, pos int32) int {
			if int(pos) == len(trace) {
				return sp.finish[m]
			}
			return b.dead(sp.ahead[int(m)*sp.words:int(m+1)*sp.words], pos)*DeviationCost + sp.silent[m]
		}
	} else {
		g = newGraph()
		h = func(m, pos int32) int { return b.weak(g.marks[m], pos) }
	}
	start := g.intern(string(a.initial))
	index := map[stateKey]int32{{start, 0}: 0}
	nodes := []node{{m: start, f: h(start, 0), parent: -1, move: -1}}
	q := &queue{nodes: &nodes, items: []int32{0}}
	visited := 0
	buf := make([]uint8, a.places)
	push := func(from int32, m, pos int32, cost int, move int32) {
		gc := nodes[from].g + cost
		if j, ok := index[stateKey{m, pos}]; ok && nodes[j].g <= gc {
			return
		}
		hc := h(m, pos)
		if hc >= unreachable {
			return // the final marking cannot be reached from m
		}
		nodes = append(nodes, node{m: m, pos: pos, g: gc, f: gc + hc, parent: from, move: move})
		id := int32(len(nodes) - 1)
		index[stateKey{m, pos}] = id
		heap.Push(q, id)
	}
	for q.Len() > 0 {
		id := heap.Pop(q).(int32)
		n := &nodes[id]
		if n.closed || index[stateKey{n.m, n.pos}] != id {
			continue
		}
		n.closed = true
		visited++
		m, pos := n.m, n.pos
		if int(pos) == len(trace) && (sp != nil && sp.final[m] || sp == nil && a.isFinal(g.marks[m])) {
			return a.result(nodes, id, trace, visited), nil
		}
		if visited >= budget {
			return Alignment{States: visited}, ErrBudget
		}
		if visited%4096 == 0 && ctx.Err() != nil {
			return Alignment{States: visited}, ctx.Err()
		}
		// A log move.
		if int(pos) < len(trace) {
			push(id, m, pos+1, DeviationCost, -1)
		}
		// Model moves, and synchronous ones where the label is the
		// trace's next activity.
		for _, e := range a.successors(g, m, buf) {
			tr := &a.trans[e.t]
			switch {
			case tr.label == "":
				push(id, e.to, pos, SilentCost, e.t)
			default:
				if int(pos) < len(trace) && tr.label == trace[pos] {
					push(id, e.to, pos+1, 0, e.t)
				}
				push(id, e.to, pos, DeviationCost, e.t)
			}
		}
	}
	return Alignment{States: visited}, errUnreachable
}

// reachability computes, for each place, the visible labels that some
// path of arcs leads to from it, ignoring how many tokens a transition
// needs: a superset of what can still fire from a token there.
func (a *Aligner) reachability() {
	a.labels = map[string]int{}
	for l := range a.byLabel {
		a.labels[l] = len(a.labels)
	}
	words := (len(a.labels) + 63) / 64
	consumers := make([][]int32, a.places)
	for t := range a.trans {
		for _, p := range a.trans[t].in {
			consumers[p] = append(consumers[p], int32(t))
		}
	}
	a.ahead = make([][]uint64, a.places+1)
	// The last entry starts from the transitions without input places.
	var free []int32
	for t := range a.trans {
		if len(a.trans[t].in) == 0 {
			free = append(free, int32(t))
		}
	}
	for start := range a.places + 1 {
		set := make([]uint64, words)
		seen := make([]bool, a.places)
		var stack []int32
		// visit marks what transition t carries and leads to.
		visit := func(t int32) {
			tr := &a.trans[t]
			if tr.label != "" {
				i := a.labels[tr.label]
				set[i/64] |= 1 << (i % 64)
			}
			for _, q := range tr.out {
				if !seen[q] {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if start < a.places {
			stack = append(stack, int32(start))
			seen[start] = true
		} else {
			for _, t := range free {
				visit(t)
			}
		}
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, t := range consumers[p] {
				visit(t)
			}
		}
		a.ahead[start] = set
	}
	a.always = a.ahead[a.places]
}

// bounds holds what a trace's bounds are computed from: left[i·n+l]
// counts the events from position i on with label l (n labels);
// foreign[i] those whose activity no transition carries at all.
type bounds struct {
	a       *Aligner
	n       int
	left    []int32
	foreign []int
	set     []uint64
}

func (a *Aligner) bounds(trace []string) *bounds {
	n := len(a.labels)
	b := &bounds{a: a, n: n, left: make([]int32, (len(trace)+1)*n), foreign: make([]int, len(trace)+1),
		set: make([]uint64, (n+63)/64)}
	for i := len(trace) - 1; i >= 0; i-- {
		copy(b.left[i*n:(i+1)*n], b.left[(i+1)*n:(i+2)*n])
		b.foreign[i] = b.foreign[i+1]
		if l, ok := a.labels[trace[i]]; ok {
			b.left[i*n+l]++
		} else {
			b.foreign[i]++
		}
	}
	return b
}

// counts is how many events from position pos on carry each label.
func (b *bounds) counts(pos int32) []int32 {
	return b.left[int(pos)*b.n : (int(pos)+1)*b.n]
}

// weak is a cheap lower bound: each remaining event whose activity no
// transition still reachable from the marking carries must be a log
// move. Firing a transition only moves tokens forward, so what is
// reachable never grows along a path, and the bound is consistent as
// well as admissible. It is what the marking equation's bound adds to
// (the events no transition carries are outside its system) and what
// stands in for it until a state's own solve.
func (b *bounds) weak(m string, pos int32) int {
	a := b.a
	copy(b.set, a.always)
	for p := range a.places {
		if m[p] > 0 {
			for w, bits := range a.ahead[p] {
				b.set[w] |= bits
			}
		}
	}
	return b.dead(b.set, pos) * DeviationCost
}

// dead counts the events from pos on that must be log moves when only
// the labels in the set can still fire.
func (b *bounds) dead(ahead []uint64, pos int32) int {
	dead := b.foreign[pos]
	for l, c := range b.counts(pos) {
		if c > 0 && ahead[l/64]&(1<<(l%64)) == 0 {
			dead += int(c)
		}
	}
	return dead
}

// fire writes into buf the marking after t fires in m, and reports
// whether t is enabled in m.
func (a *Aligner) fire(m string, t *transition, buf []uint8) bool {
	copy(buf, m)
	for _, p := range t.in {
		if buf[p] == 0 {
			return false
		}
		buf[p]--
	}
	for _, p := range t.out {
		if buf[p] == 255 {
			return false
		}
		buf[p]++
	}
	return true
}

func (a *Aligner) isFinal(m string) bool {
	for p := range a.places {
		if a.atLeast {
			if m[p] < a.final[p] {
				return false
			}
		} else if m[p] != a.final[p] {
			return false
		}
	}
	return true
}

func (a *Aligner) result(nodes []node, goal int32, trace []string, visited int) Alignment {
	var moves []Move
	for id := goal; nodes[id].parent >= 0; id = nodes[id].parent {
		n, p := &nodes[id], &nodes[nodes[id].parent]
		var mv Move
		if n.move >= 0 {
			t := &a.trans[n.move]
			mv.Transition, mv.Label, mv.Silent = t.id, t.label, t.label == ""
		}
		if n.pos > p.pos {
			mv.Log = trace[p.pos]
		}
		moves = append(moves, mv)
	}
	slices.Reverse(moves)
	return Alignment{Moves: moves, Cost: nodes[goal].g, States: visited}
}

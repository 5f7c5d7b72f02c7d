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
// The search is A* over the synchronous product's states (a marking and a
// position in the trace), as in the same paper, with an admissible,
// consistent heuristic that counts the remaining events whose activity no
// transition carries (each must be a log move): the first goal state taken
// from the queue is optimal. Every search is bounded by a number of states
// and stops with ErrBudget past it.
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
	al, err := a.align(ctx, nil, 1_000_000)
	if err != nil {
		return nil, fmt.Errorf("the net's cheapest run from the initial to the final marking: %w", err)
	}
	a.empty = al.Cost
	return a, nil
}

// Align computes an optimal alignment of the trace, visiting at most
// budget states (0: a million).
func (a *Aligner) Align(ctx context.Context, trace []string, budget int) (Alignment, error) {
	if budget <= 0 {
		budget = 1_000_000
	}
	al, err := a.align(ctx, trace, budget)
	al.BestWorst = a.empty + DeviationCost*len(trace)
	return al, err
}

// node is a state of the search: a marking and a position in the trace,
// with how it was reached.
type node struct {
	marking string
	pos     int32
	g, f    int
	parent  int32
	move    int32 // the transition fired, -1 for a log move
	closed  bool
}

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
	// Deeper in the trace first: it reaches a goal sooner among equals.
	return a.pos > b.pos
}
func (q queue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue) Push(x any)   { q.items = append(q.items, x.(int32)) }
func (q *queue) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}

type stateKey struct {
	marking string
	pos     int32
}

func (a *Aligner) align(ctx context.Context, trace []string, budget int) (Alignment, error) {
	h := a.heuristic(trace)
	nodes := []node{{marking: string(a.initial), f: h(string(a.initial), 0), parent: -1, move: -1}}
	best := map[stateKey]int32{{string(a.initial), 0}: 0}
	q := &queue{nodes: &nodes, items: []int32{0}}
	visited := 0
	buf := make([]uint8, a.places)
	push := func(from int32, m string, pos int32, cost int, move int32) {
		g := nodes[from].g + cost
		k := stateKey{m, pos}
		if j, ok := best[k]; ok {
			if nodes[j].closed || nodes[j].g <= g {
				return
			}
		}
		nodes = append(nodes, node{marking: m, pos: pos, g: g, f: g + h(m, pos), parent: from, move: move})
		id := int32(len(nodes) - 1)
		best[k] = id
		heap.Push(q, id)
	}
	for q.Len() > 0 {
		id := heap.Pop(q).(int32)
		n := &nodes[id]
		if n.closed || best[stateKey{n.marking, n.pos}] != id {
			continue
		}
		n.closed = true
		visited++
		if int(n.pos) == len(trace) && a.isFinal(n.marking) {
			return a.result(nodes, id, trace, visited), nil
		}
		if visited >= budget {
			return Alignment{States: visited}, ErrBudget
		}
		if visited%4096 == 0 && ctx.Err() != nil {
			return Alignment{States: visited}, ctx.Err()
		}
		m, pos := n.marking, n.pos
		// A log move.
		if int(pos) < len(trace) {
			push(id, m, pos+1, DeviationCost, -1)
		}
		// Model moves, and synchronous ones where the label is the
		// trace's next activity.
		for t := range a.trans {
			tr := &a.trans[t]
			if !a.fire(m, tr, buf) {
				continue
			}
			next := string(buf)
			switch {
			case tr.label == "":
				push(id, next, pos, SilentCost, int32(t))
			default:
				if int(pos) < len(trace) && tr.label == trace[pos] {
					push(id, next, pos+1, 0, int32(t))
				}
				push(id, next, pos, DeviationCost, int32(t))
			}
		}
	}
	return Alignment{States: visited}, fmt.Errorf("the final marking cannot be reached from the initial one")
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

// heuristic returns the search's lower bound for a trace: each remaining
// event whose activity no transition still reachable from the marking
// carries must be a log move. Firing a transition only moves tokens
// forward, so what is reachable never grows along a path, and the bound
// is consistent as well as admissible.
func (a *Aligner) heuristic(trace []string) func(m string, pos int32) int {
	words := (len(a.labels) + 63) / 64
	// left[i][l] counts the events from i on with label l; foreign
	// counts those whose activity no transition carries at all.
	n := len(a.labels)
	left := make([]int32, (len(trace)+1)*n)
	foreign := make([]int, len(trace)+1)
	for i := len(trace) - 1; i >= 0; i-- {
		copy(left[i*n:(i+1)*n], left[(i+1)*n:(i+2)*n])
		foreign[i] = foreign[i+1]
		if l, ok := a.labels[trace[i]]; ok {
			left[i*n+l]++
		} else {
			foreign[i]++
		}
	}
	set := make([]uint64, words)
	return func(m string, pos int32) int {
		copy(set, a.always)
		for p := range a.places {
			if m[p] > 0 {
				for w, bits := range a.ahead[p] {
					set[w] |= bits
				}
			}
		}
		dead := foreign[pos]
		row := left[int(pos)*n : (int(pos)+1)*n]
		for l, c := range row {
			if c > 0 && set[l/64]&(1<<(l%64)) == 0 {
				dead += int(c)
			}
		}
		return dead * DeviationCost
	}
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

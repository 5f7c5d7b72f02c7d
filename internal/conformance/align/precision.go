package align

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"
)

// Precision is how much of what the model allows the log does, measured
// by escaping edges as in Adriansyah, Munoz-Gama, Carmona, van Dongen and
// van der Aalst, "Measuring precision of modeled behavior" (Information
// Systems and e-Business Management 13, 2015), and as PM4Py's
// align_etconformance computes it: after each prefix of each case, the
// visible activities the model could do next (from the markings where an
// optimal alignment of the prefix leaves it, through silent steps) are
// counted, and those that no case with that prefix does next escape.
// A flower model, which allows everything everywhere, scores near 0.
type Precision struct {
	// Value is 1 minus Escaping over Allowed, 1 when nothing is allowed.
	Value float64 `json:"value"`
	// Allowed and Escaping sum, per case and prefix, the activities the
	// model allows next and those of them no case does next.
	Allowed  int `json:"allowed"`
	Escaping int `json:"escaping"`
	// StartAllowed and StartEscaping are the activities the initial
	// marking allows and those no case starts with; Allowed and Escaping
	// count them once per case.
	StartAllowed  int `json:"start_allowed"`
	StartEscaping int `json:"start_escaping"`
	// UnfitCases counts the case prefixes the model cannot replay with
	// synchronous and silent moves alone; they do not count.
	UnfitCases int `json:"unfit_prefixes"`
	// Edges are the escaping activities, each with the activity after
	// which the model allows it ("" at the start) and how many case
	// prefixes end there, the most first.
	Edges []EscapingEdge `json:"escaping_edges,omitempty"`
	// States is how many states the prefix search took from its queue.
	States int `json:"visited_states"`
}

// EscapingEdge is an activity the model allows after another that no
// case with the same prefix does next.
type EscapingEdge struct {
	After    string `json:"after"`
	Activity string `json:"activity"`
	Prefixes int    `json:"prefixes"`
}

// prefix is a node of the log's prefix tree: the cases that reach it,
// the activity that led to it and its continuations.
type prefix struct {
	activity string
	parent   int32
	depth    int32
	// cases counts those with at least one more event after this prefix.
	cases    int
	children map[string]int32
	// markings are those where an optimal replay of the prefix stops;
	// cost is that replay's cost (-1 until one is found).
	markings []string
	cost     int
}

// Precision measures alignment-based precision over the traces, visiting
// at most budget states (0: a million) in one search that replays every
// prefix at once: a state is a marking and a node of the prefix tree, a
// move either fires a silent transition (cost 1) or a transition carrying
// the next activity of a longer prefix (cost 0). PM4Py aligns each prefix
// on its own with the same moves; the markings where each prefix's
// cheapest replays stop are the same.
func (a *Aligner) Precision(ctx context.Context, traces []Trace, budget int) (*Precision, error) {
	return a.precision(ctx, traces, budget, a.eventuallyEnabled)
}

// precision is Precision with the function that lists what a marking
// allows next, within a number of markings, and counts them.
func (a *Aligner) precision(ctx context.Context, traces []Trace, budget int, eventuallyEnabled func(m string, limit int) ([]string, int, error)) (*Precision, error) {
	if budget <= 0 {
		budget = 1_000_000
	}
	tree := []prefix{{parent: -1, cost: -1, children: map[string]int32{}}}
	total := 0
	starts := map[string]bool{}
	for _, tr := range traces {
		if tr.Cases <= 0 || len(tr.Activities) == 0 {
			continue
		}
		total += tr.Cases
		starts[tr.Activities[0]] = true
		at := int32(0)
		for i, act := range tr.Activities {
			if i > 0 {
				tree[at].cases += tr.Cases
			}
			child, ok := tree[at].children[act]
			if !ok {
				tree = append(tree, prefix{activity: act, parent: at, depth: tree[at].depth + 1, cost: -1, children: map[string]int32{}})
				child = int32(len(tree) - 1)
				tree[at].children[act] = child
			}
			at = child
		}
	}
	p := &Precision{Value: 1}
	if total == 0 {
		return p, nil
	}
	var states int
	var err error
	if a.space != nil {
		states, err = a.replayLayers(ctx, tree, budget)
	} else {
		states, err = a.replayPrefixes(ctx, tree, budget)
	}
	p.States = states
	if err != nil {
		return p, err
	}
	enabled := map[string][]string{}
	var failed error
	next := func(m string) []string {
		if l, ok := enabled[m]; ok || failed != nil {
			return l
		}
		l, n, err := eventuallyEnabled(m, budget-p.States)
		p.States += n
		if err != nil {
			failed = err
		}
		enabled[m] = l
		return l
	}
	edges := map[[2]string]int{}
	count := func(after string, markings []string, done map[string]int32, cases int) (allowedNext, escaping int) {
		allowed := map[string]bool{}
		for _, m := range markings {
			for _, l := range next(m) {
				allowed[l] = true
			}
		}
		p.Allowed += len(allowed) * cases
		for l := range allowed {
			if _, ok := done[l]; !ok {
				p.Escaping += cases
				escaping++
				edges[[2]string{after, l}] += cases
			}
		}
		return len(allowed), escaping
	}
	// The start: what the initial marking allows against how the cases
	// begin, once per case. (PM4Py weighs the start by the log's length,
	// which for the data frame pm4py.read_xes returns is its number of
	// events; the tests account for that.)
	startSet := map[string]int32{}
	for s := range starts {
		startSet[s] = 0
	}
	p.StartAllowed, p.StartEscaping = count("", []string{string(a.initial)}, startSet, total)
	for i := 1; i < len(tree); i++ {
		n := &tree[i]
		if n.cases == 0 {
			continue
		}
		if n.cost < 0 {
			p.UnfitCases += n.cases
			continue
		}
		count(n.activity, n.markings, n.children, n.cases)
	}
	if failed != nil {
		return p, failed
	}
	if p.Allowed > 0 {
		p.Value = 1 - float64(p.Escaping)/float64(p.Allowed)
	}
	for k, c := range edges {
		p.Edges = append(p.Edges, EscapingEdge{After: k[0], Activity: k[1], Prefixes: c})
	}
	slices.SortFunc(p.Edges, func(x, y EscapingEdge) int {
		return cmp.Or(cmp.Compare(y.Prefixes, x.Prefixes), cmp.Compare(x.After, y.After), cmp.Compare(x.Activity, y.Activity))
	})
	return p, nil
}

type prefixState struct {
	marking string
	node    int32
}

type prefixItem struct {
	prefixState
	g int
}

type prefixQueue []prefixItem

func (q prefixQueue) Len() int           { return len(q) }
func (q prefixQueue) Less(i, j int) bool { return q[i].g < q[j].g }
func (q prefixQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *prefixQueue) Push(x any)        { *q = append(*q, x.(prefixItem)) }
func (q *prefixQueue) Pop() any {
	x := (*q)[len(*q)-1]
	*q = (*q)[:len(*q)-1]
	return x
}

// replayPrefixes runs Dijkstra's search from the initial marking at the
// root over (marking, prefix) states and records, for each prefix, its
// cheapest cost and every marking reached at that cost. It returns how
// many states it closed.
//
// Only prefixes some case continues are searched for (a whole trace is
// not a prefix). A state is not expanded once every prefix below its own
// has been reached at a cost it already exceeds: costs only grow along a
// path, so nothing it leads to could be a cheapest replay. This keeps the
// search near what PM4Py's prefix-by-prefix searches visit, bounded by
// the cheapest costs, without repeating the shared prefixes.
func (a *Aligner) replayPrefixes(ctx context.Context, tree []prefix, budget int) (int, error) {
	// pending counts, per prefix, the prefixes below it not yet reached;
	// deepest is the highest cheapest cost among those reached.
	pending := make([]int, len(tree))
	deepest := make([]int, len(tree))
	for i := len(tree) - 1; i > 0; i-- {
		if tree[i].cases > 0 {
			for up := tree[i].parent; up >= 0; up = tree[up].parent {
				pending[up]++
			}
		}
	}
	dist := map[prefixState]int{}
	closed := map[prefixState]bool{}
	start := prefixState{string(a.initial), 0}
	dist[start] = 0
	q := &prefixQueue{{start, 0}}
	buf := make([]uint8, a.places)
	visited := 0
	push := func(s prefixState, g int) {
		if closed[s] {
			return
		}
		if d, ok := dist[s]; ok && d <= g {
			return
		}
		dist[s] = g
		heap.Push(q, prefixItem{s, g})
	}
	for q.Len() > 0 {
		it := heap.Pop(q).(prefixItem)
		if closed[it.prefixState] || dist[it.prefixState] != it.g {
			continue
		}
		closed[it.prefixState] = true
		delete(dist, it.prefixState)
		visited++
		if visited > budget {
			return visited, fmt.Errorf("precision: %w (%d)", ErrBudget, budget)
		}
		if visited%4096 == 0 && ctx.Err() != nil {
			return visited, ctx.Err()
		}
		n := &tree[it.node]
		switch {
		case n.cost < 0:
			n.cost = it.g
			n.markings = append(n.markings, it.marking)
			for up := n.parent; up >= 0; up = tree[up].parent {
				pending[up]--
				deepest[up] = max(deepest[up], it.g)
			}
		case n.cost == it.g:
			n.markings = append(n.markings, it.marking)
		}
		// Once everything below is reached at costs of at most g, a silent
		// move (to g+1) leads nowhere cheapest, and past g nothing does;
		// synchronous moves at g still find more cheapest markings.
		done := pending[it.node] == 0 && it.g >= deepest[it.node]
		if done && it.g > deepest[it.node] {
			continue
		}
		for t := range a.trans {
			tr := &a.trans[t]
			child := int32(-1)
			if tr.label == "" && done {
				continue
			}
			if tr.label != "" {
				c, ok := n.children[tr.label]
				if !ok || tree[c].cases == 0 {
					continue
				}
				child = c
			}
			if !a.fire(it.marking, tr, buf) {
				continue
			}
			if child < 0 {
				push(prefixState{string(buf), it.node}, it.g+SilentCost)
			} else {
				push(prefixState{string(buf), child}, it.g)
			}
		}
	}
	return visited, nil
}

// eventuallyEnabled lists the visible labels enabled in m or in a marking
// that silent transitions lead to from m, looking at no more than limit
// markings, and says how many it looked at.
func (a *Aligner) eventuallyEnabled(m string, limit int) ([]string, int, error) {
	seen := map[string]bool{m: true}
	stack := []string{m}
	labels := map[string]bool{}
	buf := make([]uint8, a.places)
	for len(stack) > 0 {
		if len(seen) > limit {
			return nil, len(seen), fmt.Errorf("precision: %w", ErrBudget)
		}
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for t := range a.trans {
			tr := &a.trans[t]
			if !a.fire(cur, tr, buf) {
				continue
			}
			if tr.label != "" {
				labels[tr.label] = true
				continue
			}
			if next := string(buf); !seen[next] {
				seen[next] = true
				stack = append(stack, next)
			}
		}
	}
	out := make([]string, 0, len(labels))
	for l := range labels {
		out = append(out, l)
	}
	slices.Sort(out)
	return out, len(seen), nil
}

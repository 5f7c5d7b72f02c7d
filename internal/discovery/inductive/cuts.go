package inductive

import (
	"slices"

	"github.com/procmine/procmine/internal/processtree"
)

// graph is a log's directly-follows graph: its activities, edges, start
// and end activities, and how often each edge is taken and each activity
// starts or ends a trace.
type graph struct {
	acts       []int32 // sorted
	start, end map[int32]bool
	weight     map[[2]int32]int // the edges, and how often each is taken
	ends       map[int32]int
	// pos numbers the activities 0…n-1; adj is the edges as a bit
	// matrix over those numbers, row by row, for the cuts' many tests.
	pos   map[int32]int
	words int
	adj   []uint64
}

// index numbers the activities and fills the bit matrix from edge.
func (g *graph) index() {
	g.pos = make(map[int32]int, len(g.acts))
	for i, a := range g.acts {
		g.pos[a] = i
	}
	g.words = (len(g.acts) + 63) / 64
	g.adj = make([]uint64, len(g.acts)*g.words)
	for e := range g.weight {
		i, j := g.pos[e[0]], g.pos[e[1]]
		g.adj[i*g.words+j/64] |= 1 << (j % 64)
	}
}

// has tells whether b directly follows a.
func (g *graph) has(a, b int32) bool {
	i, j := g.pos[a], g.pos[b]
	return g.adj[i*g.words+j/64]&(1<<(j%64)) != 0
}

func newGraph(lg log) *graph {
	g := &graph{start: map[int32]bool{}, end: map[int32]bool{}, weight: map[[2]int32]int{}, ends: map[int32]int{}}
	seen := map[int32]bool{}
	for k, t := range lg.traces {
		if len(t) == 0 {
			continue
		}
		n := lg.counts[k]
		g.start[t[0]], g.end[t[len(t)-1]] = true, true
		g.ends[t[len(t)-1]] += n
		for i, a := range t {
			if !seen[a] {
				seen[a] = true
				g.acts = append(g.acts, a)
			}
			if i > 0 {
				g.weight[[2]int32{t[i-1], a}] += n
			}
		}
	}
	slices.Sort(g.acts)
	g.index()
	return g
}

// filtered is the graph without its infrequent edges (IMf): an edge is
// kept when it is taken more often than noise times the most an activity
// is left by (an edge, or ending the trace). Start and end activities
// stay.
func (g *graph) filtered(noise float64) *graph {
	most := map[int32]int{}
	for e, w := range g.weight {
		most[e[0]] = max(most[e[0]], w, g.ends[e[0]])
	}
	f := &graph{acts: g.acts, start: g.start, end: g.end, weight: map[[2]int32]int{}, ends: g.ends}
	for e, w := range g.weight {
		if float64(w) > noise*float64(most[e[0]]) {
			f.weight[e] = w
		}
	}
	f.index()
	return f
}

// partition is a union-find over activities, indexed by their ids (which
// are dense: the log's activity numbers).
type partition struct {
	parent []int32
}

func newPartition(acts []int32) *partition {
	top := int32(0)
	for _, a := range acts {
		top = max(top, a)
	}
	p := &partition{parent: make([]int32, top+1)}
	for _, a := range acts {
		p.parent[a] = a
	}
	return p
}

func (p *partition) find(a int32) int32 {
	for p.parent[a] != a {
		p.parent[a] = p.parent[p.parent[a]]
		a = p.parent[a]
	}
	return a
}

func (p *partition) union(a, b int32) {
	ra, rb := p.find(a), p.find(b)
	if ra != rb {
		p.parent[max(ra, rb)] = min(ra, rb)
	}
}

// groups lists the classes, each sorted, ordered by their least activity.
func (p *partition) groups(acts []int32) [][]int32 {
	byRoot := map[int32][]int32{}
	var roots []int32
	for _, a := range acts {
		r := p.find(a)
		if byRoot[r] == nil {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], a)
	}
	out := make([][]int32, len(roots))
	for i, r := range roots {
		out[i] = byRoot[r]
	}
	return out
}

// xorCut: the parts of the graph that no edge joins.
func xorCut(g *graph) [][]int32 {
	p := newPartition(g.acts)
	for e := range g.weight {
		p.union(e[0], e[1])
	}
	if gs := p.groups(g.acts); len(gs) > 1 {
		return gs
	}
	return nil
}

// reach is the transitive closure of the graph's edges, as a bit matrix
// like adj (Warshall's algorithm, a row at a time).
func (g *graph) reach() []uint64 {
	r := slices.Clone(g.adj)
	n, w := len(g.acts), g.words
	for k := range n {
		rowK := r[k*w : (k+1)*w]
		for i := range n {
			if r[i*w+k/64]&(1<<(k%64)) != 0 {
				rowI := r[i*w : (i+1)*w]
				for x := range rowI {
					rowI[x] |= rowK[x]
				}
			}
		}
	}
	return r
}

// reaches tells whether b can be reached from a in the closure r.
func (g *graph) reaches(r []uint64, a, b int32) bool {
	i, j := g.pos[a], g.pos[b]
	return r[i*g.words+j/64]&(1<<(j%64)) != 0
}

// sequenceCut: groups that follow one another and never go back.
// Activities that reach each other, or neither reaches the other, belong
// together; the groups are ordered by how many activities reach them.
func sequenceCut(g *graph) [][]int32 {
	r := g.reach()
	p := newPartition(g.acts)
	for i, a := range g.acts {
		for _, b := range g.acts[i+1:] {
			if g.reaches(r, a, b) == g.reaches(r, b, a) {
				p.union(a, b)
			}
		}
	}
	gs := p.groups(g.acts)
	if len(gs) < 2 {
		return nil
	}
	// Each group's count of activities that reach it, once, then sorted
	// by it (stable: groups reached by as many keep their order).
	before := make(map[int32]int, len(gs))
	for _, grp := range gs {
		for _, a := range g.acts {
			if !slices.Contains(grp, a) && g.reaches(r, a, grp[0]) {
				before[grp[0]]++
			}
		}
	}
	slices.SortStableFunc(gs, func(x, y []int32) int { return before[x[0]] - before[y[0]] })
	return strict(g, gs)
}

// strict makes a sequence cut strict (Leemans, "Robust Process Mining with
// Guarantees", 2017, p. 233): a group that can be skipped takes in the
// groups before it that lead no further than it, and the groups after it
// that are entered from no earlier than it, so that what is skipped is
// skipped together. Without it, ->( a, X( b, tau ), X( c, tau ) ) would
// allow c without b where the log always has b before c.
func strict(g *graph, gs [][]int32) [][]int32 {
	n := len(gs)
	at := map[int32]int{}
	for i, grp := range gs {
		for _, a := range grp {
			at[a] = i
		}
	}
	// from[i]: the earliest group with an edge into i (-1 when i holds a
	// start activity); to[i]: the latest group i has an edge to (n when it
	// holds an end activity).
	from, to := make([]int, n), make([]int, n)
	for i, grp := range gs {
		from[i], to[i] = n, -1
		if slices.ContainsFunc(grp, func(a int32) bool { return g.start[a] }) {
			from[i] = -1
		}
		if slices.ContainsFunc(grp, func(a int32) bool { return g.end[a] }) {
			to[i] = n
		}
	}
	for e := range g.weight {
		x, y := at[e[0]], at[e[1]]
		from[y] = min(from[y], x)
		to[x] = max(to[x], y)
	}
	skippable := func(p int) bool {
		for e := range g.weight {
			if at[e[0]] < p && at[e[1]] > p {
				return true
			}
		}
		for a := range g.start {
			if at[a] > p {
				return true
			}
		}
		for a := range g.end {
			if at[a] < p {
				return true
			}
		}
		return false
	}
	// Groups merge in place, in order: a later group's test sees the
	// merges made before it (its from and to stay as first computed).
	merge := func(p, q int) {
		for _, a := range gs[q] {
			at[a] = p
		}
		gs[p], gs[q] = append(gs[p], gs[q]...), nil
	}
	for p := range n {
		if !skippable(p) {
			continue
		}
		for q := p - 1; q >= 0 && to[q] <= p; q-- {
			merge(p, q)
		}
		for q := p + 1; q < n && from[q] >= p; q++ {
			merge(p, q)
		}
	}
	out := gs[:0]
	for _, grp := range gs {
		if len(grp) > 0 {
			slices.Sort(grp)
			out = append(out, grp)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// parallelCut: groups every activity of which goes both ways with every
// activity of the others, each with a start and an end activity.
func parallelCut(g *graph) [][]int32 {
	p := newPartition(g.acts)
	for i, a := range g.acts {
		for _, b := range g.acts[i+1:] {
			if !g.has(a, b) || !g.has(b, a) {
				p.union(a, b)
			}
		}
	}
	gs := p.groups(g.acts)
	for len(gs) > 1 {
		bad := slices.IndexFunc(gs, func(grp []int32) bool {
			return !slices.ContainsFunc(grp, func(a int32) bool { return g.start[a] }) || !slices.ContainsFunc(grp, func(a int32) bool { return g.end[a] })
		})
		if bad < 0 {
			return gs
		}
		// A group without a start or an end activity cannot run on its
		// own: it joins another.
		other := 0
		if bad == 0 {
			other = 1
		}
		gs[other] = append(gs[other], gs[bad]...)
		slices.Sort(gs[other])
		gs = slices.Delete(gs, bad, bad+1)
	}
	return nil
}

// loopCut: a body holding every start and end activity, and redo parts
// entered only from every end activity and left only to every start
// activity. The body is the first group.
func loopCut(g *graph) [][]int32 {
	body := map[int32]bool{}
	for a := range g.start {
		body[a] = true
	}
	for a := range g.end {
		body[a] = true
	}
	var rest []int32
	for _, a := range g.acts {
		if !body[a] {
			rest = append(rest, a)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	p := newPartition(rest)
	for e := range g.weight {
		if !body[e[0]] && !body[e[1]] {
			p.union(e[0], e[1])
		}
	}
	redo := p.groups(rest)
	var starts, ends []int32
	for _, a := range g.acts {
		if g.start[a] {
			starts = append(starts, a)
		}
		if g.end[a] {
			ends = append(ends, a)
		}
	}
	keep := redo[:0]
	for _, grp := range redo {
		if g.redoFits(grp, starts, ends) {
			keep = append(keep, grp)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	inRedo := map[int32]bool{}
	for _, grp := range keep {
		for _, a := range grp {
			inRedo[a] = true
		}
	}
	var bodyActs []int32
	for _, a := range g.acts {
		if !inRedo[a] {
			bodyActs = append(bodyActs, a)
		}
	}
	return append([][]int32{bodyActs}, keep...)
}

// redoFits tells whether a group can be a loop's redo part: it is entered
// only from end activities, each of them going to the same activities of
// the group, and left only to start activities, each activity of the group
// that leaves going to all of them.
func (g *graph) redoFits(grp, starts, ends []int32) bool {
	in := func(a int32) bool { return slices.Contains(grp, a) }
	for e := range g.weight {
		from, to := e[0], e[1]
		switch {
		case !in(from) && in(to) && !g.end[from]:
			return false // entered from the body, not from its end
		case in(from) && !in(to) && !g.start[to]:
			return false // left to the body, not to its start
		}
	}
	for _, a := range grp {
		enters := slices.ContainsFunc(ends, func(e int32) bool { return g.has(e, a) })
		if enters && !allEdges(g, ends, []int32{a}) {
			return false
		}
		leaves := slices.ContainsFunc(starts, func(s int32) bool { return g.has(a, s) })
		if leaves && !allEdges(g, []int32{a}, starts) {
			return false
		}
	}
	return true
}

func allEdges(g *graph, from, to []int32) bool {
	for _, a := range from {
		for _, b := range to {
			if !g.has(a, b) {
				return false
			}
		}
	}
	return true
}

// cuts are tried in this order; the first found is taken.
var cuts = []struct {
	op   processtree.Op
	find func(*graph) [][]int32
}{
	{processtree.Xor, xorCut},
	{processtree.Sequence, sequenceCut},
	{processtree.Parallel, parallelCut},
	{processtree.Loop, loopCut},
}

// split divides the log along a cut and mines each part. A trace that
// breaks the cut (the cut was found on a graph without its infrequent
// edges) loses the fewest events that make it fit, as IMf does; a trace
// that fits is divided as it is.
func (m *miner) split(lg log, op processtree.Op, groups [][]int32) *processtree.Tree {
	groupOf := map[int32]int{}
	for i, grp := range groups {
		for _, a := range grp {
			groupOf[a] = i
		}
	}
	parts := make([]log, len(groups))
	for i, t := range lg.traces {
		n := lg.counts[i]
		switch op {
		case processtree.Xor:
			// The trace goes to the group most of its events are in
			// (the first of equals), without the others.
			in := make([]int, len(groups))
			for _, a := range t {
				in[groupOf[a]]++
			}
			best := 0
			for g := range in {
				if in[g] >= in[best] {
					best = g
				}
			}
			parts[best].add(keep(t, func(a int32) bool { return groupOf[a] == best }), n)
		case processtree.Parallel:
			for g := range groups {
				parts[g].add(keep(t, func(a int32) bool { return groupOf[a] == g }), n)
			}
		case processtree.Sequence:
			// Each group takes the stretch up to where leaving it costs
			// least: its own events gained minus later groups' events
			// passed over.
			from := 0
			for g := range groups {
				cost, least, to := 0, 0, from
				for j := from; j < len(t); j++ {
					switch {
					case groupOf[t[j]] == g:
						cost--
					case groupOf[t[j]] > g:
						cost++
					}
					if cost < least {
						least, to = cost, j+1
					}
				}
				parts[g].add(keep(t[from:to], func(a int32) bool { return groupOf[a] == g }), n)
				from = to
			}
		case processtree.Loop:
			// The body's stretches go to the body; each stretch of redo
			// activities goes whole to the redo group holding most of
			// its activities (the last of equals).
			from := 0
			for j := 1; j <= len(t); j++ {
				if j < len(t) && (groupOf[t[j]] == 0) == (groupOf[t[j-1]] == 0) {
					continue
				}
				stretch := t[from:j]
				if groupOf[stretch[0]] == 0 {
					parts[0].add(stretch, n)
				} else {
					parts[redoFor(stretch, groupOf, len(groups))].add(stretch, n)
				}
				from = j
			}
			if len(t) == 0 || groupOf[t[len(t)-1]] != 0 {
				parts[0].add(nil, n) // the body ran empty at the end
			}
		}
	}
	children := make([]*processtree.Tree, len(parts))
	for i, part := range parts {
		children[i] = m.mine(part, op == processtree.Parallel)
	}
	return processtree.Node(op, children...)
}

// redoFor picks the redo group for a stretch of redo activities: the one
// holding the most distinct activities of it, the last of equals.
func redoFor(stretch []int32, groupOf map[int32]int, groups int) int {
	distinct := map[int32]bool{}
	in := make([]int, groups)
	for _, a := range stretch {
		if !distinct[a] {
			distinct[a] = true
			in[groupOf[a]]++
		}
	}
	best := 1
	for g := 1; g < groups; g++ {
		if in[g] >= in[best] {
			best = g
		}
	}
	return best
}

// keep is the trace's events whose activity ok accepts.
func keep(t []int32, ok func(int32) bool) []int32 {
	var out []int32
	for _, a := range t {
		if ok(a) {
			out = append(out, a)
		}
	}
	return out
}

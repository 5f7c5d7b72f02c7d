package align

import (
	"context"
	"math/bits"
)

// A search moves between markings by firing transitions, again and again:
// the same few markings are reached at every position of the trace. The
// net's reachable markings are numbered once, with the transitions that
// lead from each to another (its reachability graph), so that a search
// works on numbers and never fires a transition or hashes a marking. A
// net whose graph is too large to keep numbers its markings per search,
// as it reaches them.

// Bounds of a reachability graph kept with a net: its markings, its
// edges, and the transitions tried to find them (markings times
// transitions), which bounds the time spent looking. (Variables for
// the tests' sake.)
var (
	maxGraphMarkings = 200_000
	maxGraphEdges    = 2_000_000
	maxGraphFirings  = 20_000_000
)

// edge is a transition from one marking to another, and its label's
// number (-1 for a silent transition: set only in a space's live edges).
type edge struct {
	to, t, label int32
}

// graph is the part of the reachable markings a search or a net knows:
// the markings by number, and for the ones explored their outgoing
// edges.
type graph struct {
	marks []string
	index map[string]int32
	out   [][]edge
	// seen[m] says out[m] is known.
	seen []bool
}

func newGraph() *graph { return &graph{index: map[string]int32{}} }

// intern numbers a marking.
func (g *graph) intern(m string) int32 {
	if i, ok := g.index[m]; ok {
		return i
	}
	i := int32(len(g.marks))
	g.index[m] = i
	g.marks = append(g.marks, m)
	g.out = append(g.out, nil)
	g.seen = append(g.seen, false)
	return i
}

// successors are the edges out of marking m, found by firing every
// transition the first time they are asked for.
func (a *Aligner) successors(g *graph, m int32, buf []uint8) []edge {
	if g.seen[m] {
		return g.out[m]
	}
	var out []edge
	for t := range a.trans {
		if a.fire(g.marks[m], &a.trans[t], buf) {
			out = append(out, edge{to: g.intern(string(buf)), t: int32(t)})
		}
	}
	g.out[m], g.seen[m] = out, true
	return out
}

// space is what the searches of a net share: its whole reachability
// graph when it is small enough, and for each marking what the bounds
// are read from. Nil when the graph is too large.
type space struct {
	*graph
	// ahead[m·words:] is the set of labels some run from m can still
	// fire; silent[m] the fewest silent transitions any run from m to
	// the final marking fires, and finish[m] the least cost of such a
	// run (model moves and silent ones).
	ahead          []uint64
	words          int
	silent, finish []int
	final          []bool
	// live[m] are the edges out of m to markings from which a final
	// one can be reached, labels set.
	live [][]edge
}

// explore builds the net's reachability graph and what the bounds need,
// or returns nil when the graph is larger than the bounds above.
func (a *Aligner) explore(ctx context.Context) (*space, error) {
	g := newGraph()
	g.intern(string(a.initial))
	buf := make([]uint8, a.places)
	edges := 0
	for m := int32(0); int(m) < len(g.marks); m++ {
		if m%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		edges += len(a.successors(g, m, buf))
		if len(g.marks) > maxGraphMarkings || edges > maxGraphEdges || int(m+1)*len(a.trans) > maxGraphFirings {
			return nil, nil
		}
	}
	n := len(g.marks)
	s := &space{graph: g, words: (len(a.labels) + 63) / 64, final: make([]bool, n)}
	in := make([][]edge, n) // reversed: to is the edge's source
	for m := range n {
		for _, e := range g.out[m] {
			in[e.to] = append(in[e.to], edge{to: int32(m), t: e.t})
		}
		s.final[m] = a.isFinal(g.marks[m])
	}
	// The labels ahead: each edge's label, then what its target has
	// ahead, until nothing changes.
	s.ahead = make([]uint64, n*s.words)
	work := make([]int32, 0, n)
	queued := make([]bool, n)
	for m := range n {
		for _, e := range g.out[m] {
			if l := a.trans[e.t].label; l != "" {
				i := a.labels[l]
				s.ahead[m*s.words+i/64] |= 1 << (i % 64)
			}
		}
		work, queued[m] = append(work, int32(m)), true
	}
	for len(work) > 0 {
		m := work[len(work)-1]
		work, queued[m] = work[:len(work)-1], false
		from := s.ahead[int(m)*s.words : int(m+1)*s.words]
		for _, e := range in[m] {
			to := s.ahead[int(e.to)*s.words : int(e.to+1)*s.words]
			grew := false
			for w := range to {
				if from[w]&^to[w] != 0 {
					to[w] |= from[w]
					grew = true
				}
			}
			if grew && !queued[e.to] {
				work, queued[e.to] = append(work, e.to), true
			}
		}
	}
	s.silent = a.distances(in, s.final, func(t int32) int {
		if a.trans[t].label == "" {
			return 1
		}
		return 0
	})
	s.finish = a.distances(in, s.final, func(t int32) int {
		if a.trans[t].label == "" {
			return SilentCost
		}
		return DeviationCost
	})
	s.live = make([][]edge, n)
	for m := range n {
		for _, e := range g.out[m] {
			if s.finish[e.to] < unreachable {
				e.label = a.labelOf[e.t]
				s.live[m] = append(s.live[m], e)
			}
		}
	}
	return s, nil
}

// unreachable is a distance to a final marking that cannot be reached.
const unreachable = 1 << 40

// distances are the least costs from each marking to a final one, by
// Dijkstra's method over the reversed edges.
func (a *Aligner) distances(in [][]edge, final []bool, cost func(t int32) int) []int {
	d := make([]int, len(in))
	var h minHeap
	for m := range d {
		d[m] = unreachable
		if final[m] {
			d[m] = 0
			h.push(item{key: 0, id: int32(m)})
		}
	}
	for h.len() > 0 {
		it := h.pop()
		if it.key > d[it.id] {
			continue
		}
		for _, e := range in[it.id] {
			if k := it.key + cost(e.t); k < d[e.to] {
				d[e.to] = k
				h.push(item{key: k, id: e.to})
			}
		}
	}
	return d
}

// item is an entry of minHeap.
type item struct {
	key int
	id  int32
}

// minHeap is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster
// algorithms for the shortest path problem", 1990): a priority queue
// for keys that never fall below the last one taken, as in Dijkstra's
// method with costs of at least 0. Bucket i holds the items whose key
// first differs from the last key taken in bit i-1; taking the least
// moves the items of the first non-empty bucket to lower ones.
type minHeap struct {
	buckets [65][]item
	last    int
	n       int
}

func (h *minHeap) len() int { return h.n }

func (h *minHeap) reset() {
	for i := range h.buckets {
		h.buckets[i] = h.buckets[i][:0]
	}
	h.last, h.n = 0, 0
}

func (h *minHeap) push(x item) {
	b := bits.Len64(uint64(x.key ^ h.last))
	h.buckets[b] = append(h.buckets[b], x)
	h.n++
}

func (h *minHeap) pop() item {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		least := h.buckets[i][0].key
		for _, x := range h.buckets[i][1:] {
			least = min(least, x.key)
		}
		h.last = least
		for _, x := range h.buckets[i] {
			b := bits.Len64(uint64(x.key ^ least))
			h.buckets[b] = append(h.buckets[b], x)
		}
		h.buckets[i] = h.buckets[i][:0]
	}
	b := h.buckets[0]
	x := b[len(b)-1]
	h.buckets[0] = b[:len(b)-1]
	h.n--
	return x
}

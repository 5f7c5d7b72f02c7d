package petrinet

import "slices"

// Reduce removes the silent transitions that only pass a token along a
// place nothing else touches, the way PM4Py simplifies the nets it builds
// from trees, so that the nets are the same size as PM4Py's: a silent
// transition whose one input place has one producer and no other consumer
// is fused with that producer; one whose one output place has one consumer
// and no other producer is fused with that consumer. What the net allows
// stays the same. The neighbours of each node are kept up to date as it
// goes, so a net of n nodes takes time in proportion to n, not n².
func (n *Net) Reduce() {
	r := newReducer(n)
	// Transitions are tried in the net's order; a fusion puts the silent
	// transitions next to it back in line, as it may have made them
	// fusable.
	queue := make([]string, 0, len(n.Transitions))
	for _, t := range n.Transitions {
		if t.Silent() {
			queue = append(queue, t.ID)
		}
	}
	queued := map[string]bool{}
	for _, t := range queue {
		queued[t] = true
	}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		queued[t] = false
		for _, touched := range r.fuse(t) {
			if r.silent[touched] && !queued[touched] && !r.gone[touched] {
				queued[touched] = true
				queue = append(queue, touched)
			}
		}
	}
	// The worklist covers what a fusion can change; a last pass over all
	// makes sure, and repeats while it finds more.
	for changed := true; changed; {
		changed = false
		for _, t := range n.Transitions {
			if t.Silent() && r.fuse(t.ID) != nil {
				changed = true
			}
		}
	}
	r.write(n)
}

type reducer struct {
	in, out map[string][]string // node -> sources of its arcs in, targets of its arcs out
	silent  map[string]bool
	gone    map[string]bool
	marked  func(string) bool
	added   []Arc // arcs made by fusions, in order
}

func newReducer(n *Net) *reducer {
	r := &reducer{in: map[string][]string{}, out: map[string][]string{}, silent: map[string]bool{}, gone: map[string]bool{}}
	for _, a := range n.Arcs {
		r.out[a.Source] = append(r.out[a.Source], a.Target)
		r.in[a.Target] = append(r.in[a.Target], a.Source)
	}
	for _, t := range n.Transitions {
		r.silent[t.ID] = t.Silent()
	}
	r.marked = func(p string) bool { return n.Initial[p] > 0 || n.Final[p] > 0 }
	return r
}

// fuse fuses silent transition t away if it can, and returns the
// transitions whose neighbourhood changed.
func (r *reducer) fuse(t string) []string {
	if r.gone[t] {
		return nil
	}
	// Single entry: u -> p -> t -> … becomes u -> ….
	if ps := r.in[t]; len(ps) == 1 {
		p := ps[0]
		if us := r.in[p]; len(us) == 1 && len(r.out[p]) == 1 && us[0] != t && !r.marked(p) && !overlaps(r.out[us[0]], r.out[t]) {
			u := us[0]
			targets := slices.Clone(r.out[t])
			r.remove(t, p)
			for _, q := range targets {
				r.link(u, q)
			}
			return append([]string{u}, r.neighbours(targets)...)
		}
	}
	// Single exit: … -> t -> p -> v becomes … -> v.
	if ps := r.out[t]; len(ps) == 1 {
		p := ps[0]
		if vs := r.out[p]; len(vs) == 1 && len(r.in[p]) == 1 && vs[0] != t && !r.marked(p) && !overlaps(r.in[vs[0]], r.in[t]) {
			v := vs[0]
			sources := slices.Clone(r.in[t])
			r.remove(t, p)
			for _, q := range sources {
				r.link(q, v)
			}
			return append([]string{v}, r.neighbours(sources)...)
		}
	}
	return nil
}

// remove takes transition t and place p, and their arcs, out of the net.
func (r *reducer) remove(t, p string) {
	for _, x := range []string{t, p} {
		for _, s := range r.in[x] {
			r.out[s] = slices.DeleteFunc(r.out[s], func(y string) bool { return y == x })
		}
		for _, d := range r.out[x] {
			r.in[d] = slices.DeleteFunc(r.in[d], func(y string) bool { return y == x })
		}
		delete(r.in, x)
		delete(r.out, x)
		r.gone[x] = true
	}
}

func (r *reducer) link(from, to string) {
	r.out[from] = append(r.out[from], to)
	r.in[to] = append(r.in[to], from)
	r.added = append(r.added, Arc{Source: from, Target: to})
}

// neighbours are the transitions next to the places.
func (r *reducer) neighbours(places []string) []string {
	var out []string
	for _, p := range places {
		out = append(out, r.in[p]...)
		out = append(out, r.out[p]...)
	}
	return out
}

// write puts the reduced net back: the original arcs that remain, in
// their order, then those fusions made; the nodes that remain.
func (r *reducer) write(n *Net) {
	kept := n.Arcs[:0]
	for _, a := range n.Arcs {
		if !r.gone[a.Source] && !r.gone[a.Target] {
			kept = append(kept, a)
		}
	}
	for _, a := range r.added {
		if !r.gone[a.Source] && !r.gone[a.Target] {
			kept = append(kept, a)
		}
	}
	n.Arcs = kept
	n.Transitions = slices.DeleteFunc(n.Transitions, func(t Transition) bool { return r.gone[t.ID] })
	n.Places = slices.DeleteFunc(n.Places, func(p Place) bool { return r.gone[p.ID] })
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

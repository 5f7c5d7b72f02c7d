package petrinet

import "slices"

// Reduce removes the silent transitions that only pass a token along a
// place nothing else touches, the way PM4Py simplifies the nets it builds
// from trees, so that the nets are the same size as PM4Py's: a silent
// transition whose one input place has one producer and no other consumer
// is fused with that producer; one whose one output place has one consumer
// and no other producer is fused with that consumer. What the net allows
// stays the same.
func (n *Net) Reduce() {
	for n.fuseOne() {
	}
}

func (n *Net) fuseOne() bool {
	in := map[string][]string{}  // node -> sources of its arcs in
	out := map[string][]string{} // node -> targets of its arcs out
	for _, a := range n.Arcs {
		out[a.Source] = append(out[a.Source], a.Target)
		in[a.Target] = append(in[a.Target], a.Source)
	}
	marked := func(p string) bool { return n.Initial[p] > 0 || n.Final[p] > 0 }
	for _, t := range n.Transitions {
		if !t.Silent() {
			continue
		}
		// Single entry: u -> p -> t -> ... becomes u -> ...
		if ps := in[t.ID]; len(ps) == 1 {
			p := ps[0]
			if us := in[p]; len(us) == 1 && len(out[p]) == 1 && us[0] != t.ID && !marked(p) && !overlaps(out[us[0]], out[t.ID]) {
				n.fuse(t.ID, p, us[0], out[t.ID], false)
				return true
			}
		}
		// Single exit: ... -> t -> p -> v becomes ... -> v.
		if ps := out[t.ID]; len(ps) == 1 {
			p := ps[0]
			if vs := out[p]; len(vs) == 1 && len(in[p]) == 1 && vs[0] != t.ID && !marked(p) && !overlaps(in[vs[0]], in[t.ID]) {
				n.fuse(t.ID, p, vs[0], in[t.ID], true)
				return true
			}
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// fuse removes transition t and place p and joins t's other places to u:
// as u's inputs when toU, else as its outputs.
func (n *Net) fuse(t, p, u string, others []string, toU bool) {
	n.Arcs = slices.DeleteFunc(n.Arcs, func(a Arc) bool {
		return a.Source == t || a.Target == t || a.Source == p || a.Target == p
	})
	for _, q := range others {
		if toU {
			n.Arcs = append(n.Arcs, Arc{Source: q, Target: u})
		} else {
			n.Arcs = append(n.Arcs, Arc{Source: u, Target: q})
		}
	}
	n.Transitions = slices.DeleteFunc(n.Transitions, func(x Transition) bool { return x.ID == t })
	n.Places = slices.DeleteFunc(n.Places, func(x Place) bool { return x.ID == p })
}

package conformance

import "slices"

// How hard replay tries to enable a transition or reach the final marking
// through silent transitions before it adds or leaves tokens (the limits
// of Berti and van der Aalst's heuristics).
const (
	maxEnableDepth = 2
	maxFinalRounds = 5
)

// run replays one trace at a time on a model.
type run struct {
	m       *model
	marking []int32
	visited []bool // silent transitions fired while enabling the current event
	trace   traceResult
	work    int // steps taken so far, over all traces
}

// traceResult is what replaying one trace found.
type traceResult struct {
	produced, consumed, missing, remaining int
	notInModel                             bool
	missingAt                              map[int32]missed // per transition
	left                                   map[int32]int    // remaining tokens per place
}

type missed struct{ events, tokens int }

func (t *traceResult) fitness() float64 {
	return fitness(t.missing, t.consumed, t.remaining, t.produced)
}

func (t *traceResult) fit() bool { return t.missing == 0 && t.remaining == 0 && !t.notInModel }

func (r *run) replay(acts []int32, byAct []int32) traceResult {
	m := r.m
	r.marking = slices.Clone(m.initial)
	if r.visited == nil {
		r.visited = make([]bool, len(m.label))
	}
	r.trace = traceResult{}
	for _, k := range m.initial {
		r.trace.produced += int(k)
	}
	for _, a := range acts {
		t := byAct[a]
		if t < 0 {
			r.trace.notInModel = true
			continue
		}
		if alt := m.byLabel[m.label[t]]; len(alt) > 1 {
			for _, u := range alt {
				if r.enabled(u) {
					t = u
					break
				}
			}
		}
		if !r.enabled(t) {
			clear(r.visited)
			r.enable(t, 0)
		}
		if !r.enabled(t) {
			r.addMissing(t)
		}
		r.fire(t)
	}
	r.toFinal()
	for _, p := range m.finalPlaces {
		if short := m.final[p] - r.marking[p]; short > 0 {
			r.trace.missing += int(short)
			r.marking[p] += short
		}
		take := m.final[p]
		if m.atLeast {
			take = r.marking[p] // every path that ended counts as ended
		}
		r.trace.consumed += int(take)
		r.marking[p] -= take
	}
	for p, k := range r.marking {
		if k > 0 {
			r.trace.remaining += int(k)
			if r.trace.left == nil {
				r.trace.left = map[int32]int{}
			}
			r.trace.left[int32(p)] += int(k)
		}
	}
	return r.trace
}

func (r *run) enabled(t int32) bool {
	for _, p := range r.m.pre[t] {
		if r.marking[p] <= 0 {
			return false
		}
	}
	return true
}

func (r *run) fire(t int32) {
	r.work++
	for _, p := range r.m.pre[t] {
		r.marking[p]--
	}
	for _, p := range r.m.post[t] {
		r.marking[p]++
	}
	r.trace.consumed += len(r.m.pre[t])
	r.trace.produced += len(r.m.post[t])
}

// addMissing puts into t's input places the tokens it lacks, and counts
// them.
func (r *run) addMissing(t int32) {
	added := 0
	for _, p := range r.emptyInputs(t) {
		added++
		r.marking[p] = 1
	}
	r.trace.missing += added
	if r.trace.missingAt == nil {
		r.trace.missingAt = map[int32]missed{}
	}
	k := r.trace.missingAt[t]
	k.events++
	k.tokens += added
	r.trace.missingAt[t] = k
}

// emptyInputs lists t's input places that hold no token, in order.
func (r *run) emptyInputs(t int32) []int32 {
	var out []int32
	for _, p := range r.m.pre[t] {
		if r.marking[p] <= 0 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// pathsTo lists the shortest silent paths from the marked places to the
// given places, the shortest first.
func (r *run) pathsTo(targets []int32) [][]int32 {
	var out [][]int32
	for p, k := range r.marking {
		if k <= 0 {
			continue
		}
		r.work++
		if r.work > MaxWork {
			return nil
		}
		sp := r.m.pathsFrom(int32(p))
		for _, q := range targets {
			if path := sp.to(q, &r.m.kept); path != nil {
				r.work += len(path)
				out = append(out, path)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b []int32) int { return len(a) - len(b) })
	return out
}

// enable tries to enable t by firing silent transitions: along the
// shortest silent paths from marked places to t's empty input places,
// then, for silent transitions on those paths that are not enabled,
// trying the same for them, to a small depth. Each silent transition
// fires at most once per event.
func (r *run) enable(t int32, depth int) {
	if depth >= maxEnableDepth || r.visited[t] {
		return
	}
	r.visited[t] = true
	empty := r.emptyInputs(t)
	paths := r.pathsTo(empty)
	if len(paths) == 0 {
		return
	}
	// Walk the paths in turn, firing what is enabled, until t is or a
	// path fires nothing.
	for _, path := range paths {
		fired := false
		for _, u := range path {
			if u != t && !r.visited[u] && r.enabled(u) {
				r.fire(u)
				r.visited[u] = true
				fired = true
			}
			if r.enabled(t) {
				return
			}
		}
		if !fired {
			break
		}
	}
	// Then the transitions on the paths that are still not enabled get
	// the same help.
	for _, path := range r.pathsTo(empty) {
		for _, u := range path {
			if u == t || r.visited[u] {
				continue
			}
			if !r.enabled(u) {
				r.enable(u, depth+1)
			}
			if r.enabled(u) {
				r.fire(u)
				r.visited[u] = true
			}
		}
	}
}

// toFinal leads the tokens to the final marking through silent
// transitions, along the shortest paths from the marked places to its
// places, until every place of it holds a token or nothing more moves.
func (r *run) toFinal() {
	reached := func() bool {
		for _, p := range r.m.finalPlaces {
			if r.marking[p] <= 0 {
				return false
			}
		}
		return true
	}
	for range maxFinalRounds {
		if reached() {
			return
		}
		for _, path := range r.pathsTo(r.m.finalPlaces) {
			for _, u := range path {
				if r.enabled(u) {
					r.fire(u)
				}
			}
			if reached() {
				return
			}
		}
	}
}

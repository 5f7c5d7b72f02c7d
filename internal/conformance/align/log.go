package align

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Trace is a variant to align: its activities and how many cases follow
// it.
type Trace struct {
	Activities []string
	Cases      int
}

// Options bound a log's alignment.
type Options struct {
	// Budget is the most states one variant's search visits (0: a
	// million); a variant past it is reported as not computed.
	Budget int
	// Total, when above 0, bounds the states of all the variants'
	// searches together: what one request may spend. Variants left when
	// it is spent are reported as not computed.
	Total int
	// LayerBudget bounds the layers of one variant (layers.go) by their
	// states, a marking at a position each, which is also their memory
	// (17 bytes a state); 0: the Budget. A variant over it is searched
	// by A* within the Budget instead. LayerTotal, when above 0, bounds
	// the layers' states of the whole run, counted once per shared
	// prefix. A numbered state costs some thirty times less than a
	// searched one (BENCHMARKS.md), hence bounds of their own.
	LayerBudget, LayerTotal int
	// Workers align variants side by side (0: the number of CPUs).
	Workers int
	// Progress, when set, is called after each variant with how many
	// are done, from any goroutine.
	Progress func(done, total int)
}

// VariantResult is one variant's alignment, or why there is none.
type VariantResult struct {
	Trace
	Alignment   *Alignment `json:"alignment,omitempty"`
	NotComputed string     `json:"not_computed,omitempty"`
}

// Deviation counts one kind of move on one activity, in cases.
type Deviation struct {
	Activity string `json:"activity"`
	// Kind is "log" (the activity happened where the model does not
	// allow it) or "model" (the model required it and it did not
	// happen).
	Kind  string `json:"kind"`
	Cases int    `json:"cases"`
	Moves int    `json:"moves"`
}

// Summary is a log's alignment-based fitness, as PM4Py's
// fitness_alignments gives it, over the variants that were computed.
type Summary struct {
	Variants []VariantResult `json:"variants"`
	// LogFitness is 1 minus the summed alignment costs over the summed
	// best-worst costs, silent moves included, per case.
	LogFitness float64 `json:"log_fitness"`
	// AverageTraceFitness is the mean of the cases' fitness.
	AverageTraceFitness float64 `json:"average_trace_fitness"`
	// FittingShare is the share of cases that align without a deviation
	// (0 to 1).
	FittingShare float64     `json:"fitting_share"`
	Deviations   []Deviation `json:"deviations"`
	// Cases counts the cases aligned; NotComputedCases those whose
	// variant did not finish within the budget.
	Cases            int `json:"cases"`
	NotComputedCases int `json:"not_computed_cases"`
}

// Log aligns every variant and sums the figures per case. A variant that
// exceeds the budget is left out of the figures and counted; a cancelled
// context ends the whole run with its error. Variants the net's graph
// aligns by layers within the budget share their prefixes' layers
// (layers.go); the others are searched one by one.
func (a *Aligner) Log(ctx context.Context, traces []Trace, o Options) (*Summary, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	budget := o.Budget
	if budget <= 0 {
		budget = 1_000_000
	}
	layerBudget := o.LayerBudget
	if layerBudget <= 0 {
		layerBudget = budget
	}
	r := &run{res: make([]VariantResult, len(traces)), total: o.LayerTotal, progress: o.Progress}
	t := newTrie()
	var rest []int
	for i, tr := range traces {
		r.res[i].Trace = tr
		if a.fitsLayers(len(tr.Activities), layerBudget) {
			t.add(i, tr.Activities)
		} else {
			rest = append(rest, i)
		}
	}
	r.parallel(ctx, workers, t.split(8*workers), func(job int) {
		a.layeredJob(ctx, t, job, r)
	})
	var searched atomic.Int64
	r.parallel(ctx, workers, rest, func(i int) {
		b := budget
		if o.Total > 0 {
			b = int(min(int64(b), int64(o.Total)-searched.Load()))
		}
		if b <= 0 {
			r.done(i, Alignment{}, errSpent)
			return
		}
		al, err := a.search(ctx, traces[i].Activities, b)
		searched.Add(int64(al.States))
		r.done(i, al, err)
	})
	if r.first != nil {
		return nil, r.first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return summarize(r.res), nil
}

var errSpent = errors.New("not computed: the run's budget of states was spent")

// run is a log's alignment under way: the results, the layers' states
// spent, the first error.
type run struct {
	res      []VariantResult
	total    int
	spent    atomic.Int64
	progress func(done, total int)

	mu       sync.Mutex
	first    error
	finished int
}

// spend takes n states from the run's budget of layers, or reports that
// it is spent.
func (r *run) spend(n int) bool {
	if r.total <= 0 {
		return true
	}
	if r.spent.Add(int64(n)) > int64(r.total) {
		r.spent.Add(-int64(n))
		return false
	}
	return true
}

// done records variant i's alignment or why there is none.
func (r *run) done(i int, al Alignment, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		r.res[i].Alignment = &al
	case errors.Is(err, ErrBudget), errors.Is(err, errSpent):
		r.res[i].NotComputed = err.Error()
	case r.first == nil:
		r.first = err
	}
	r.finished++
	if r.progress != nil {
		r.progress(r.finished, len(r.res))
	}
}

// parallel calls work for each item on the given number of goroutines,
// until the context is cancelled.
func (r *run) parallel(ctx context.Context, workers int, items []int, work func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(1, len(items))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				work(i)
			}
		}()
	}
	for _, i := range items {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}

// trie is the variants' prefix tree: node 0 is the empty prefix; each
// node's layer is its parent's followed by its label.
type trie struct {
	label    []string
	parent   []int32
	depth    []int
	children [][]int32
	// ends are the variants whose activities end at the node; size
	// counts the variants at or below it.
	ends [][]int
	size []int
	// alone marks a node split off from its subtree: its job covers
	// its own variants only.
	alone []bool
}

func newTrie() *trie {
	return &trie{label: []string{""}, parent: []int32{-1}, depth: []int{0}, children: [][]int32{nil},
		ends: [][]int{nil}, size: []int{0}, alone: []bool{false}}
}

func (t *trie) add(variant int, activities []string) {
	n := int32(0)
	t.size[0]++
	for _, act := range activities {
		next := int32(-1)
		for _, c := range t.children[n] {
			if t.label[c] == act {
				next = c
				break
			}
		}
		if next < 0 {
			next = int32(len(t.label))
			t.label = append(t.label, act)
			t.parent = append(t.parent, n)
			t.depth = append(t.depth, t.depth[n]+1)
			t.children = append(t.children, nil)
			t.ends = append(t.ends, nil)
			t.size = append(t.size, 0)
			t.alone = append(t.alone, false)
			t.children[n] = append(t.children[n], next)
		}
		n = next
		t.size[n]++
	}
	t.ends[n] = append(t.ends[n], variant)
}

// split cuts the tree into about k jobs of whole subtrees, splitting the
// largest first; a split node's own variants become a job of their own.
func (t *trie) split(k int) []int {
	if t.size[0] == 0 {
		return nil
	}
	jobs := []int{0}
	for len(jobs) < k {
		big := -1
		for i, j := range jobs {
			if !t.alone[j] && len(t.children[j]) > 0 && (big < 0 || t.size[j] > t.size[jobs[big]]) {
				big = i
			}
		}
		if big < 0 {
			break
		}
		n := jobs[big]
		jobs = slices.Delete(jobs, big, big+1)
		if len(t.ends[n]) > 0 {
			t.alone[n] = true
			jobs = append(jobs, n)
		}
		for _, c := range t.children[n] {
			jobs = append(jobs, int(c))
		}
	}
	return jobs
}

// layeredJob aligns the variants of one job: it computes the layers of
// the path to the job's node, then those of its subtree depth first,
// reading each variant's alignment where it ends.
func (a *Aligner) layeredJob(ctx context.Context, t *trie, job int, r *run) {
	markings := len(a.space.marks)
	var stack []*layer // stack[d] is the layer at depth d
	var h minHeap
	// at computes node n's layer from its parent's, which is on the
	// stack; false when the run's budget is spent or the context ended.
	at := func(n int) bool {
		d := t.depth[n]
		if ctx.Err() != nil || !r.spend(markings) {
			return false
		}
		for len(stack) <= d {
			stack = append(stack, newLayer(markings))
		}
		if d == 0 {
			a.fill(stack[0], nil, "", &h)
		} else {
			a.fill(stack[d], stack[d-1], t.label[n], &h)
		}
		return true
	}
	var path []int
	for n := job; n >= 0; n = int(t.parent[n]) {
		path = append(path, n)
	}
	slices.Reverse(path)
	for _, n := range path[:len(path)-1] {
		if !at(n) {
			a.abandon(ctx, t, job, r)
			return
		}
	}
	// Depth first through the subtree (only the node when it is
	// alone).
	todo := []int{job}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !at(n) {
			a.abandon(ctx, t, n, r)
			for _, m := range todo {
				a.abandon(ctx, t, m, r)
			}
			return
		}
		for _, i := range t.ends[n] {
			tr := r.res[i].Activities
			al, ok := a.read(stack[:t.depth[n]+1], tr)
			al.BestWorst = a.empty + DeviationCost*len(tr)
			if !ok {
				r.done(i, Alignment{States: al.States}, errUnreachable)
			} else {
				r.done(i, al, nil)
			}
		}
		if n != job || !t.alone[n] {
			for _, c := range slices.Backward(t.children[n]) {
				todo = append(todo, int(c))
			}
		}
	}
}

// abandon reports the variants at and below node n (only at it when it
// is alone) as not computed, the run's budget being spent; a cancelled
// context is the run's error already.
func (a *Aligner) abandon(ctx context.Context, t *trie, n int, r *run) {
	if ctx.Err() != nil {
		return
	}
	todo := []int{n}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, i := range t.ends[n] {
			r.done(i, Alignment{}, errSpent)
		}
		if !t.alone[n] {
			for _, c := range t.children[n] {
				todo = append(todo, int(c))
			}
		}
	}
}

func summarize(res []VariantResult) *Summary {
	s := &Summary{Variants: res}
	var cost, worst, fit float64
	fitting := 0
	type key struct{ activity, kind string }
	devs := map[key]*Deviation{}
	for _, r := range res {
		if r.Alignment == nil {
			s.NotComputedCases += r.Cases
			continue
		}
		n := r.Cases
		s.Cases += n
		cost += float64(r.Alignment.Cost * n)
		worst += float64(r.Alignment.BestWorst * n)
		fit += r.Alignment.Fitness() * float64(n)
		if r.Alignment.Deviations() == 0 {
			fitting += n
		}
		seen := map[key]bool{}
		for _, m := range r.Alignment.Moves {
			var k key
			switch m.Kind() {
			case "log":
				k = key{m.Log, "log"}
			case "model":
				k = key{m.Label, "model"}
			default:
				continue
			}
			d := devs[k]
			if d == nil {
				d = &Deviation{Activity: k.activity, Kind: k.kind}
				devs[k] = d
			}
			d.Moves += n
			if !seen[k] {
				seen[k] = true
				d.Cases += n
			}
		}
	}
	if s.Cases > 0 {
		s.AverageTraceFitness = fit / float64(s.Cases)
		s.FittingShare = float64(fitting) / float64(s.Cases)
	}
	s.LogFitness = 1
	if worst > 0 {
		s.LogFitness = 1 - cost/worst
	}
	for _, d := range devs {
		s.Deviations = append(s.Deviations, *d)
	}
	slices.SortFunc(s.Deviations, func(a, b Deviation) int {
		return cmp.Or(cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Activity, b.Activity), cmp.Compare(a.Kind, b.Kind))
	})
	return s
}

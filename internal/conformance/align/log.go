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
// context ends the whole run with its error.
func (a *Aligner) Log(ctx context.Context, traces []Trace, o Options) (*Summary, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	res := make([]VariantResult, len(traces))
	var (
		mu    sync.Mutex
		first error
		done  int
		wg    sync.WaitGroup
	)
	next := make(chan int)
	var spent atomic.Int64
	for range min(workers, max(1, len(traces))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i].Trace = traces[i]
				budget := o.Budget
				if budget <= 0 {
					budget = 1_000_000
				}
				if o.Total > 0 {
					budget = int(min(int64(budget), int64(o.Total)-spent.Load()))
				}
				if budget <= 0 {
					res[i].NotComputed = "not computed: the run's budget of states was spent"
				} else {
					al, err := a.Align(ctx, traces[i].Activities, budget)
					spent.Add(int64(al.States))
					switch {
					case err == nil:
						res[i].Alignment = &al
					case errors.Is(err, ErrBudget):
						res[i].NotComputed = err.Error()
					default:
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
					}
				}
				mu.Lock()
				done++
				if o.Progress != nil {
					o.Progress(done, len(traces))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range traces {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return summarize(res), nil
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

// Package compare sets two views of a process side by side (two filter
// sets, two periods, two versions): their key figures, which activities
// and paths grew or shrank in frequency and duration, which variants
// appeared or vanished, and statistical tests of the differences in case
// durations and activity frequencies.
package compare

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/stattest"
)

// Options adjust a comparison.
type Options struct {
	// MinCases, above 1, is disclosure control: an activity, a path or a
	// variant is shown only where each cohort has none or at least
	// MinCases cases of it, and the cohorts must each hold MinCases.
	MinCases int
	// Variants bounds the lists of appeared and vanished variants (0:
	// 10).
	Variants int
	// Clock, when set, measures durations in working time (see
	// mining.WorkingClock; made for both cohorts' span).
	Clock *calendar.Clock
}

// KPIs are one cohort's key figures. Durations are in seconds, nil when
// the log has no timestamps.
type KPIs struct {
	Cases          int      `json:"cases"`
	Events         int      `json:"events"`
	Variants       int      `json:"variants"`
	EventsPerCase  float64  `json:"events_per_case"`
	ReworkShare    float64  `json:"rework_share"`
	MeanDuration   *float64 `json:"mean_duration_seconds"`
	MedianDuration *float64 `json:"median_duration_seconds"`
	P90Duration    *float64 `json:"p90_duration_seconds"`
}

// Activity compares how often an activity occurs.
type Activity struct {
	Activity string `json:"activity"`
	// CasesA and CasesB count the cases with the activity; ShareA and
	// ShareB divide them by the cohort's cases.
	CasesA int     `json:"cases_a"`
	CasesB int     `json:"cases_b"`
	ShareA float64 `json:"share_a"`
	ShareB float64 `json:"share_b"`
	// Test is the difference between the shares.
	Test stattest.Test `json:"test"`
}

// Path compares a directly-follows path: its cases and its mean time.
type Path struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Count and MaxCase are each cohort's transitions and the most one
	// case makes, for disclosure control's dominance rule.
	Count   [2]int   `json:"-"`
	MaxCase [2]int   `json:"-"`
	CasesA  int      `json:"cases_a"`
	CasesB  int      `json:"cases_b"`
	ShareA  float64  `json:"share_a"`
	ShareB  float64  `json:"share_b"`
	MeanA   *float64 `json:"mean_seconds_a"`
	MeanB   *float64 `json:"mean_seconds_b"`
}

// Variant is a variant found in one cohort only.
type Variant struct {
	Activities []string `json:"activities"`
	Cases      int      `json:"cases"`
}

// Withheld counts what disclosure control left out.
type Withheld struct {
	Activities int `json:"activities"`
	Paths      int `json:"paths"`
	Variants   int `json:"variants"`
}

// Result is a comparison of cohort A with cohort B.
type Result struct {
	A KPIs `json:"a"`
	B KPIs `json:"b"`
	// Duration tests the difference in case durations; nil when untimed.
	Duration *stattest.Test `json:"case_duration_test"`
	// Activities, most changed share first; Paths likewise.
	Activities []Activity `json:"activities"`
	Paths      []Path     `json:"paths"`
	// Appeared are variants of B that A does not have; Vanished those of
	// A that B does not have; the most cases first.
	Appeared []Variant `json:"appeared_variants"`
	Vanished []Variant `json:"vanished_variants"`
	// AppearedCases and VanishedCases count all their cases.
	AppearedCases int       `json:"appeared_variant_cases"`
	VanishedCases int       `json:"vanished_variant_cases"`
	Withheld      *Withheld `json:"withheld,omitempty"`
	// WorkingTime tells that the durations are in working time.
	WorkingTime bool `json:"working_time,omitempty"`

	// variants are each cohort's, most cases first, for disclosure
	// control to decide anew what appeared and vanished.
	variants [2][]*mining.Variant
}

// CohortVariants returns cohort A's (0) or B's (1) variants, most cases
// first.
func (r *Result) CohortVariants(i int) []*mining.Variant { return r.variants[i] }

// ErrTooFew is a cohort smaller than the disclosure threshold.
type ErrTooFew struct {
	Cohort   string
	Cases, K int
}

func (e *ErrTooFew) Error() string {
	if e.Cases == 0 {
		return "cohort " + e.Cohort + " has no cases"
	}
	return "cohort " + e.Cohort + " has fewer cases than the disclosure threshold: each cohort needs at least " + strconv.Itoa(e.K)
}

// Compare compares cohort a with cohort b, two logs of one process. It
// reads each log a few times over; ctx is checked between the passes.
func Compare(ctx context.Context, a, b *eventlog.Log, o Options) (*Result, error) {
	k := max(o.MinCases, 1)
	if a.NumCases() < k || a.NumCases() == 0 {
		return nil, &ErrTooFew{"A", a.NumCases(), k}
	}
	if b.NumCases() < k || b.NumCases() == 0 {
		return nil, &ErrTooFew{"B", b.NumCases(), k}
	}
	if o.Variants <= 0 {
		o.Variants = 10
	}
	res := &Result{WorkingTime: o.Clock != nil}
	if k > 1 {
		res.Withheld = &Withheld{}
	}
	shown := func(x, y int) bool { return (x == 0 || x >= k) && (y == 0 || y >= k) }

	va, vb := mining.Variants(a), mining.Variants(b)
	res.variants = [2][]*mining.Variant{va, vb}
	da, db := durations(a, o.Clock), durations(b, o.Clock)
	res.A, res.B = kpis(a, len(va), da), kpis(b, len(vb), db)
	if da != nil && db != nil {
		t := stattest.MannWhitney(seconds(da), seconds(db))
		res.Duration = &t
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	ga := mining.ComputeDFG(a, mining.WithPerformance(), mining.WithWorkingTime(o.Clock))
	gb := mining.ComputeDFG(b, mining.WithPerformance(), mining.WithWorkingTime(o.Clock))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	acts := map[string][2]int{}
	for i, name := range ga.Activities {
		if ga.ActCases[i] > 0 {
			c := acts[name]
			c[0] = ga.ActCases[i]
			acts[name] = c
		}
	}
	for i, name := range gb.Activities {
		if gb.ActCases[i] > 0 {
			c := acts[name]
			c[1] = gb.ActCases[i]
			acts[name] = c
		}
	}
	var tests []*stattest.Test
	for name, c := range acts {
		if !shown(c[0], c[1]) {
			res.Withheld.Activities++
			continue
		}
		res.Activities = append(res.Activities, Activity{Activity: name, CasesA: c[0], CasesB: c[1],
			ShareA: share(c[0], res.A.Cases), ShareB: share(c[1], res.B.Cases), Test: stattest.Proportions(c[0], res.A.Cases, c[1], res.B.Cases)})
	}
	for i := range res.Activities {
		tests = append(tests, &res.Activities[i].Test)
	}
	stattest.Holm(tests)
	slices.SortFunc(res.Activities, func(x, y Activity) int {
		return cmp.Or(cmp.Compare(math.Abs(y.ShareB-y.ShareA), math.Abs(x.ShareB-x.ShareA)), strings.Compare(x.Activity, y.Activity))
	})

	type edge struct{ from, to string }
	paths := map[edge]*Path{}
	add := func(g *mining.DFG, cases int, inA bool) {
		for _, e := range g.Edges {
			key := edge{g.Activities[e.From], g.Activities[e.To]}
			p := paths[key]
			if p == nil {
				p = &Path{From: key.from, To: key.to}
				paths[key] = p
			}
			var mean *float64
			if e.Perf != nil {
				m := e.Perf.Mean
				mean = &m
			}
			if inA {
				p.CasesA, p.ShareA, p.MeanA = e.Cases, share(e.Cases, cases), mean
				p.Count[0], p.MaxCase[0] = e.Count, e.MaxCase
			} else {
				p.CasesB, p.ShareB, p.MeanB = e.Cases, share(e.Cases, cases), mean
				p.Count[1], p.MaxCase[1] = e.Count, e.MaxCase
			}
		}
	}
	add(ga, res.A.Cases, true)
	add(gb, res.B.Cases, false)
	for _, p := range paths {
		if !shown(p.CasesA, p.CasesB) {
			res.Withheld.Paths++
			continue
		}
		res.Paths = append(res.Paths, *p)
	}
	slices.SortFunc(res.Paths, func(x, y Path) int {
		return cmp.Or(cmp.Compare(math.Abs(y.ShareB-y.ShareA), math.Abs(x.ShareB-x.ShareA)), strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})

	res.Appeared, res.AppearedCases = only(vb, va, k, o.Variants, res.Withheld)
	res.Vanished, res.VanishedCases = only(va, vb, k, o.Variants, res.Withheld)
	return res, ctx.Err()
}

// only lists the variants of x that y does not have, the most cases
// first, up to n, each of at least k cases; it counts all their cases.
func only(x, y []*mining.Variant, k, n int, w *Withheld) ([]Variant, int) {
	in := map[string]bool{}
	for _, v := range y {
		in[variantKey(v.Activities)] = true
	}
	var out []Variant
	total := 0
	for _, v := range x { // most cases first already
		if in[variantKey(v.Activities)] {
			continue
		}
		total += v.Cases
		if v.Cases < k {
			w.Variants++
			continue
		}
		if len(out) < n {
			out = append(out, Variant{Activities: v.Activities, Cases: v.Cases})
		}
	}
	return out, total
}

// kpis are a cohort's key figures; ds its case durations, nil when the
// log is untimed.
func kpis(l *eventlog.Log, variants int, ds []int64) KPIs {
	k := KPIs{Cases: l.NumCases(), Events: l.NumEvents(), Variants: variants}
	if k.Cases > 0 {
		k.EventsPerCase = float64(k.Events) / float64(k.Cases)
	}
	k.ReworkShare = mining.ComputeRework(l).ReworkShare
	if ds != nil && k.Cases > 0 {
		d := mining.Summarize(ds)
		k.MeanDuration, k.MedianDuration, k.P90Duration = &d.Mean, &d.Median, &d.P90
	}
	return k
}

// durations are the cases' durations, in working time by the clock when
// there is one; nil for an untimed log.
func durations(l *eventlog.Log, k *calendar.Clock) []int64 {
	if !l.Timed {
		return nil
	}
	if k != nil {
		return mining.WorkingCaseDurations(l, k)
	}
	return mining.CaseDurations(l)
}

func seconds(ns []int64) []float64 {
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n) / 1e9
	}
	return out
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// variantKey names a variant unambiguously, whatever its activities'
// names hold.
func variantKey(acts []string) string {
	b, _ := json.Marshal(acts)
	return string(b)
}

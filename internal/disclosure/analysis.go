package disclosure

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/compare"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/rootcause"
	"github.com/procmine/procmine/internal/stattest"
)

// Comparison makes a comparison fit for a reader, each cohort's figures
// through its own guard (ga for A, gb for B), under the labels the other
// reports give the same figures (a cohort is a view: its activity counts
// are the map's), so that asking twice draws nothing new:
//
//   - counts with noise and shares from them; the mean case duration
//     rounded, the median only for 2k cases or more, no 90th percentile;
//   - an activity or a path only where both cohorts have k cases of it or
//     more, the tests of the activities' shares from the noisy counts; a
//     path's mean time rounded, and left out where one case makes half
//     its transitions (the map's dominance rule);
//   - a variant appeared (or vanished) where the cohort that has it has k
//     cases of it or more and the other fewer than k, each decided with
//     noise;
//   - the test of the case durations only where both cohorts have 4k
//     cases or more, from a U with noise of a case's weight (one case
//     moves U by up to the larger cohort's size) drawn from both
//     cohorts at once (Joint), the effect to 0.05, p in bands, no U.
func Comparison(ga, gb *Guard, r *compare.Result, w *Withheld) {
	na, nb := r.A.Cases, r.B.Cases
	guardKPIs(ga, &r.A, na)
	guardKPIs(gb, &r.B, nb)
	if t := r.Duration; t != nil {
		if !ga.AtLeast("duration-test-cases", na, 4*ga.k) || !gb.AtLeast("duration-test-cases", nb, 4*gb.k) {
			r.Duration = nil
		} else {
			// One draw from both cohorts: with a draw of each, the one
			// of a cohort kept the same cancels in a difference.
			n1, n2 := float64(r.A.Cases), float64(r.B.Cases)
			z := Joint(ga, gb, "duration-test-u") / Sigma
			u := min(max(t.Statistic+float64(max(na, nb))*z, 0), n1*n2)
			t.Statistic = 0
			t.Effect = math.Round((2*u/(n1*n2)-1)*20) / 20
			zu := (u - n1*n2/2) / math.Sqrt(n1*n2*(n1+n2+1)/12)
			t.P = pBand(math.Erfc(math.Abs(zu) / math.Sqrt2))
		}
	}
	acts := r.Activities[:0]
	for _, a := range r.Activities {
		if !ga.Enough("activity\x00"+a.Activity, a.CasesA) || !gb.Enough("activity\x00"+a.Activity, a.CasesB) {
			w.Activities++
			continue
		}
		label := "activity-cases\x00" + a.Activity
		a.CasesA, a.CasesB = min(ga.Count(label, a.CasesA), r.A.Cases), min(gb.Count(label, a.CasesB), r.B.Cases)
		a.Test = stattest.Proportions(a.CasesA, r.A.Cases, a.CasesB, r.B.Cases)
		a.ShareA, a.ShareB = Share(ratio(a.CasesA, r.A.Cases)), Share(ratio(a.CasesB, r.B.Cases))
		acts = append(acts, a)
	}
	r.Activities = acts
	tests := make([]*stattest.Test, len(r.Activities))
	for i := range r.Activities {
		tests[i] = &r.Activities[i].Test
	}
	stattest.Holm(tests)
	for _, t := range tests {
		roundTest(t)
	}
	slices.SortStableFunc(r.Activities, func(x, y compare.Activity) int {
		return cmp.Or(cmp.Compare(math.Abs(y.ShareB-y.ShareA), math.Abs(x.ShareB-x.ShareA)), strings.Compare(x.Activity, y.Activity))
	})
	shownActs := map[string]bool{}
	for _, a := range r.Activities {
		shownActs[a.Activity] = true
	}
	paths := r.Paths[:0]
	for _, p := range r.Paths {
		label := p.From + "\x00" + p.To
		if !ga.Enough("path\x00"+label, p.CasesA) || !gb.Enough("path\x00"+label, p.CasesB) || !shownActs[p.From] || !shownActs[p.To] {
			w.Paths++
			continue
		}
		// Dominance: when one case makes half a path's transitions or
		// more, their durations are that case's.
		if 2*p.MaxCase[0] >= p.Count[0] && p.Count[0] > p.CasesA {
			p.MeanA = nil
		}
		if 2*p.MaxCase[1] >= p.Count[1] && p.Count[1] > p.CasesB {
			p.MeanB = nil
		}
		p.Count, p.MaxCase = [2]int{}, [2]int{}
		p.CasesA = min(ga.Count("path-cases\x00"+label, p.CasesA), r.A.Cases)
		p.CasesB = min(gb.Count("path-cases\x00"+label, p.CasesB), r.B.Cases)
		p.ShareA, p.ShareB = Share(ratio(p.CasesA, r.A.Cases)), Share(ratio(p.CasesB, r.B.Cases))
		p.MeanA, p.MeanB = SecondsPtr(p.MeanA), SecondsPtr(p.MeanB)
		paths = append(paths, p)
	}
	r.Paths = paths
	slices.SortStableFunc(r.Paths, func(x, y compare.Path) int {
		return cmp.Or(cmp.Compare(math.Abs(y.ShareB-y.ShareA), math.Abs(x.ShareB-x.ShareA)), strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
	limit := max(len(r.Appeared), len(r.Vanished), 10)
	r.Appeared, r.AppearedCases = onlyIn(gb, ga, r.CohortVariants(1), r.CohortVariants(0), limit, w)
	r.Vanished, r.VanishedCases = onlyIn(ga, gb, r.CohortVariants(0), r.CohortVariants(1), limit, w)
	r.Withheld = nil // the reader's note says what was left out
}

// onlyIn lists, as a reader receives them, x's variants of at least k
// cases of which y has fewer than k, each decided with noise, the most
// (noisy) cases first.
func onlyIn(gx, gy *Guard, x, y []*mining.Variant, limit int, w *Withheld) ([]compare.Variant, int) {
	inY := map[string]int{}
	for _, v := range y {
		inY[variantLabel(v)] = v.Cases
	}
	out := []compare.Variant{}
	total := 0
	for _, v := range x {
		label := variantLabel(v)
		if gy.AtLeast(label, inY[label], gy.k) {
			continue
		}
		if !gx.Enough(label, v.Cases) {
			w.Variants++
			continue
		}
		n := gx.Count(label, v.Cases)
		total += n
		out = append(out, compare.Variant{Activities: v.Activities, Cases: n})
	}
	// Sorted by the counts shown before the list is cut: an order by the
	// exact ones would compare them exactly.
	slices.SortStableFunc(out, func(a, b compare.Variant) int { return cmp.Compare(b.Cases, a.Cases) })
	return out[:min(len(out), limit)], total
}

// guardKPIs guards a cohort's key figures under the labels report.KPIs
// gives them; n is the cohort's exact number of cases.
func guardKPIs(g *Guard, k *compare.KPIs, n int) {
	rework := int(math.Round(k.ReworkShare * float64(n)))
	k.Cases = g.Count("cases", n)
	k.Events = g.Amount("events", k.Events)
	k.Variants = g.Amount("variants", k.Variants)
	k.EventsPerCase = math.Round(ratio(k.Events, k.Cases)*10) / 10
	k.ReworkShare = Share(ratio(g.Amount("rework-cases", rework), k.Cases))
	k.MeanDuration = SecondsPtr(k.MeanDuration)
	if g.AtLeast("median-cases", n, 2*g.k) {
		k.MedianDuration = SecondsPtr(k.MedianDuration)
	} else {
		k.MedianDuration = nil // a median of few is one case's figure
	}
	k.P90Duration = nil // the longest tenth of a few cases is one case
}

// RootCause makes a root-cause analysis fit for a reader. It must have
// been computed over activities only, with the guard's k, for an outcome
// a reader may ask (a duration threshold in whole hours: see
// report.Engine.RootCause); outcome names the set of cases with the
// outcome (a digest of their ids), so that two outcomes with the same
// cases draw the same noise and two whose cases differ draw anew, and
// their difference does not tell one case's part.
//
// A factor is shown only when its cases, those with and without the
// outcome, and the rest with and without it each hold at least k cases,
// decided with noise; its case count is the map's activity count, drawn
// as the map draws it; its rates, lift, interval and test come from noisy
// counts, and factors are ranked by their noisy excess, at most limit
// kept. The tree splits only on factors shown, and keeps only nodes whose
// cases with and without the outcome pass the same test. A view whose
// cases with, or without, the outcome are fewer than k is refused with
// TooFewError.
func (g *Guard) RootCause(r *rootcause.Result, outcome string, limit int, w *Withheld) error {
	exactCases, exactOutcome := r.Cases, r.OutcomeCases
	with := "rc\x00" + outcome + "\x00"
	if !g.Enough(with+"outcome", exactOutcome) || !g.Enough(with+"no-outcome", exactCases-exactOutcome) {
		return &TooFewError{K: g.k}
	}
	r.Cases = g.Count("cases", exactCases)
	r.OutcomeCases = min(g.Count(with+"outcome", exactOutcome), r.Cases)
	r.Rate = Share(ratio(r.OutcomeCases, r.Cases))
	kept := r.Factors[:0]
	shown := map[string]bool{}
	for _, f := range r.Factors {
		name := f.Kind + "\x00" + f.Name + "\x00" + f.Value
		out, rest, restOut := f.Outcome, exactCases-f.Cases, exactOutcome-f.Outcome
		if f.Kind != "activity" || !g.Enough("activity\x00"+f.Name, f.Cases) ||
			!g.Enough(with+"with\x00"+name, out) || !g.Enough(with+"without\x00"+name, f.Cases-out) ||
			!g.Enough(with+"rest\x00"+name, rest) || !g.Enough(with+"rest-with\x00"+name, restOut) || !g.Enough(with+"rest-without\x00"+name, rest-restOut) {
			w.Rows++
			continue
		}
		shown[f.Label()] = true
		f.Cases = min(g.Count("activity-cases\x00"+f.Name, f.Cases), r.Cases)
		f.Outcome = min(g.Count(with+"with\x00"+name, out), f.Cases)
		others := max(r.Cases-f.Cases, 1)
		othersOut := min(max(r.OutcomeCases-f.Outcome, 0), others)
		f.Rate = Share(ratio(f.Outcome, f.Cases))
		f.RateWithout = Share(ratio(othersOut, others))
		f.Lift = math.Round(ratio(f.Outcome, f.Cases)/max(ratio(r.OutcomeCases, r.Cases), 1e-12)*100) / 100
		iv := stattest.Wilson(f.Outcome, f.Cases)
		f.Interval = [2]float64{Share(iv[0]), Share(iv[1])}
		f.Test = stattest.Proportions(f.Outcome, f.Cases, othersOut, others)
		f.Excess = math.Round(float64(f.Outcome) - float64(f.Cases)*ratio(r.OutcomeCases, r.Cases))
		kept = append(kept, f)
	}
	tests := make([]*stattest.Test, len(kept))
	for i := range kept {
		tests[i] = &kept[i].Test
	}
	stattest.Holm(tests)
	for _, t := range tests {
		roundTest(t)
	}
	slices.SortStableFunc(kept, func(a, b rootcause.Factor) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Excess), math.Abs(a.Excess)), strings.Compare(a.Label(), b.Label()))
	})
	r.Factors = kept[:min(len(kept), limit)]
	// How many factors were tested counts rare activities too, and would
	// be averaged over outcomes: a reader is not told.
	r.Tested, r.Withheld = 0, 0
	if n := r.Tree; n != nil {
		n.Cases, n.Outcome, n.Rate = r.Cases, r.OutcomeCases, r.Rate
		g.guardSplit(n, with, "rc-node", shown, w)
	}
	return nil
}

// guardSplit keeps n's split when a reader may see it: a factor shown,
// and children whose cases with and without the outcome are k or more,
// decided with noise; the children get noisy counts and are guarded in
// turn. Otherwise n becomes a leaf. A node's cases are named by its path
// alone (the same cases whatever the outcome: the root's first "yes" is
// the map's activity count), its cases with the outcome by the outcome
// too (with); the "no" side's cases are the rest of its parent's, drawn
// no more.
func (g *Guard) guardSplit(n *rootcause.Node, with, path string, shown map[string]bool, w *Withheld) {
	if n.Yes == nil {
		return
	}
	here := path + "\x00" + n.Split
	for _, c := range []struct {
		node *rootcause.Node
		side string
	}{{n.Yes, "yes"}, {n.No, "no"}} {
		if !shown[n.Split] || !g.Enough(with+here+"\x00"+c.side+"\x00outcome", c.node.Outcome) || !g.Enough(with+here+"\x00"+c.side+"\x00no-outcome", c.node.Cases-c.node.Outcome) {
			w.Rows++
			n.Split, n.Yes, n.No = "", nil, nil
			return
		}
	}
	casesLabel := here + "\x00yes\x00cases"
	if act, ok := strings.CutPrefix(n.Split, "has "); ok && path == "rc-node" {
		casesLabel = "activity-cases\x00" + act // the root's split: the map's figure
	}
	n.Yes.Cases = min(g.Count(casesLabel, n.Yes.Cases), n.Cases)
	n.No.Cases = max(n.Cases-n.Yes.Cases, 0)
	for _, c := range []struct {
		node *rootcause.Node
		side string
	}{{n.Yes, "yes"}, {n.No, "no"}} {
		at := here + "\x00" + c.side
		c.node.Outcome = min(g.Count(with+at+"\x00outcome", c.node.Outcome), c.node.Cases)
		c.node.Rate = Share(ratio(c.node.Outcome, c.node.Cases))
		g.guardSplit(c.node, with, at, shown, w)
	}
}

// roundTest keeps of a test what noisy counts can tell: the statistic and
// the effect to two decimals, the p-values to two significant figures.
func roundTest(t *stattest.Test) {
	t.Statistic, t.Effect = math.Round(t.Statistic*100)/100, math.Round(t.Effect*100)/100
	t.P, t.AdjustedP = roundP(t.P), roundP(t.AdjustedP)
}

func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// roundP rounds a p-value to two significant figures, and those under
// 0.0001 to 0.0001.
func roundP(p float64) float64 {
	if p < 0.0001 {
		return 0.0001
	}
	return Seconds(p)
}

// pBand puts a p-value in a band: 0.001, 0.01 or 0.05 for those under
// them, otherwise one significant figure.
func pBand(p float64) float64 {
	for _, b := range []float64{0.001, 0.01, 0.05} {
		if p < b {
			return b
		}
	}
	return math.Round(p*10) / 10
}

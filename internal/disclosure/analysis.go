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
// through its own guard (ga for A, gb for B): counts with noise and
// shares from them, durations rounded, no test statistic (one case's rank
// moves it) but the effect and p rounded, and the tests of activity
// shares computed from the noisy counts. An activity or a path is shown
// only when both cohorts have at least k cases of it; a variant appeared
// (or vanished) when the cohort that has it has at least k cases of it and
// the other fewer than k, each decided with noise, so that adding or
// removing one case of a cohort does not move a row in or out for sure.
func Comparison(ga, gb *Guard, r *compare.Result, w *Withheld) {
	guardKPIs(ga, &r.A)
	guardKPIs(gb, &r.B)
	if t := r.Duration; t != nil {
		t.Statistic = 0
		t.Effect = math.Round(t.Effect*100) / 100
		t.P = roundP(t.P)
	}
	acts := r.Activities[:0]
	var tests []*stattest.Test
	for _, a := range r.Activities {
		label := "compare-activity\x00" + a.Activity
		if !ga.Enough(label, a.CasesA) || !gb.Enough(label, a.CasesB) {
			w.Activities++
			continue
		}
		a.CasesA, a.CasesB = min(ga.Count(label, a.CasesA), r.A.Cases), min(gb.Count(label, a.CasesB), r.B.Cases)
		a.Test = stattest.Proportions(a.CasesA, r.A.Cases, a.CasesB, r.B.Cases)
		a.ShareA, a.ShareB = Share(ratio(a.CasesA, r.A.Cases)), Share(ratio(a.CasesB, r.B.Cases))
		acts = append(acts, a)
	}
	r.Activities = acts
	for i := range r.Activities {
		tests = append(tests, &r.Activities[i].Test)
	}
	stattest.Holm(tests)
	for i := range r.Activities {
		t := &r.Activities[i].Test
		t.Statistic, t.P, t.AdjustedP = math.Round(t.Statistic*100)/100, roundP(t.P), roundP(t.AdjustedP)
		t.Effect = math.Round(t.Effect*100) / 100
	}
	slices.SortStableFunc(r.Activities, func(x, y compare.Activity) int {
		return cmp.Or(cmp.Compare(math.Abs(y.ShareB-y.ShareA), math.Abs(x.ShareB-x.ShareA)), strings.Compare(x.Activity, y.Activity))
	})
	paths := r.Paths[:0]
	for _, p := range r.Paths {
		label := "compare-path\x00" + p.From + "\x00" + p.To
		if !ga.Enough(label, p.CasesA) || !gb.Enough(label, p.CasesB) {
			w.Paths++
			continue
		}
		p.CasesA, p.CasesB = min(ga.Count(label, p.CasesA), r.A.Cases), min(gb.Count(label, p.CasesB), r.B.Cases)
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
// cases of which y has fewer than k, each decided with noise.
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
		if len(out) < limit {
			out = append(out, compare.Variant{Activities: v.Activities, Cases: n})
		}
	}
	slices.SortStableFunc(out, func(a, b compare.Variant) int { return cmp.Compare(b.Cases, a.Cases) })
	return out, total
}

func guardKPIs(g *Guard, k *compare.KPIs) {
	rework := int(math.Round(k.ReworkShare * float64(k.Cases)))
	k.Cases = g.Count("cases", k.Cases)
	k.Events = g.Amount("events", k.Events)
	k.Variants = g.Amount("variants", k.Variants)
	k.EventsPerCase = math.Round(ratio(k.Events, k.Cases)*10) / 10
	k.ReworkShare = Share(ratio(g.Amount("rework-cases", rework), k.Cases))
	k.MeanDuration, k.MedianDuration, k.P90Duration = SecondsPtr(k.MeanDuration), SecondsPtr(k.MedianDuration), SecondsPtr(k.P90Duration)
}

// RootCause makes a root-cause analysis fit for a reader (computed with
// activities only and the guard's k): a factor is shown only when its
// cases, those of them with and without the outcome, and the rest with and
// without it, each hold at least k cases, decided with noise; its counts
// carry noise and its rates, lift, interval and test come from the noisy
// counts; the tree keeps only nodes whose cases with and without the
// outcome pass the same test, with noisy counts; factors are ranked by
// their noisy excess, and at most limit are kept. A view whose cases with,
// or without, the outcome are fewer than k is refused with TooFewError.
func (g *Guard) RootCause(r *rootcause.Result, limit int, w *Withheld) error {
	exactCases, exactOutcome := r.Cases, r.OutcomeCases
	if !g.Enough("rc\x00with", exactOutcome) || !g.Enough("rc\x00without", exactCases-exactOutcome) {
		return &TooFewError{K: g.k}
	}
	// The totals are the tree's root's, under the root's labels.
	r.Cases = g.Count("rc\x00cases", exactCases)
	r.OutcomeCases = min(g.Count("rc\x00with", exactOutcome), r.Cases)
	r.Rate = Share(ratio(r.OutcomeCases, r.Cases))
	kept := r.Factors[:0]
	for _, f := range r.Factors {
		label := "rc-factor\x00" + f.Kind + "\x00" + f.Name + "\x00" + f.Value
		out, rest, restOut := f.Outcome, exactCases-f.Cases, exactOutcome-f.Outcome
		if !g.Enough(label+"\x00cases", f.Cases) || !g.Enough(label+"\x00with", out) || !g.Enough(label+"\x00without", f.Cases-out) ||
			!g.Enough(label+"\x00rest", rest) || !g.Enough(label+"\x00rest-with", restOut) || !g.Enough(label+"\x00rest-without", rest-restOut) {
			w.Rows++
			continue
		}
		f.Cases = min(g.Count(label+"\x00cases", f.Cases), r.Cases)
		f.Outcome = min(g.Count(label+"\x00with", out), f.Cases)
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
	for i := range kept {
		t := &kept[i].Test
		t.Statistic, t.P, t.AdjustedP, t.Effect = math.Round(t.Statistic*100)/100, roundP(t.P), roundP(t.AdjustedP), math.Round(t.Effect*100)/100
	}
	slices.SortStableFunc(kept, func(a, b rootcause.Factor) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Excess), math.Abs(a.Excess)), strings.Compare(a.Label(), b.Label()))
	})
	r.Factors = kept[:min(len(kept), limit)]
	r.Tested = g.Amount("rc-tested", r.Tested)
	r.Withheld = 0
	g.guardNode(r.Tree, "rc", w)
	return nil
}

// guardNode gives a tree node noisy counts and cuts the splits whose
// children a reader may not see.
func (g *Guard) guardNode(n *rootcause.Node, label string, w *Withheld) {
	if n == nil {
		return
	}
	out, cases := n.Outcome, n.Cases
	n.Cases = g.Count(label+"\x00cases", cases)
	n.Outcome = min(g.Count(label+"\x00with", out), n.Cases)
	n.Rate = Share(ratio(n.Outcome, n.Cases))
	if n.Yes == nil {
		return
	}
	for _, c := range []*rootcause.Node{n.Yes, n.No} {
		if !g.Enough(label+"\x00"+n.Split+"\x00child", c.Cases) || !g.Enough(label+"\x00"+n.Split+"\x00with", c.Outcome) ||
			!g.Enough(label+"\x00"+n.Split+"\x00without", c.Cases-c.Outcome) {
			w.Rows++
			n.Split, n.Yes, n.No = "", nil, nil
			return
		}
	}
	g.guardNode(n.Yes, label+"\x00yes:"+n.Split, w)
	g.guardNode(n.No, label+"\x00no:"+n.Split, w)
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

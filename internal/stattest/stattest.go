// Package stattest holds the statistical tests procmine reports beside
// its comparisons: whether two groups of cases differ in a duration or in
// a share, how much, and how sure one can be.
package stattest

import (
	"math"
	"slices"
)

// Test is the outcome of a statistical test of a difference between two
// groups of cases.
type Test struct {
	// Name names the test.
	Name string `json:"test"`
	// Statistic is the test's statistic (U, or z).
	Statistic float64 `json:"statistic"`
	// P is the two-sided p-value; AdjustedP the same after Holm's
	// correction for the number of tests of its kind (see Holm).
	P         float64 `json:"p_value"`
	AdjustedP float64 `json:"adjusted_p_value,omitempty"`
	// Effect is the effect size, named by EffectName.
	Effect     float64 `json:"effect_size"`
	EffectName string  `json:"effect_size_name"`
}

// MannWhitney tests whether values in a tend to be larger or smaller than
// in b: the Mann-Whitney U test, two-sided, with the normal approximation
// corrected for ties and for continuity (scipy.stats.mannwhitneyu's
// method="asymptotic"). The effect size is the rank-biserial correlation,
// from -1 (every a below every b) to 1 (every a above every b).
func MannWhitney(a, b []float64) Test {
	t := Test{Name: "Mann-Whitney U (two-sided, normal approximation with tie and continuity corrections)", EffectName: "rank-biserial correlation", P: 1}
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return t
	}
	type obs struct {
		v     float64
		fromA bool
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(x, y obs) int {
		switch {
		case x.v < y.v:
			return -1
		case x.v > y.v:
			return 1
		}
		return 0
	})
	// Ranks from 1, ties sharing their mean rank.
	var rankA, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if all[k].fromA {
				rankA += rank
			}
		}
		if tn := float64(j - i); tn > 1 {
			ties += tn*tn*tn - tn
		}
		i = j
	}
	n := n1 + n2
	u := rankA - n1*(n1+1)/2
	t.Statistic = u
	t.Effect = 2*u/(n1*n2) - 1
	mean := n1 * n2 / 2
	variance := n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return t // every value equal: no evidence of a difference
	}
	d := u - mean
	// The continuity correction moves U half a step towards the mean.
	d -= math.Copysign(math.Min(0.5, math.Abs(d)), d)
	z := d / math.Sqrt(variance)
	t.P = math.Min(1, math.Erfc(math.Abs(z)/math.Sqrt2))
	return t
}

// Proportions tests whether the share of cases with a property differs
// between two groups (k1 of n1 against k2 of n2): the two-proportion z
// test with the pooled share, the same as Pearson's chi-squared test of
// the 2×2 table without continuity correction. The effect size is
// Cohen's h (2·asin√p1 − 2·asin√p2; 0.2 small, 0.5 medium, 0.8 large).
func Proportions(k1, n1, k2, n2 int) Test {
	t := Test{Name: "two-proportion z test (pooled; Pearson's chi-squared on the 2×2 table)", EffectName: "Cohen's h", P: 1}
	if n1 == 0 || n2 == 0 {
		return t
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	t.Effect = 2*math.Asin(math.Sqrt(p1)) - 2*math.Asin(math.Sqrt(p2))
	pool := float64(k1+k2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return t
	}
	z := (p1 - p2) / se
	t.Statistic = z
	t.P = math.Min(1, math.Erfc(math.Abs(z)/math.Sqrt2))
	return t
}

// Holm sets AdjustedP of the tests by Holm's step-down correction, which
// keeps the chance of any false difference among them at the level asked.
func Holm(tests []*Test) {
	order := make([]int, len(tests))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case tests[x].P < tests[y].P:
			return -1
		case tests[x].P > tests[y].P:
			return 1
		}
		return 0
	})
	m := len(tests)
	running := 0.0
	for rank, i := range order {
		adj := math.Min(1, float64(m-rank)*tests[i].P)
		running = math.Max(running, adj)
		tests[i].AdjustedP = running
	}
}

// Wilson is the Wilson score interval of a share k of n at 95%
// confidence: where the share of the cases it stands for lies.
func Wilson(k, n int) [2]float64 {
	if n == 0 {
		return [2]float64{0, 1}
	}
	const z = 1.959963984540054
	p, fn := float64(k)/float64(n), float64(n)
	centre := (p + z*z/(2*fn)) / (1 + z*z/fn)
	half := z / (1 + z*z/fn) * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return [2]float64{math.Max(0, centre-half), math.Min(1, centre+half)}
}

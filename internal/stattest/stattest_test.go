package stattest

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestMannWhitney against figures worked out by hand: no overlap, and
// ties across the samples.
func TestMannWhitney(t *testing.T) {
	// U = 0; mean 12.5, variance 25·11/12; z = (0 − 12.5 + 0.5)/4.7871.
	m := MannWhitney([]float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10})
	if m.Statistic != 0 || m.Effect != -1 || !near(m.P, 0.012186, 1e-6) {
		t.Errorf("no overlap: %+v", m)
	}
	// Ranks 1, 3, 3 | 3, 5: U = 1; ties of three: variance 6/12·(6 − 24/20) = 2.4;
	// z = (1 − 3 + 0.5)/√2.4 = −0.968246; p = 0.332922.
	m = MannWhitney([]float64{1, 2, 2}, []float64{2, 3})
	if m.Statistic != 1 || !near(m.Effect, -2.0/3, 1e-12) || !near(m.P, 0.332922, 1e-6) {
		t.Errorf("ties: %+v", m)
	}
	if m := MannWhitney([]float64{4, 4}, []float64{4, 4, 4}); m.P != 1 || m.Effect != 0 {
		t.Errorf("all equal: %+v", m)
	}
	// Swapping the samples turns the effect round and keeps p.
	a, b := MannWhitney([]float64{1, 5, 9, 2}, []float64{3, 8, 8, 10, 11}), MannWhitney([]float64{3, 8, 8, 10, 11}, []float64{1, 5, 9, 2})
	if !near(a.Effect, -b.Effect, 1e-12) || !near(a.P, b.P, 1e-12) {
		t.Errorf("swapped: %+v %+v", a, b)
	}
}

// TestProportions: 30 of 100 against 50 of 100; pooled 0.4, standard
// error √(0.4·0.6·0.02) = 0.069282, z = −2.88675 (χ² = 8.333), p =
// 0.0038924; Cohen's h = 2·asin√0.3 − 2·asin√0.5 = −0.411517.
func TestProportions(t *testing.T) {
	p := Proportions(30, 100, 50, 100)
	if !near(p.Statistic, -2.886751, 1e-6) || !near(p.P, 0.0038924, 1e-7) || !near(p.Effect, -0.411517, 1e-6) {
		t.Errorf("%+v", p)
	}
	if p := Proportions(0, 10, 0, 20); p.P != 1 {
		t.Errorf("no cases with it in either: %+v", p)
	}
}

// TestHolm: p-values 0.01, 0.04, 0.03 adjust to 0.03, 0.06, 0.06.
func TestHolm(t *testing.T) {
	tests := []*Test{{P: 0.01}, {P: 0.04}, {P: 0.03}}
	Holm(tests)
	for i, want := range []float64{0.03, 0.06, 0.06} {
		if !near(tests[i].AdjustedP, want, 1e-12) {
			t.Errorf("%d: %v, want %v", i, tests[i].AdjustedP, want)
		}
	}
}

// TestWilson: 8 of 10 at 95%: centre (0.8 + 0.19207)/1.38415 = 0.71672,
// half-width 1.95996/1.38415·√(0.016 + 0.0096037) = 0.22658.
func TestWilson(t *testing.T) {
	w := Wilson(8, 10)
	if !near(w[0], 0.490156, 1e-5) || !near(w[1], 0.943318, 1e-5) {
		t.Errorf("%v", w)
	}
	if w := Wilson(0, 0); w != [2]float64{0, 1} {
		t.Errorf("no cases: %v", w)
	}
}

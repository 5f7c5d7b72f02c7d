package compare

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
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
	holm(tests)
	for i, want := range []float64{0.03, 0.06, 0.06} {
		if !near(tests[i].AdjustedP, want, 1e-12) {
			t.Errorf("%d: %v, want %v", i, tests[i].AdjustedP, want)
		}
	}
}

// build makes a log of cases given as activity letters, an hour apart.
func build(t *testing.T, cases map[string]string) *eventlog.Log {
	t.Helper()
	b := eventlog.NewBuilder()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for id, acts := range cases {
		c, _ := b.Case(id)
		for i, a := range acts {
			b.Event(c, b.Log().Activities.ID(string(a)), base+int64(i)*int64(time.Hour), eventlog.None, eventlog.None)
		}
	}
	return b.Finish()
}

func TestCompare(t *testing.T) {
	a := build(t, map[string]string{"1": "abc", "2": "abc", "3": "abc", "4": "adc", "5": "abbc", "6": "ax"})
	b := build(t, map[string]string{"7": "abc", "8": "adc", "9": "adc", "10": "adc", "11": "aec", "12": "aec", "13": "aec"})
	r, err := Compare(context.Background(), a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.A.Cases != 6 || r.B.Cases != 7 || r.A.Variants != 4 || r.B.Variants != 3 || !near(r.A.ReworkShare, 1.0/6, 1e-12) {
		t.Errorf("KPIs %+v %+v", r.A, r.B)
	}
	if *r.A.MedianDuration != 7200 || r.Duration == nil {
		t.Errorf("median %v, test %v", *r.A.MedianDuration, r.Duration)
	}
	got := map[string]Activity{}
	for _, x := range r.Activities {
		got[x.Activity] = x
	}
	if e := got["e"]; e.CasesA != 0 || e.CasesB != 3 || !near(e.ShareB, 3.0/7, 1e-12) || e.Test.AdjustedP < e.Test.P {
		t.Errorf("e: %+v", e)
	}
	if r.Activities[0].Activity != "b" { // 5/6 against 1/7: the largest change
		t.Errorf("most changed first: %+v", r.Activities[0])
	}
	if len(r.Appeared) != 1 || strings.Join(r.Appeared[0].Activities, "") != "aec" || r.Appeared[0].Cases != 3 || r.AppearedCases != 3 {
		t.Errorf("appeared %+v", r.Appeared)
	}
	if len(r.Vanished) != 2 || r.VanishedCases != 2 {
		t.Errorf("vanished %+v", r.Vanished)
	}
	var dot bytes.Buffer
	if err := WriteDOT(&dot, r); err != nil || !strings.Contains(dot.String(), `"e\n0% → 43%"`) || !strings.Contains(dot.String(), "dashed") {
		t.Errorf("DOT: %v\n%s", err, dot.String())
	}
}

// TestCompareDisclosure: with a threshold of 3, groups of one or two
// cases in either cohort are withheld and counted (activities b, d and
// x; the variants abbc and ax), and a cohort under the threshold is
// refused.
func TestCompareDisclosure(t *testing.T) {
	a := build(t, map[string]string{"1": "abc", "2": "abc", "3": "abc", "4": "adc", "5": "abbc", "6": "ax"})
	b := build(t, map[string]string{"7": "abc", "8": "adc", "9": "adc", "10": "adc", "11": "aec", "12": "aec", "13": "aec"})
	r, err := Compare(context.Background(), a, b, Options{MinCases: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range r.Activities {
		for _, n := range []int{x.CasesA, x.CasesB} {
			if n > 0 && n < 3 {
				t.Errorf("activity %s of %d cases shown", x.Activity, n)
			}
		}
	}
	for _, p := range r.Paths {
		for _, n := range []int{p.CasesA, p.CasesB} {
			if n > 0 && n < 3 {
				t.Errorf("path %s→%s of %d cases shown", p.From, p.To, n)
			}
		}
	}
	if len(r.Vanished) != 0 || r.Withheld == nil || r.Withheld.Activities != 3 || r.Withheld.Variants != 2 {
		t.Errorf("vanished %+v, withheld %+v", r.Vanished, r.Withheld)
	}
	small := build(t, map[string]string{"1": "ab", "2": "ab"})
	var few *ErrTooFew
	if _, err := Compare(context.Background(), small, b, Options{MinCases: 3}); !errors.As(err, &few) || few.Cohort != "A" {
		t.Errorf("a cohort of 2 under a threshold of 3: %v", err)
	}
}

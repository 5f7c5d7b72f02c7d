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

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

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

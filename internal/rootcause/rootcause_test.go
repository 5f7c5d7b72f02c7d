package rootcause

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
)

// sample is 40 cases: the 20 of region north take 10 days, half the rest
// 10 days and half 1 day; every case has a, then b or c (north always b),
// and the north cases are worked on by ann; the 5 south cases with c are
// all short. amount runs 0 to 39 000 (quartiles cut at 9 000, 19 000 and
// 29 000).
func sample(t *testing.T) *eventlog.Log {
	t.Helper()
	b := eventlog.NewBuilder()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	day := int64(24 * time.Hour)
	for i := range 40 {
		c, _ := b.Case(fmt.Sprintf("c%02d", i))
		north := i < 20
		region := "south"
		if north {
			region = "north"
		}
		b.CaseAttr(c, eventlog.Attr{Key: "region", Value: eventlog.StringValue(region)})
		b.CaseAttr(c, eventlog.Attr{Key: "amount", Value: eventlog.IntValue(int64(i) * 1000)})
		long := north || i%2 == 0
		res := b.Log().Resources.ID("bob")
		if north {
			res = b.Log().Resources.ID("ann")
		}
		second := "b"
		if !north && i%4 == 1 {
			second = "c"
		}
		end := base + day
		if long {
			end = base + 10*day
		}
		b.Event(c, b.Log().Activities.ID("a"), base, res, eventlog.None)
		b.Event(c, b.Log().Activities.ID(second), end, res, eventlog.None)
	}
	return b.Finish()
}

func TestAnalyze(t *testing.T) {
	l := sample(t)
	o, err := ParseOutcome("duration>5d")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Analyze(context.Background(), l, o, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 30 of 40 cases are long: 20 north, 10 of the 20 south.
	if r.Cases != 40 || r.OutcomeCases != 30 || r.Rate != 0.75 || r.Outcome != "case longer than 5d" {
		t.Fatalf("%+v", r)
	}
	top := r.Factors[0]
	// north (and ann, the same cases): 20 of 20 long against 10 of 20;
	// lift 1/0.75, excess 20 − 20·0.75 = 5.
	if top.Cases != 20 || top.Outcome != 20 || top.Rate != 1 || top.RateWithout != 0.5 || math.Abs(top.Lift-4.0/3) > 1e-12 || top.Excess != 5 {
		t.Errorf("top factor %+v", top)
	}
	labels := map[string]Factor{}
	for _, f := range r.Factors {
		labels[f.Label()] = f
	}
	for _, want := range []string{"region = north", "worked on by ann", "has c", "amount = under 9000"} {
		if _, ok := labels[want]; !ok {
			t.Errorf("no factor %q in %v", want, keys(labels))
		}
	}
	if _, ok := labels["has a"]; ok {
		t.Error("a, which every case has, is a factor")
	}
	if f := labels["region = north"]; f.Test.P > 0.001 || f.Test.AdjustedP < f.Test.P || f.Interval[0] > 0.9 || f.Interval[1] != 1 {
		t.Errorf("north's test and interval: %+v", f)
	}
	// The best first split is b, not north: b's 35 cases hold all 30
	// long ones and c's 5 none (Gini 0.214 against north's 0.25); then
	// north splits b's cases into 20 of 20 and 10 of 15.
	tr := r.Tree
	if tr == nil || tr.Split != "has b" || tr.Yes.Cases != 35 || tr.Yes.Outcome != 30 || tr.No.Outcome != 0 || tr.No.Split != "" ||
		(tr.Yes.Split != "region = north" && tr.Yes.Split != "worked on by ann") || tr.Yes.Yes.Rate != 1 || tr.Yes.No.Cases != 15 {
		t.Errorf("tree %+v %+v %+v", tr, tr.Yes, tr.No)
	}
}

func keys(m map[string]Factor) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAnalyzeDisclosure: under a threshold of 6, c (5 cases) and every
// factor whose counts, or its rest's, fall from 1 to 5 are withheld, as
// are tree splits that would make such a group.
func TestAnalyzeDisclosure(t *testing.T) {
	l := sample(t)
	o, _ := ParseOutcome("duration>5d")
	r, err := Analyze(context.Background(), l, o, Options{MinCases: 6})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(n int) bool { return n == 0 || n >= 6 }
	for _, f := range r.Factors {
		if !ok(f.Cases) || !ok(f.Outcome) || !ok(f.Cases-f.Outcome) || !ok(40-f.Cases) || !ok(30-f.Outcome) || f.Label() == "has c" {
			t.Errorf("shown: %+v", f)
		}
	}
	if r.Withheld == 0 {
		t.Error("nothing withheld")
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		if !ok(n.Cases) || !ok(n.Outcome) || !ok(n.Cases-n.Outcome) {
			t.Errorf("tree node %+v", n)
		}
		if n.Yes != nil {
			walk(n.Yes)
			walk(n.No)
		}
	}
	walk(r.Tree)
	if _, err := Analyze(context.Background(), l, o, Options{MinCases: 11}); err == nil || !strings.Contains(err.Error(), "disclosure threshold") {
		t.Errorf("10 short cases under a threshold of 11: %v", err)
	}
}

func TestOutcomes(t *testing.T) {
	l := sample(t)
	o, _ := ParseOutcome("activity=c")
	r, err := Analyze(context.Background(), l, o, Options{})
	if err != nil || r.OutcomeCases != 5 {
		t.Fatalf("%v %+v", err, r)
	}
	for _, f := range r.Factors {
		if f.Label() == "has c" {
			t.Error("the outcome's own activity is a factor")
		}
	}
	o, _ = ParseOutcome("rework")
	if r, err := Analyze(context.Background(), l, o, Options{}); err != nil || r.OutcomeCases != 0 {
		t.Errorf("rework: %v %+v", err, r)
	}
	for _, bad := range []string{"", "slow", "duration>", "duration>-1d", "duration>soon", "activity="} {
		if _, err := ParseOutcome(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	o, _ = ParseOutcome("activity=z")
	if _, err := Analyze(context.Background(), l, o, Options{}); err == nil || !strings.Contains(err.Error(), `no activity is called "z"`) {
		t.Errorf("an unknown activity: %v", err)
	}
	if o, err := ParseOutcome("duration>1d12h"); err != nil || o.Threshold != 36*time.Hour {
		t.Errorf("1d12h: %v %v", o, err)
	}
}

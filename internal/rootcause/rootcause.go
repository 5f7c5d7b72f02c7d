// Package rootcause ranks what goes with an outcome of cases: for a
// chosen outcome (a case longer than a threshold, an activity present,
// rework), the case attribute values, activities and resources whose cases
// have it more (or less) often than the rest, with how many cases they
// cover, their lift, the difference in rates and a test of it, and a
// shallow decision tree that splits the cases by them.
//
// Under disclosure control (Options.MinCases above 1) every count it
// reports describes no case or at least that many: a factor, or a split of
// the tree, whose cases, or whose cases with or without the outcome, or
// the rest of whose, number from 1 to MinCases−1 is withheld, and
// attribute values are only ever shown as factors of that many cases.
package rootcause

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/stattest"
)

// ErrNoActivity is an outcome naming an activity the log does not have.
var ErrNoActivity = errors.New("unknown activity")

// TooFewError is a view whose cases, or cases with or without the
// outcome, number from 1 to K-1.
type TooFewError struct{ Cases, Outcome, K int }

func (e *TooFewError) Error() string {
	return fmt.Sprintf("the view has %d cases, %d of them with the outcome: each must be none or at least %d (the disclosure threshold)", e.Cases, e.Outcome, e.K)
}

// Outcome is what a case may have.
type Outcome struct {
	// Kind is "duration" (longer than Threshold), "activity" (Activity
	// occurs) or "rework" (an activity occurs twice or more).
	Kind      string
	Threshold time.Duration
	Activity  string
	// Text is the outcome as written, for messages.
	Text string
	in   string // " in working time", when measured so
}

// ParseOutcome reads an outcome as people write it: duration>DURATION
// (90m, 36h, 7d), activity=NAME, or rework.
func ParseOutcome(s string) (Outcome, error) {
	switch {
	case s == "rework":
		return Outcome{Kind: "rework", Text: s}, nil
	case strings.HasPrefix(s, "activity="):
		if name := strings.TrimPrefix(s, "activity="); name != "" {
			return Outcome{Kind: "activity", Activity: name, Text: s}, nil
		}
	case strings.HasPrefix(s, "duration>"):
		d, err := filterspec.ParseDuration(strings.TrimPrefix(s, "duration>"))
		if err == nil && d > 0 {
			return Outcome{Kind: "duration", Threshold: d, Text: s}, nil
		}
		return Outcome{}, fmt.Errorf("outcome %q: the threshold is not a positive duration (use e.g. 90m, 36h, 7d)", s)
	}
	return Outcome{}, fmt.Errorf("outcome %q: duration>DURATION (e.g. duration>7d), activity=NAME or rework", s)
}

func (o Outcome) String() string {
	switch o.Kind {
	case "duration":
		text := strings.TrimPrefix(o.Text, "duration>")
		if text == "" {
			text = o.Threshold.String()
		}
		return "case longer than " + text + o.in
	case "activity":
		return "case has " + o.Activity
	}
	return "case repeats an activity (rework)"
}

// Options adjust an analysis.
type Options struct {
	// MinCases, above 1, is the disclosure threshold (see the package
	// comment).
	MinCases int
	// Depth is the decision tree's depth (0: 3, at most 5).
	Depth int
	// Factors bounds the ranked factors returned (0: 20).
	Factors int
	// ActivitiesOnly leaves resources and case attribute values out of
	// the factors: what a report reader may see.
	ActivitiesOnly bool
	// Clock, when set, measures a duration outcome in working time.
	Clock *calendar.Clock
}

// Factor is one thing a case may have, and how its cases fare.
type Factor struct {
	// Kind is "case attribute", "activity" or "resource"; Name the
	// attribute (or activity, or resource), Value the attribute's value
	// or range.
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	// Cases counts the cases with the factor, Outcome those of them with
	// the outcome; Rate and RateWithout are the outcome's share with and
	// without the factor.
	Cases       int     `json:"cases"`
	Outcome     int     `json:"outcome_cases"`
	Rate        float64 `json:"rate"`
	RateWithout float64 `json:"rate_without"`
	// Lift is Rate over the share among all cases; Interval the 95%
	// Wilson interval of Rate; Test compares Rate with RateWithout (p
	// adjusted by Holm over every factor tested).
	Lift     float64       `json:"lift"`
	Interval [2]float64    `json:"rate_interval_95"`
	Test     stattest.Test `json:"test"`
	// Excess is how many more cases with the outcome the factor's cases
	// have than the share among all cases would give; the ranking's key.
	Excess float64 `json:"excess_outcome_cases"`

	cases []int32 // the cases with the factor, ascending
}

// Label is the factor as a reader would say it.
func (f *Factor) Label() string {
	switch f.Kind {
	case "activity":
		return "has " + f.Name
	case "resource":
		return "worked on by " + f.Name
	}
	return f.Name + " = " + f.Value
}

// Node is a node of the decision tree: its cases and their outcome share,
// and, unless it is a leaf, the factor it splits on and the cases with it
// (Yes) and without (No).
type Node struct {
	Cases   int     `json:"cases"`
	Outcome int     `json:"outcome_cases"`
	Rate    float64 `json:"rate"`
	Split   string  `json:"split,omitempty"`
	Yes     *Node   `json:"yes,omitempty"`
	No      *Node   `json:"no,omitempty"`
}

// Result is an analysis.
type Result struct {
	Outcome      string   `json:"outcome"`
	Cases        int      `json:"cases"`
	OutcomeCases int      `json:"outcome_cases"`
	Rate         float64  `json:"rate"`
	Factors      []Factor `json:"factors"`
	// Tested counts the factors tested; Withheld those left out by
	// disclosure control.
	Tested   int   `json:"factors_tested"`
	Withheld int   `json:"factors_withheld,omitempty"`
	Tree     *Node `json:"tree"`

	outcome []bool
}

// Outcomes says for each case of the log analysed whether it has the
// outcome.
func (r *Result) Outcomes() []bool { return r.outcome }

// Limits on what one analysis looks at.
const (
	// MaxValues is the most distinct values a text attribute may have to
	// be a factor: more are identifiers, which single out cases.
	MaxValues = 50
	// MaxFactors bounds the factors tested.
	MaxFactors = 2000
)

// Analyze finds what goes with the outcome in the log's cases.
func Analyze(ctx context.Context, l *eventlog.Log, o Outcome, opt Options) (*Result, error) {
	k := max(opt.MinCases, 1)
	if opt.Depth <= 0 {
		opt.Depth = 3
	}
	opt.Depth = min(opt.Depth, 5)
	if opt.Factors <= 0 {
		opt.Factors = 20
	}
	n := l.NumCases()
	if opt.Clock != nil {
		o.in = " in working time"
	}
	y, err := outcomes(l, o, opt.Clock)
	if err != nil {
		return nil, err
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	res := &Result{Outcome: o.String(), Cases: n, OutcomeCases: pos, outcome: y}
	if !countable(n, k) || !countable(pos, k) || !countable(n-pos, k) {
		return nil, &TooFewError{Cases: n, Outcome: pos, K: k}
	}
	if n == 0 {
		return res, nil
	}
	res.Rate = float64(pos) / float64(n)
	factors := candidates(l, o, opt.ActivitiesOnly)
	if len(factors) > MaxFactors {
		factors = factors[:MaxFactors]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var kept []Factor
	for _, f := range factors {
		f.Cases, f.Outcome = len(f.cases), 0
		for _, c := range f.cases {
			if y[c] {
				f.Outcome++
			}
		}
		rest, restOut := n-f.Cases, pos-f.Outcome
		if f.Cases == 0 || rest == 0 {
			continue // says nothing: every case or none
		}
		res.Tested++
		if !countable(f.Cases, k) || !countable(f.Outcome, k) || !countable(f.Cases-f.Outcome, k) ||
			!countable(rest, k) || !countable(restOut, k) || !countable(rest-restOut, k) {
			res.Withheld++
			continue
		}
		f.Rate = float64(f.Outcome) / float64(f.Cases)
		f.RateWithout = float64(restOut) / float64(rest)
		f.Lift = f.Rate / res.Rate
		if res.Rate == 0 {
			f.Lift = 1
		}
		f.Interval = stattest.Wilson(f.Outcome, f.Cases)
		f.Test = stattest.Proportions(f.Outcome, f.Cases, restOut, rest)
		f.Excess = float64(f.Outcome) - float64(f.Cases)*res.Rate
		kept = append(kept, f)
	}
	tests := make([]*stattest.Test, len(kept))
	for i := range kept {
		tests[i] = &kept[i].Test
	}
	stattest.Holm(tests)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Tree = grow(kept, y, allCases(n), make([]bool, n), opt.Depth, k)
	slices.SortFunc(kept, func(a, b Factor) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Excess), math.Abs(a.Excess)), strings.Compare(a.Label(), b.Label()))
	})
	res.Factors = kept[:min(len(kept), opt.Factors)]
	return res, nil
}

// countable tells whether a count may be shown under the threshold k.
func countable(n, k int) bool { return n == 0 || n >= k }

func allCases(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// grow builds the decision tree over the cases by the factor whose split
// lowers the Gini impurity most, down to depth, never making a node whose
// counts the threshold withholds.
// in is scratch space, one flag per case of the log.
func grow(factors []Factor, y []bool, cases []int32, in []bool, depth, k int) *Node {
	node := &Node{Cases: len(cases)}
	for _, c := range cases {
		if y[c] {
			node.Outcome++
		}
	}
	if node.Cases > 0 {
		node.Rate = float64(node.Outcome) / float64(node.Cases)
	}
	if depth == 0 || node.Outcome == 0 || node.Outcome == node.Cases {
		return node
	}
	minLeaf := max(k, node.Cases/100, 2)
	best, bestGain := -1, 1e-9
	parent := gini(node.Outcome, node.Cases)
	for _, c := range cases {
		in[c] = true
	}
	for i := range factors {
		yes, yesOut := 0, 0
		for _, c := range factors[i].cases {
			if in[c] {
				yes++
				if y[c] {
					yesOut++
				}
			}
		}
		no, noOut := node.Cases-yes, node.Outcome-yesOut
		if yes < minLeaf || no < minLeaf {
			continue
		}
		if !countable(yesOut, k) || !countable(yes-yesOut, k) || !countable(noOut, k) || !countable(no-noOut, k) {
			continue
		}
		split := (float64(yes)*gini(yesOut, yes) + float64(no)*gini(noOut, no)) / float64(node.Cases)
		if gain := parent - split; gain > bestGain {
			best, bestGain = i, gain
		}
	}
	for _, c := range cases {
		in[c] = false
	}
	if best < 0 {
		return node
	}
	var yes, no []int32
	for _, c := range cases {
		if _, found := slices.BinarySearch(factors[best].cases, c); found {
			yes = append(yes, c)
		} else {
			no = append(no, c)
		}
	}
	node.Split = factors[best].Label()
	node.Yes = grow(factors, y, yes, in, depth-1, k)
	node.No = grow(factors, y, no, in, depth-1, k)
	return node
}

func gini(pos, n int) float64 {
	if n == 0 {
		return 0
	}
	p := float64(pos) / float64(n)
	return 2 * p * (1 - p)
}

// outcomes says for each case whether it has the outcome.
func outcomes(l *eventlog.Log, o Outcome, k *calendar.Clock) ([]bool, error) {
	y := make([]bool, l.NumCases())
	switch o.Kind {
	case "duration":
		if !l.Timed {
			return nil, fmt.Errorf("the log has no timestamps: a case's duration is unknown")
		}
		var ds []int64
		if k != nil {
			ds = mining.WorkingCaseDurations(l, k)
		} else {
			ds = mining.CaseDurations(l)
		}
		for c := range y {
			y[c] = ds[c] > int64(o.Threshold)
		}
	case "activity":
		id, ok := l.Activities.Lookup(o.Activity)
		if !ok {
			return nil, fmt.Errorf("%w: no activity is called %q", ErrNoActivity, o.Activity)
		}
		for c := range y {
			lo, hi := l.Events(c)
			y[c] = slices.Contains(l.Act[lo:hi], id)
		}
	case "rework":
		seen := map[int32]int{}
		for c := range y {
			clear(seen)
			lo, hi := l.Events(c)
			for _, a := range l.Act[lo:hi] {
				seen[a]++
				if seen[a] == 2 {
					y[c] = true
				}
			}
		}
	default:
		return nil, fmt.Errorf("unknown outcome %q", o.Kind)
	}
	return y, nil
}

// candidates lists the factors: each activity and resource, and each
// value (or quartile range) of each case attribute fit to be one.
func candidates(l *eventlog.Log, o Outcome, activitiesOnly bool) []Factor {
	n := l.NumCases()
	var out []Factor
	acts := map[int32][]int32{}
	res := map[int32][]int32{}
	// add puts case c in a factor's list once (cases come in order).
	add := func(m map[int32][]int32, id int32, c int32) {
		if l := m[id]; len(l) == 0 || l[len(l)-1] != c {
			m[id] = append(l, c)
		}
	}
	for c := range n {
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			add(acts, l.Act[e], int32(c))
			if l.Res != nil && l.Res[e] != eventlog.None {
				add(res, l.Res[e], int32(c))
			}
		}
	}
	for a, cs := range acts {
		name := l.Activities.Name(a)
		if o.Kind == "activity" && name == o.Activity {
			continue // the outcome itself
		}
		out = append(out, Factor{Kind: "activity", Name: name, cases: cs})
	}
	if !activitiesOnly {
		for r, cs := range res {
			out = append(out, Factor{Kind: "resource", Name: l.Resources.Name(r), cases: cs})
		}
		out = append(out, attributeFactors(l)...)
	}
	slices.SortFunc(out, func(a, b Factor) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
	})
	return out
}

// attributeFactors makes factors of the case attributes: each value of a
// text or boolean attribute of at most MaxValues values; the quartiles of
// a numeric one (text attributes whose values all read as numbers too),
// their bounds rounded to two significant digits so that no case's own
// value shows.
func attributeFactors(l *eventlog.Log) []Factor {
	n := l.NumCases()
	type column struct {
		text    map[string][]int32
		nums    []float64
		numeric bool
		has     []bool
	}
	cols := map[string]*column{}
	for c := range n {
		for _, a := range l.CaseAttrs.Of(int32(c)) {
			if a.Key == "concept:name" {
				continue
			}
			col := cols[a.Key]
			if col == nil {
				col = &column{text: map[string][]int32{}, nums: make([]float64, n), numeric: true, has: make([]bool, n)}
				cols[a.Key] = col
			}
			v := a.Value
			var text string
			num, isNum := 0.0, false
			switch v.Kind {
			case eventlog.KindString, eventlog.KindID:
				text = v.Str
				if f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
					num, isNum = f, true
				}
			case eventlog.KindInt:
				num, isNum, text = float64(v.Num), true, strconv.FormatInt(v.Num, 10)
			case eventlog.KindFloat:
				f := math.Float64frombits(uint64(v.Num))
				num, isNum = f, !math.IsNaN(f) && !math.IsInf(f, 0)
				text = strconv.FormatFloat(f, 'g', -1, 64)
			case eventlog.KindBool:
				text = strconv.FormatBool(v.Num != 0)
			default:
				col.numeric = false
				continue // dates, lists: not factors
			}
			col.has[c] = true
			if !isNum {
				col.numeric = false
			}
			col.nums[c] = num
			if len(col.text) <= MaxValues {
				if l := col.text[text]; len(l) == 0 || l[len(l)-1] != int32(c) {
					col.text[text] = append(l, int32(c))
				}
			}
		}
	}
	var out []Factor
	for key, col := range cols {
		switch {
		case col.numeric:
			out = append(out, quartiles(key, col.nums, col.has)...)
		case len(col.text) <= MaxValues:
			for v, cs := range col.text {
				out = append(out, Factor{Kind: "case attribute", Name: key, Value: v, cases: cs})
			}
		}
	}
	return out
}

// quartiles splits a numeric attribute at its quartiles, rounded.
func quartiles(key string, nums []float64, has []bool) []Factor {
	var vals []float64
	for c, ok := range has {
		if ok {
			vals = append(vals, nums[c])
		}
	}
	if len(vals) < 4 {
		return nil
	}
	slices.Sort(vals)
	var cuts []float64
	for _, q := range []float64{0.25, 0.5, 0.75} {
		cut := round2(vals[int(q*float64(len(vals)-1))])
		if len(cuts) == 0 || cut > cuts[len(cuts)-1] {
			cuts = append(cuts, cut)
		}
	}
	var out []Factor
	for i := 0; i <= len(cuts); i++ {
		lo, hi := math.Inf(-1), math.Inf(1)
		if i > 0 {
			lo = cuts[i-1]
		}
		if i < len(cuts) {
			hi = cuts[i]
		}
		var cs []int32
		for c, ok := range has {
			if ok && nums[c] >= lo && nums[c] < hi {
				cs = append(cs, int32(c))
			}
		}
		var label string
		switch {
		case i == 0:
			label = "under " + fmtNum(hi)
		case i == len(cuts):
			label = fmtNum(lo) + " or more"
		default:
			label = fmtNum(lo) + " to under " + fmtNum(hi)
		}
		out = append(out, Factor{Kind: "case attribute", Name: key, Value: label, cases: cs})
	}
	return out
}

// round2 rounds to two significant digits.
func round2(x float64) float64 {
	if x == 0 {
		return 0
	}
	e := math.Pow(10, math.Floor(math.Log10(math.Abs(x)))-1)
	return math.Round(x/e) * e
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

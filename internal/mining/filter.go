package mining

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
)

// A Filter narrows a log. Filters never modify their input; apply several
// by feeding one's result to the next.
type Filter interface {
	Apply(l *eventlog.Log) *eventlog.Log
}

// Apply runs the filters in order.
func Apply(l *eventlog.Log, filters ...Filter) *eventlog.Log {
	l, _ = ApplyContext(context.Background(), l, filters...)
	return l
}

// ApplyContext runs the filters in order, and stops with ctx.Err() as
// soon as ctx ends: it looks before every filter, each of which is one
// pass over the cases (TopVariants two), so a request given up costs at
// most the filter under way.
func ApplyContext(ctx context.Context, l *eventlog.Log, filters ...Filter) (*eventlog.Log, error) {
	for _, f := range filters {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l = f.Apply(l)
	}
	return l, ctx.Err()
}

// selectCases keeps the cases for which keep is true.
func selectCases(l *eventlog.Log, keep func(c int) bool) *eventlog.Log {
	var cases []int32
	for c := range l.CaseIDs {
		if keep(c) {
			cases = append(cases, int32(c))
		}
	}
	if len(cases) == l.NumCases() {
		return l
	}
	return l.SelectCases(cases)
}

// TimeMode says how a case must relate to a time frame to be kept.
type TimeMode int

// The time frame modes.
const (
	Contained    TimeMode = iota // the whole case lies inside the frame
	Intersecting                 // some of the case lies inside the frame
	Started                      // the case starts inside the frame
	Completed                    // the case ends inside the frame
	TrimEvents                   // keep only the events inside the frame
)

// TimeFrame keeps cases by their relation to [From, To] (Unix nanoseconds;
// inclusive). Untimed logs are returned unchanged.
type TimeFrame struct {
	From, To int64
	Mode     TimeMode
}

// Apply implements Filter.
func (f TimeFrame) Apply(l *eventlog.Log) *eventlog.Log {
	if !l.Timed {
		return l
	}
	in := func(t int64) bool { return t >= f.From && t <= f.To }
	if f.Mode == TrimEvents {
		return l.SelectEvents(func(e int) bool { return l.Start[e] >= f.From && l.End[e] <= f.To })
	}
	return selectCases(l, func(c int) bool {
		lo, hi := l.Events(c)
		first, last := l.Start[lo], l.End[lo]
		for e := lo; e < hi; e++ {
			first, last = min(first, l.Start[e]), max(last, l.End[e])
		}
		switch f.Mode {
		case Contained:
			return in(first) && in(last)
		case Intersecting:
			return first <= f.To && last >= f.From
		case Started:
			return in(first)
		default:
			return in(last)
		}
	})
}

// Attribute keeps or removes cases (or events) by an attribute's value.
// The key may be a standard one: concept:name (activity), org:resource,
// lifecycle:transition, or case:concept:name (case id).
type Attribute struct {
	Key    string
	Values []string
	// CaseLevel reads a case attribute (also when Key has a "case:" prefix);
	// otherwise an event attribute, and a case matches when any of its
	// events does.
	CaseLevel bool
	// Exclude removes the matches instead of keeping them.
	Exclude bool
	// Events keeps (or removes) matching events rather than whole cases.
	Events bool
}

// Apply implements Filter.
func (f Attribute) Apply(l *eventlog.Log) *eventlog.Log {
	key, caseLevel := f.Key, f.CaseLevel
	if k, ok := strings.CutPrefix(key, "case:"); ok {
		key, caseLevel = k, true
	}
	want := map[string]bool{}
	for _, v := range f.Values {
		want[v] = true
	}
	if caseLevel {
		return selectCases(l, func(c int) bool {
			var v string
			if key == "concept:name" {
				v = l.CaseIDs[c]
			} else if val, ok := l.CaseAttrs.Get(int32(c), key); ok {
				v = val.String()
			} else {
				return f.Exclude
			}
			return want[v] != f.Exclude
		})
	}
	match := eventMatcher(l, key, want)
	if f.Events {
		return l.SelectEvents(func(e int) bool { return match(e) != f.Exclude })
	}
	return selectCases(l, func(c int) bool {
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			if match(e) {
				return !f.Exclude
			}
		}
		return f.Exclude
	})
}

// eventMatcher returns a test for "event e's attribute key is in want",
// resolving standard keys to the log's columns through their dictionaries.
func eventMatcher(l *eventlog.Log, key string, want map[string]bool) func(e int) bool {
	idSet := func(d *eventlog.Dict) []bool {
		set := make([]bool, d.Len())
		for v := range want {
			if id, ok := d.Lookup(v); ok {
				set[id] = true
			}
		}
		return set
	}
	switch key {
	case "concept:name":
		set := idSet(l.Activities)
		return func(e int) bool { return set[l.Act[e]] }
	case "org:resource":
		set := idSet(l.Resources)
		return func(e int) bool { return l.Res[e] != eventlog.None && set[l.Res[e]] }
	case "lifecycle:transition":
		set := idSet(l.Lifecycles)
		return func(e int) bool { return l.Life != nil && l.Life[e] != eventlog.None && set[l.Life[e]] }
	}
	return func(e int) bool {
		v, ok := l.EventAttrs.Get(int32(e), key)
		return ok && want[v.String()]
	}
}

// TopVariants keeps the cases of the K most frequent variants; with
// MinCases, only of those among them that at least MinCases cases share.
type TopVariants struct{ K, MinCases int }

// Apply implements Filter.
func (f TopVariants) Apply(l *eventlog.Log) *eventlog.Log {
	vs := Variants(l)
	if f.K >= len(vs) && f.MinCases <= 1 {
		return l
	}
	var cases []int32
	for _, v := range vs[:min(max(f.K, 0), len(vs))] {
		if v.Cases < f.MinCases {
			break // variants come most frequent first
		}
		cases = append(cases, v.CaseIndexes...)
	}
	slices.Sort(cases)
	return l.SelectCases(cases)
}

// DurationRange keeps cases whose duration lies in [Min, Max] nanoseconds,
// in working time by Clock when it is set (made for the log's span, see
// WorkingClock). Untimed logs are returned unchanged.
type DurationRange struct {
	Min, Max int64
	Clock    *calendar.Clock
}

// NoMaxDuration is a Max that bounds nothing.
const NoMaxDuration = int64(^uint64(0) >> 1)

// GoString writes the filter without its clock's address, so that the
// same question is written alike each time it is asked (disclosure
// control keys its noise by the filters written so).
func (f DurationRange) GoString() string {
	return fmt.Sprintf("mining.DurationRange{Min:%d, Max:%d, Working:%t}", f.Min, f.Max, f.Clock != nil)
}

// Apply implements Filter.
func (f DurationRange) Apply(l *eventlog.Log) *eventlog.Log {
	if !l.Timed {
		return l
	}
	return selectCases(l, func(c int) bool {
		d := l.CaseDuration(c)
		if f.Clock != nil {
			d = workingCaseDuration(l, c, f.Clock)
		}
		return d >= f.Min && d <= f.Max
	})
}

// Endpoints keeps cases that start with one of Start and end with one of
// End; an empty list allows any activity.
type Endpoints struct{ Start, End []string }

// Apply implements Filter.
func (f Endpoints) Apply(l *eventlog.Log) *eventlog.Log {
	starts, ends := nameSet(l, f.Start), nameSet(l, f.End)
	return selectCases(l, func(c int) bool {
		lo, hi := l.Events(c)
		return (starts == nil || starts[l.Act[lo]]) && (ends == nil || ends[l.Act[hi-1]])
	})
}

func nameSet(l *eventlog.Log, names []string) []bool {
	if len(names) == 0 {
		return nil
	}
	set := make([]bool, l.Activities.Len())
	for _, n := range names {
		if id, ok := l.Activities.Lookup(n); ok {
			set[id] = true
		}
	}
	return set
}

// Follows keeps cases in which A is followed by B: directly (the next
// event) or eventually (any later event). Exclude removes them instead.
type Follows struct {
	A, B     string
	Directly bool
	Exclude  bool
}

// Apply implements Filter.
func (f Follows) Apply(l *eventlog.Log) *eventlog.Log {
	a, okA := l.Activities.Lookup(f.A)
	b, okB := l.Activities.Lookup(f.B)
	return selectCases(l, func(c int) bool {
		if !okA || !okB {
			return f.Exclude
		}
		lo, hi := l.Events(c)
		found, seenA := false, false
		for e := lo; e < hi && !found; e++ {
			if f.Directly {
				found = e > lo && l.Act[e-1] == a && l.Act[e] == b
				continue
			}
			if seenA && l.Act[e] == b {
				found = true
			}
			seenA = seenA || l.Act[e] == a
		}
		return found != f.Exclude
	})
}

// VariantSet keeps the cases whose activity sequence is one of Seqs (the
// activities' names, in order); Exclude removes them instead. A sequence
// naming an activity the log lacks matches no case.
type VariantSet struct {
	Seqs    [][]string
	Exclude bool
}

// Apply implements Filter. Each case costs one map lookup, however many
// sequences the set holds.
func (f VariantSet) Apply(l *eventlog.Log) *eventlog.Log {
	want := map[string]bool{}
	for _, names := range f.Seqs {
		seq := make([]int32, len(names))
		ok := true
		for i, n := range names {
			id, found := l.Activities.Lookup(n)
			if !found {
				ok = false
				break
			}
			seq[i] = int32(id)
		}
		if ok {
			want[seqKey(seq)] = true
		}
	}
	return selectCases(l, func(c int) bool {
		lo, hi := l.Events(c)
		return want[seqKey(l.Act[lo:hi])] != f.Exclude
	})
}

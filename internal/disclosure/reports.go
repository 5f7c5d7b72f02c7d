package disclosure

import (
	"cmp"
	"slices"
	"sort"
	"strconv"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/ocel"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/taskmining"
)

// Variants returns the variants of at least k cases, as a reader receives
// them (counts with noise, shares from those counts, mean durations
// rounded), and what was left out. The variants are copies; vs is not
// changed.
func (g *Guard) Variants(vs []*mining.Variant, w *Withheld) []*mining.Variant {
	out := []*mining.Variant{}
	withheldCases := 0
	total := 0
	for _, v := range vs {
		total += v.Cases
	}
	for _, v := range vs {
		if !g.Enough(variantLabel(v), v.Cases) || g.people != nil && !g.Enough("people\x00"+variantLabel(v), g.people.variant(v.CaseIndexes)) {
			w.Variants++
			withheldCases += v.Cases
			continue
		}
		c := &mining.Variant{Activities: v.Activities, Cases: g.Count(variantLabel(v), v.Cases), CaseIndexes: v.CaseIndexes}
		c.Share = Share(float64(c.Cases) / float64(max(1, g.Count("cases", total))))
		c.MeanDuration = SecondsPtr(v.MeanDuration)
		out = append(out, c)
	}
	if withheldCases > 0 {
		w.Cases = withheldCases
	}
	// The noise may reorder near-equal variants; the list stays sorted as
	// shown.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Cases > out[j].Cases })
	return out
}

func variantLabel(v *mining.Variant) string {
	s := "variant-cases"
	for _, a := range v.Activities {
		s += "\x00" + a
	}
	return s
}

// Map keeps the activities and paths of at least k cases, with noise on
// their counts, rounded mean and median durations and no minimum, maximum,
// total or most-per-case (each of which is one case's figure, or gives
// one away by difference). It changes m.
func (g *Guard) Map(m *processmap.Map, w *Withheld) {
	nodes := m.Nodes[:0]
	shown := map[string]bool{}
	for _, n := range m.Nodes {
		if !g.Enough("activity\x00"+n.Activity, n.Cases) || g.people != nil && !g.Enough("people-activity\x00"+n.Activity, g.people.activities[n.Activity]) {
			w.Activities++
			continue
		}
		shown[n.Activity] = true
		n.Count, n.Cases = g.Amount("activity-events\x00"+n.Activity, n.Count), g.Count("activity-cases\x00"+n.Activity, n.Cases)
		nodes = append(nodes, n)
	}
	m.Nodes = nodes
	edges := m.Edges[:0]
	for _, e := range m.Edges {
		label := e.Source + "\x00" + e.Target
		if !g.Enough("path\x00"+label, e.Cases) || !shown[e.Source] || !shown[e.Target] || g.people != nil && !g.Enough("people-path\x00"+label, g.people.paths[[2]string{e.Source, e.Target}]) {
			w.Paths++
			continue
		}
		// Dominance: when one case makes half a path's transitions or
		// more, their number and their durations are that case's.
		dominated := 2*e.MaxCase >= e.Count && e.Count > e.Cases
		few := !g.AtLeast("path-median\x00"+label, e.Cases, 2*g.k)
		e.Count, e.Cases, e.MaxCase = g.Amount("path-events\x00"+label, e.Count), g.Count("path-cases\x00"+label, e.Cases), 0
		e.Mean, e.Median = SecondsPtr(e.Mean), SecondsPtr(e.Median)
		if dominated {
			e.Count, e.Mean = e.Cases, nil
		}
		if dominated || few {
			e.Median = nil // a median of few is one case's figure
		}
		e.Min, e.Max, e.Total = nil, nil, nil
		edges = append(edges, e)
	}
	m.Edges = edges
	// Sorted by the figures shown: an order by the exact ones would
	// compare them exactly.
	slices.SortFunc(m.Nodes, func(a, b processmap.Node) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Activity, b.Activity))
	})
	slices.SortFunc(m.Edges, func(a, b processmap.Edge) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
	for kind, ends := range map[string]map[string]int{"start": m.Start, "end": m.End} {
		for a, n := range ends {
			group := n
			if g.people != nil {
				group = min(n, map[string]map[string]int{"start": g.people.starts, "end": g.people.ends}[kind][a])
			}
			if !g.Enough(kind+"-cases\x00"+a, group) || !shown[a] {
				delete(ends, a)
				w.Paths++
				continue
			}
			ends[a] = g.Count(kind+"-cases\x00"+a, n)
		}
	}
}

// Figures names what a count by name counts, for its noise: a figure
// shown in two places (a map's activity and the statistics' activity
// count) gets the same noise in both, so that asking twice gains nothing,
// and two different figures get different noise, so that subtracting one
// from the other does not cancel it.
type Figures string

// The figures counted by name.
const (
	ActivityEvents Figures = "activity-events" // events of each activity
	StartCases     Figures = "start-cases"     // cases starting with each activity
	EndCases       Figures = "end-cases"       // cases ending with each activity
)

// Counts keeps the entries of a count by name whose groups hold at least
// k cases: cases[name] is the number of cases behind counts[name]. It
// changes counts, and returns how many it left out.
func (g *Guard) Counts(kind Figures, counts, cases map[string]int) int {
	left := 0
	for name, n := range counts {
		if !g.Enough(shownLabel(kind, name), cases[name]) {
			delete(counts, name)
			left++
			continue
		}
		if kind == StartCases || kind == EndCases {
			counts[name] = g.Count(string(kind)+"\x00"+name, n)
		} else {
			counts[name] = g.Amount(string(kind)+"\x00"+name, n)
		}
	}
	return left
}

// Bins hides the histogram bins of fewer than k cases and adds noise to
// the others. It changes bins.
//
// A bin is named by both its edges: two histograms of one view with a
// bin from the same edge (equal widths and the duration ladder) count
// different cases, and noise of one draw on both would let their
// difference be exact.
func (g *Guard) Bins(bins []mining.Bin, w *Withheld) {
	for i := range bins {
		b := &bins[i]
		name := fmtFloat(b.From) + "\x00" + fmtFloat(b.To)
		if !g.Enough("bin\x00"+name, b.Cases) {
			if b.Cases > 0 {
				w.Bins++
			}
			b.Cases, b.Withheld = 0, true
			continue
		}
		b.Cases = g.Count("bin-cases\x00"+name, b.Cases)
	}
}

// Timeline hides the periods in which fewer than k cases were in progress
// and adds noise to the others; it drops such periods at either end, where
// they would tell the day of the first or last event. It changes buckets
// and returns what is left of them.
//
// period names the buckets' length (day, week…): a week and its Monday
// start alike, and must not share their noise.
func (g *Guard) Timeline(period string, buckets []mining.Bucket, w *Withheld) []mining.Bucket {
	for i := range buckets {
		b := &buckets[i]
		if !g.Enough("bucket\x00"+period+"\x00"+b.Start, b.CasesActive) {
			if b.CasesActive > 0 {
				w.Buckets++
			}
			b.Events, b.CasesStarted, b.CasesActive, b.Withheld = 0, 0, 0, true
			continue
		}
		at := "\x00" + period + "\x00" + b.Start
		b.Events = g.Amount("bucket-events"+at, b.Events)
		b.CasesStarted = g.Amount("bucket-started"+at, b.CasesStarted)
		b.CasesActive = g.Count("bucket-active"+at, b.CasesActive)
	}
	for len(buckets) > 0 && buckets[0].Withheld {
		buckets = buckets[1:]
	}
	for len(buckets) > 0 && buckets[len(buckets)-1].Withheld {
		buckets = buckets[:len(buckets)-1]
	}
	return buckets
}

// Done fills in the note of w and adds noise to its counts: how many
// groups were left out is a figure too, and two views that differ by one
// case would otherwise tell, exactly, that the case had an activity or a
// path no other case had.
func (g *Guard) Done(w *Withheld) *Withheld {
	for _, f := range []struct {
		label string
		n     *int
	}{{"withheld-variants", &w.Variants}, {"withheld-activities", &w.Activities}, {"withheld-paths", &w.Paths},
		{"withheld-bins", &w.Bins}, {"withheld-buckets", &w.Buckets}, {"withheld-rows", &w.Rows}, {"withheld-cases", &w.Cases}} {
		*f.n = g.Amount(f.label, *f.n)
	}
	w.note()
	return w
}

// shownLabel names the group of a count by name for the decision to show
// it: an activity's the same as the map's, so that the statistics and the
// map show the same activities.
func shownLabel(kind Figures, name string) string {
	if kind == ActivityEvents {
		return "activity\x00" + name
	}
	return string(kind) + "\x00" + name
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Common is the view restricted to the cases whose variant at least k
// cases share: what a model mined for a reader, and the replay of the
// view on a model, are computed from. A model mined from every case would
// draw the one path of a single case; a deviation found only in variants
// of k cases or more is made by at least k cases.
func (g *Guard) Common(l *eventlog.Log) *eventlog.Log {
	var keep []int32
	for _, v := range mining.Variants(l) {
		if g.Enough(variantLabel(v), v.Cases) {
			keep = append(keep, v.CaseIndexes...)
		}
	}
	if len(keep) == l.NumCases() {
		return l
	}
	slices.Sort(keep)
	return l.SelectCases(keep)
}

// Usage hides the steps and applications of fewer than k recordings, adds
// noise to counts and rounds times. It changes u.
func (g *Guard) Usage(u *taskmining.Usage, w *Withheld) {
	u.Recordings = g.Count("cases", u.Recordings) // a recording is a case
	u.Steps, u.Switches = g.Amount("steps", u.Steps), g.Amount("switches", u.Switches)
	steps := u.StepTimes[:0]
	for _, st := range u.StepTimes {
		if !g.Enough("step\x00"+st.Step, st.Recordings) || g.people != nil && !g.Enough("people-step\x00"+st.Step, st.People) {
			w.Rows++
			continue
		}
		few := !g.AtLeast("step-median\x00"+st.Step, st.Recordings, 2*g.k) // a median of few is one recording's figure
		st.Count, st.Recordings = g.Amount("step-count\x00"+st.Step, st.Count), g.Count("step-recordings\x00"+st.Step, st.Recordings)
		st.TotalSeconds, st.MeanSeconds, st.MedianSeconds = Seconds(st.TotalSeconds), Seconds(st.MeanSeconds), Seconds(st.MedianSeconds)
		if few {
			st.MedianSeconds = 0
		}
		steps = append(steps, st)
	}
	u.StepTimes = steps
	apps := u.Applications[:0]
	for _, a := range u.Applications {
		label := a.Application
		if !g.Enough("app\x00"+label, a.Recordings) || g.people != nil && !g.Enough("people-app\x00"+label, a.People) {
			w.Rows++
			continue
		}
		a.Actions, a.SwitchesIn, a.Recordings = g.Amount("app-actions\x00"+label, a.Actions), g.Amount("app-switches\x00"+label, a.SwitchesIn), g.Count("app-recordings\x00"+label, a.Recordings)
		a.Seconds = Seconds(a.Seconds)
		by := map[string]int{}
		for action, n := range a.ActionsBy {
			if !g.Enough("app-action\x00"+label+"\x00"+action, a.ActionRecordings[action]) || g.people != nil && !g.Enough("people-app-action\x00"+label+"\x00"+action, a.ActionPeople[action]) {
				w.Rows++
				continue
			}
			by[action] = g.Amount("app-action\x00"+label+"\x00"+action, n)
		}
		a.ActionsBy = by
		apps = append(apps, a)
	}
	u.Applications = apps
}

// ObjectCentric is an object-centric graph as a reader receives it. A
// figure is shown only when its objects, its events (or event couples)
// and its cases (objects of the type the log is flattened on, which the
// version's reports count) are each at least k: an event touching an
// order and its twelve items is thirteen objects but one case. What is
// left out is counted; every count shown carries noise; times are
// rounded, a median of fewer than 2k cases or couples is left out, and a
// mean one case makes half of is left out, as on a map. The case counts
// themselves are not shown. It changes gr.
func (g *Guard) ObjectCentric(gr *ocel.Graph, w *Withheld) {
	enough := func(label string, ns ...int) bool {
		for i, n := range ns {
			if !g.Enough(label+"\x00"+strconv.Itoa(i), n) {
				return false
			}
		}
		return true
	}
	acts := gr.Activities[:0]
	shown := map[string]bool{}
	for _, a := range gr.Activities {
		label := "oc-activity\x00" + a.Name
		if !enough(label, a.Events, a.UniqueObjects, a.Cases) {
			w.Activities++
			continue
		}
		shown[a.Name] = true
		a.Events, a.UniqueObjects, a.TotalObjects = g.Amount(label+"\x00events", a.Events), g.Count(label+"\x00objects", a.UniqueObjects), g.Amount(label+"\x00relations", a.TotalObjects)
		a.Cases = 0
		acts = append(acts, a)
	}
	gr.Activities = acts
	types := gr.Types[:0]
	for _, t := range gr.Types {
		tl := "oc-type\x00" + t.Name
		if !enough(tl, t.Objects, t.Cases) {
			w.Paths += len(t.Edges) + len(t.Starts) + len(t.Ends)
			continue
		}
		// Lifetimes are the objects': a median of few cases, or any when
		// one case holds half the objects, would be that case's.
		if !g.AtLeast(tl+"\x00median", t.Cases, 2*g.k) || 2*t.MaxCaseObjects >= t.Objects {
			t.LifetimeMedianSeconds = nil
		}
		if 2*t.MaxCaseObjects >= t.Objects {
			t.LifetimeMeanSeconds = nil
		}
		t.LifetimeMeanSeconds, t.LifetimeMedianSeconds = SecondsPtr(t.LifetimeMeanSeconds), SecondsPtr(t.LifetimeMedianSeconds)
		t.Objects, t.Events = g.Count(tl+"\x00objects", t.Objects), g.Amount(tl+"\x00events", t.Events)
		t.Cases, t.MaxCaseObjects = 0, 0
		edges := t.Edges[:0]
		for _, e := range t.Edges {
			label := tl + "\x00edge\x00" + e.From + "\x00" + e.To
			if !enough(label, e.UniqueObjects, e.EventCouples, e.Cases) || !shown[e.From] || !shown[e.To] {
				w.Paths++
				continue
			}
			// Dominance: when one case makes half the couples or more,
			// their time is that case's.
			dominated := 2*e.MaxCaseCouples >= e.EventCouples
			few := !g.AtLeast(label+"\x00median", e.Cases, 2*g.k) || !g.AtLeast(label+"\x00median-couples", e.EventCouples, 2*g.k)
			e.EventCouples, e.UniqueObjects, e.TotalObjects = g.Amount(label+"\x00couples", e.EventCouples), g.Count(label+"\x00objects", e.UniqueObjects), g.Amount(label+"\x00total", e.TotalObjects)
			e.MeanSeconds, e.MedianSeconds = SecondsPtr(e.MeanSeconds), SecondsPtr(e.MedianSeconds)
			if dominated {
				e.MeanSeconds = nil
			}
			if dominated || few {
				e.MedianSeconds = nil
			}
			e.Cases, e.MaxCaseCouples = 0, 0
			edges = append(edges, e)
		}
		t.Edges = edges
		for kind, ends := range map[string]*[]ocel.NamedCount{"start": &t.Starts, "end": &t.Ends} {
			kept := (*ends)[:0]
			for _, n := range *ends {
				label := tl + "\x00" + kind + "\x00" + n.Activity
				if !enough(label, n.Objects, n.Cases) || !shown[n.Activity] {
					w.Paths++
					continue
				}
				n.Objects, n.Cases = g.Count(label+"\x00objects", n.Objects), 0
				kept = append(kept, n)
			}
			*ends = kept
		}
		types = append(types, t)
	}
	gr.Types = types
}

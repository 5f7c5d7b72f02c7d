package disclosure

import (
	"slices"
	"sort"
	"strconv"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
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
		if !g.Enough(v.Cases) {
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
		w.Cases = g.Amount("variants-withheld-cases", withheldCases)
	}
	// The noise may reorder near-equal variants; the list stays sorted as
	// shown.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Cases > out[j].Cases })
	return out
}

func variantLabel(v *mining.Variant) string {
	s := "variant"
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
		if !g.Enough(n.Cases) {
			w.Activities++
			continue
		}
		shown[n.Activity] = true
		label := "activity\x00" + n.Activity
		n.Count, n.Cases = g.Amount(label+"\x00events", n.Count), g.Count(label, n.Cases)
		nodes = append(nodes, n)
	}
	m.Nodes = nodes
	edges := m.Edges[:0]
	for _, e := range m.Edges {
		if !g.Enough(e.Cases) || !shown[e.Source] || !shown[e.Target] {
			w.Paths++
			continue
		}
		label := "path\x00" + e.Source + "\x00" + e.Target
		e.Count, e.Cases, e.MaxCase = g.Amount(label+"\x00events", e.Count), g.Count(label, e.Cases), 0
		e.Mean, e.Median = SecondsPtr(e.Mean), SecondsPtr(e.Median)
		e.Min, e.Max, e.Total = nil, nil, nil
		edges = append(edges, e)
	}
	m.Edges = edges
	for kind, ends := range map[string]map[string]int{"start": m.Start, "end": m.End} {
		for a, n := range ends {
			if !g.Enough(n) || !shown[a] {
				delete(ends, a)
				w.Paths++
				continue
			}
			ends[a] = g.Count(kind+"\x00"+a, n)
		}
	}
}

// Counts keeps the entries of a count by name (activities, start and end
// activities) whose groups hold at least k cases: cases[name] is the
// number of cases behind counts[name]. It changes counts, and returns how
// many it left out.
func (g *Guard) Counts(kind string, counts, cases map[string]int) int {
	left := 0
	for name, n := range counts {
		if !g.Enough(cases[name]) {
			delete(counts, name)
			left++
			continue
		}
		counts[name] = g.Amount(kind+"\x00"+name, n)
	}
	return left
}

// Bins hides the histogram bins of fewer than k cases and adds noise to
// the others. It changes bins.
func (g *Guard) Bins(bins []mining.Bin, w *Withheld) {
	for i := range bins {
		b := &bins[i]
		if !g.Enough(b.Cases) {
			if b.Cases > 0 {
				w.Bins++
			}
			b.Cases, b.Withheld = 0, true
			continue
		}
		b.Cases = g.Count("bin\x00"+fmtFloat(b.From), b.Cases)
	}
}

// Timeline hides the periods in which fewer than k cases were in progress
// and adds noise to the others. It changes buckets.
func (g *Guard) Timeline(buckets []mining.Bucket, w *Withheld) {
	for i := range buckets {
		b := &buckets[i]
		if !g.Enough(b.CasesActive) {
			if b.CasesActive > 0 {
				w.Buckets++
			}
			b.Events, b.CasesStarted, b.CasesActive, b.Withheld = 0, 0, 0, true
			continue
		}
		label := "bucket\x00" + b.Start
		b.Events = g.Amount(label+"\x00events", b.Events)
		b.CasesStarted = g.Amount(label+"\x00started", b.CasesStarted)
		b.CasesActive = g.Count(label, b.CasesActive)
	}
}

// Done fills in the note of w.
func (w *Withheld) Done() *Withheld {
	w.note()
	return w
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Common is the view restricted to the cases whose variant at least k
// cases share: what a model mined for a reader, and the replay of the
// view on a model, are computed from. A model mined from every case would
// draw the one path of a single case; a deviation found only in variants
// of k cases or more is made by at least k cases. It returns the number
// of cases left out (with noise; 0 when none were).
func (g *Guard) Common(l *eventlog.Log) (*eventlog.Log, int) {
	var keep []int32
	left := 0
	for _, v := range mining.Variants(l) {
		if g.Enough(v.Cases) {
			keep = append(keep, v.CaseIndexes...)
		} else {
			left += v.Cases
		}
	}
	if left == 0 {
		return l, 0
	}
	slices.Sort(keep)
	return l.SelectCases(keep), g.Amount("common-withheld", left)
}

// Usage hides the steps and applications of fewer than k recordings, adds
// noise to counts and rounds times. It changes u.
func (g *Guard) Usage(u *taskmining.Usage, w *Withheld) {
	u.Recordings = g.Count("recordings", u.Recordings)
	u.Steps, u.Switches = g.Amount("steps", u.Steps), g.Amount("switches", u.Switches)
	steps := u.StepTimes[:0]
	for _, st := range u.StepTimes {
		if !g.Enough(st.Recordings) {
			w.Rows++
			continue
		}
		label := "step\x00" + st.Step
		st.Count, st.Recordings = g.Amount(label+"\x00count", st.Count), g.Count(label, st.Recordings)
		st.TotalSeconds, st.MeanSeconds, st.MedianSeconds = Seconds(st.TotalSeconds), Seconds(st.MeanSeconds), Seconds(st.MedianSeconds)
		steps = append(steps, st)
	}
	u.StepTimes = steps
	apps := u.Applications[:0]
	for _, a := range u.Applications {
		if !g.Enough(a.Recordings) {
			w.Rows++
			continue
		}
		label := "application\x00" + a.Application
		a.Actions, a.SwitchesIn, a.Recordings = g.Amount(label+"\x00actions", a.Actions), g.Amount(label+"\x00switches", a.SwitchesIn), g.Count(label, a.Recordings)
		a.Seconds = Seconds(a.Seconds)
		by := map[string]int{}
		for action, n := range a.ActionsBy {
			by[action] = g.Amount(label+"\x00action\x00"+action, n)
		}
		a.ActionsBy = by
		apps = append(apps, a)
	}
	u.Applications = apps
}

package mining

import (
	"slices"
	"time"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
)

// Stats is the summary of a log that `procmine stats` prints.
type Stats struct {
	Cases           int            `json:"cases"`
	Events          int            `json:"events"`
	Activities      map[string]int `json:"activities"`
	StartActivities map[string]int `json:"start_activities"`
	EndActivities   map[string]int `json:"end_activities"`
	Variants        int            `json:"variants"`
	Resources       int            `json:"resources"`
	// CaseDuration is nil when the log has no timestamps.
	CaseDuration *Durations `json:"case_duration_seconds"`
	// WorkingCaseDuration is the same in working time, when a calendar
	// is given (AddWorkingTime).
	WorkingCaseDuration *Durations `json:"working_case_duration_seconds,omitempty"`
	Rework              Rework     `json:"rework"`
	// TimeRange is the first and last timestamp, nil when untimed.
	TimeRange *[2]string `json:"time_range,omitempty"`
	// ResourceWork lists the resources, busiest first, and Handovers the
	// hand-over of work between them, most frequent first.
	ResourceWork []ResourceStats `json:"resource_work"`
	Handovers    []Handover      `json:"handovers"`
	// Timeline counts events and cases per TimelineBucket: the finest of
	// hour, day, week, month, quarter and year (UTC calendar periods) that
	// gives at most 100 buckets.
	TimelineBucket string   `json:"timeline_bucket,omitempty"`
	Timeline       []Bucket `json:"timeline,omitempty"`
}

// Summary is the part of Stats beyond the counts by activity: what the
// REST API's statistics give those who may read raw data besides them.
type Summary struct {
	Cases        int        `json:"cases"`
	Events       int        `json:"events"`
	Variants     int        `json:"variants"`
	Resources    int        `json:"resources"`
	CaseDuration *Durations `json:"case_duration_seconds"`
	TimeRange    *[2]string `json:"time_range,omitempty"`
	Rework       Rework     `json:"rework"`
}

// Summary is st's summary.
func (st *Stats) Summary() Summary {
	return Summary{Cases: st.Cases, Events: st.Events, Variants: st.Variants, Resources: st.Resources,
		CaseDuration: st.CaseDuration, TimeRange: st.TimeRange, Rework: st.Rework}
}

// SetSummary writes sum into st.
func (st *Stats) SetSummary(sum Summary) {
	st.Cases, st.Events, st.Variants, st.Resources = sum.Cases, sum.Events, sum.Variants, sum.Resources
	st.CaseDuration, st.TimeRange, st.Rework = sum.CaseDuration, sum.TimeRange, sum.Rework
}

// Durations summarises a set of durations, in seconds.
type Durations struct {
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	P25    float64 `json:"p25"`
	P75    float64 `json:"p75"`
	P90    float64 `json:"p90"`
	P95    float64 `json:"p95"`
	Total  float64 `json:"total"`
}

// Summarize returns the statistics of a set of durations given in
// nanoseconds; it sorts ns in place. It returns nil for an empty set.
func Summarize(ns []int64) *Durations {
	if len(ns) == 0 {
		return nil
	}
	slices.Sort(ns)
	var sum float64
	for _, d := range ns {
		sum += float64(d)
	}
	return &Durations{
		Mean:   sum / float64(len(ns)) / 1e9,
		Median: Percentile(ns, 0.5),
		Min:    float64(ns[0]) / 1e9,
		Max:    float64(ns[len(ns)-1]) / 1e9,
		P25:    Percentile(ns, 0.25),
		P75:    Percentile(ns, 0.75),
		P90:    Percentile(ns, 0.90),
		P95:    Percentile(ns, 0.95),
		Total:  sum / 1e9,
	}
}

// Percentile returns the q-quantile (0..1) of sorted nanoseconds in seconds,
// interpolating linearly between ranks (numpy's default method).
func Percentile(sorted []int64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return float64(sorted[len(sorted)-1]) / 1e9
	}
	frac := pos - float64(i)
	lo, hi := float64(sorted[i]), float64(sorted[i+1])
	return (lo + (hi-lo)*frac) / 1e9
}

// ComputeStats summarises the log.
func ComputeStats(l *eventlog.Log) *Stats {
	s := &Stats{
		Cases:           l.NumCases(),
		Events:          l.NumEvents(),
		Activities:      map[string]int{},
		StartActivities: map[string]int{},
		EndActivities:   map[string]int{},
	}
	counts := make([]int, l.Activities.Len())
	for _, a := range l.Act {
		counts[a]++
	}
	for a, n := range counts {
		if n > 0 {
			s.Activities[l.Activities.Name(int32(a))] = n
		}
	}
	resources := make([]bool, l.Resources.Len())
	for _, r := range l.Res {
		if r != eventlog.None {
			resources[r] = true
		}
	}
	for _, used := range resources {
		if used {
			s.Resources++
		}
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		s.StartActivities[l.ActivityName(lo)]++
		s.EndActivities[l.ActivityName(hi-1)]++
	}
	s.Variants = len(Variants(l))
	s.Rework = ComputeRework(l)
	s.ResourceWork, s.Handovers = Resources(l)
	if s.ResourceWork == nil { // JSON readers get lists, never null
		s.ResourceWork = []ResourceStats{}
	}
	if s.Handovers == nil {
		s.Handovers = []Handover{}
	}
	s.TimelineBucket, s.Timeline = EventsOverTime(l, 100)
	if l.Timed && l.NumEvents() > 0 {
		s.CaseDuration = Summarize(CaseDurations(l))
		first, last := slices.Min(l.Start), slices.Max(l.End)
		s.TimeRange = &[2]string{eventlog.FormatTime(first), eventlog.FormatTime(last)}
	}
	return s
}

// AddWorkingTime adds the case durations in working time by the clock.
func (s *Stats) AddWorkingTime(l *eventlog.Log, k *calendar.Clock) {
	if l.Timed && l.NumEvents() > 0 && k != nil {
		s.WorkingCaseDuration = Summarize(WorkingCaseDurations(l, k))
	}
}

// WorkingClock prepares a calendar for the log's span of time.
func WorkingClock(c *calendar.Calendar, l *eventlog.Log) (*calendar.Clock, error) {
	if !l.Timed || l.NumEvents() == 0 {
		return c.Clock(0, 0)
	}
	return c.Clock(slices.Min(l.Start), slices.Max(l.End))
}

// WorkingCaseDurations returns each case's duration in working time by
// the clock (from its first start to its last end), in nanoseconds, in
// case order.
func WorkingCaseDurations(l *eventlog.Log, k *calendar.Clock) []int64 {
	out := make([]int64, l.NumCases())
	for c := range out {
		out[c] = workingCaseDuration(l, c, k)
	}
	return out
}

func workingCaseDuration(l *eventlog.Log, c int, k *calendar.Clock) int64 {
	lo, hi := l.Events(c)
	if lo == hi {
		return 0
	}
	first, last := l.Start[lo], l.End[lo]
	for e := lo; e < hi; e++ {
		first, last = min(first, l.Start[e]), max(last, l.End[e])
	}
	return k.Working(first, last)
}

// CaseDurations returns each case's duration in nanoseconds, in case order.
func CaseDurations(l *eventlog.Log) []int64 {
	out := make([]int64, l.NumCases())
	for c := range out {
		out[c] = l.CaseDuration(c)
	}
	return out
}

// Bin is one bar of a histogram of durations, in seconds: From
// inclusive, To exclusive (the last bin includes its end).
type Bin struct {
	From  float64 `json:"from_seconds"`
	To    float64 `json:"to_seconds"`
	Cases int     `json:"cases"`
	// OpenBelow and OpenAbove mark a first bin that also counts the
	// shorter durations, and a last bin that also counts the longer ones.
	OpenBelow bool `json:"open_below,omitempty"`
	OpenAbove bool `json:"open_above,omitempty"`
	// Withheld marks a bin whose count is not shown (disclosure control).
	Withheld bool `json:"withheld,omitempty"`
}

// niceWidths are the bin widths a coarse histogram chooses from, in
// seconds: a reader's histogram then starts and ends on round figures,
// not on the shortest and longest case.
var niceWidths = []int64{1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
	86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400}

// Histogram counts durations (in nanoseconds) in n bins of equal width
// from the shortest to the longest.
func Histogram(ns []int64, n int) []Bin { return histogram(ns, n, 0) }

// CoarseHistogram is a histogram whose edges tell nothing of any one
// duration: it spans from the k-th shortest to the k-th longest duration
// (the first and last bins also count those beyond, so each holds at
// least k), and its width is the next round one (a minute, an hour, a
// day…) with bins starting at a multiple of it; there may be n+1 bins.
//
// Fewer than 2k durations give no bins: the k-th shortest and the k-th
// longest would cross, and what lies between them would be one or two
// cases.
func CoarseHistogram(ns []int64, n, k int) []Bin {
	if len(ns) < 2*max(k, 1) {
		return []Bin{}
	}
	return histogram(ns, n, max(k, 1))
}

func histogram(ns []int64, n, k int) []Bin {
	if len(ns) == 0 || n < 1 {
		return []Bin{}
	}
	sorted := slices.Clone(ns)
	slices.Sort(sorted)
	lo, hi := sorted[0], sorted[len(sorted)-1]
	if k > 0 {
		lo, hi = sorted[min(k-1, len(sorted)-1)], sorted[max(len(sorted)-k, 0)]
		if lo > hi {
			lo, hi = hi, lo
		}
	}
	width := (hi - lo + int64(n) - 1) / int64(n) // the last bin reaches hi
	count := n
	if k > 0 {
		w := niceWidths[len(niceWidths)-1]
		for _, nw := range niceWidths {
			if nw*int64(time.Second) >= width {
				w = nw
				break
			}
		}
		width = max(width, w*int64(time.Second))
		lo -= lo % width
		count = int((hi-lo)/width) + 1
	}
	if width == 0 {
		width = 1
	}
	bins := make([]Bin, count)
	for i := range bins {
		bins[i].From = float64(lo+int64(i)*width) / 1e9
		bins[i].To = float64(lo+int64(i+1)*width) / 1e9
	}
	for _, d := range ns {
		i := max(0, min(int((d-lo)/width), count-1))
		if d < lo {
			i = 0
		}
		bins[i].Cases++
	}
	if k > 0 {
		bins[0].OpenBelow = sorted[0] < lo
		bins[count-1].OpenAbove = sorted[len(sorted)-1] >= lo+int64(count)*width
	}
	return bins
}

// durationLadder are the edges of a ladder histogram, in seconds: round
// durations, each two to three times the one before, so that the bins of
// durations from seconds to years are about as wide on a logarithmic
// scale and each edge reads as a round figure (a minute, an hour, a week).
var durationLadder = []int64{1, 2, 5, 10, 30, 60, 2 * 60, 5 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 6 * 3600, 12 * 3600,
	86400, 2 * 86400, 4 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 61 * 86400, 122 * 86400, 183 * 86400, 365 * 86400,
	2 * 365 * 86400, 5 * 365 * 86400, 10 * 365 * 86400}

// LadderHistogram counts durations (in nanoseconds) in bins whose edges
// are the rungs of durationLadder: the shape of a skewed distribution
// (most cases quick, a few very slow) shows, where bins of equal width put
// nearly every case in the first. The first bin starts at 0 when some
// duration is shorter than a second.
//
// With k > 0 the bins span from the k-th shortest to the k-th longest
// duration, the first and last counting those beyond (OpenBelow,
// OpenAbove), so each holds at least k and no edge depends on any one
// duration; fewer than 2k durations give no bins (see CoarseHistogram).
func LadderHistogram(ns []int64, k int) []Bin {
	if len(ns) == 0 || k > 0 && len(ns) < 2*k {
		return []Bin{}
	}
	sorted := slices.Clone(ns)
	slices.Sort(sorted)
	lo, hi := sorted[0], sorted[len(sorted)-1]
	if k > 0 {
		lo, hi = sorted[k-1], sorted[len(sorted)-k]
	}
	// The edges: 0, then the rungs from the last at or below lo to the
	// first above hi.
	edges := []int64{0}
	for _, s := range durationLadder {
		e := s * int64(time.Second)
		if e > lo || len(edges) == 1 {
			edges = append(edges, e)
		} else {
			edges[len(edges)-1] = e
		}
		if e > hi {
			break
		}
	}
	if last := edges[len(edges)-1]; last <= hi && k == 0 {
		// Beyond the ladder: one bin to the longest. A reader's last bin
		// counts those beyond instead (OpenAbove): an edge at the k-th
		// longest would tell that duration.
		edges = append(edges, hi+1)
	}
	if edges[1] <= lo && len(edges) > 2 {
		edges = edges[1:] // nothing shorter than the first rung kept
	}
	bins := make([]Bin, len(edges)-1)
	for i := range bins {
		bins[i].From, bins[i].To = float64(edges[i])/1e9, float64(edges[i+1])/1e9
	}
	for _, d := range sorted {
		i, _ := slices.BinarySearch(edges, d+1) // the first edge above d
		bins[max(0, min(i-1, len(bins)-1))].Cases++
	}
	if k > 0 {
		bins[0].OpenBelow = sorted[0] < edges[0]
		bins[len(bins)-1].OpenAbove = sorted[len(sorted)-1] >= edges[len(edges)-1]
	}
	return bins
}

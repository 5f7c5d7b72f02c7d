package mining

import (
	"time"

	"github.com/procmine/procmine/internal/eventlog"
)

// Bucket is one interval of a time series.
type Bucket struct {
	Start        string `json:"start"`
	Events       int    `json:"events"`
	CasesStarted int    `json:"cases_started"`
	CasesActive  int    `json:"cases_active"`
}

// bucket sizes tried, smallest first.
var bucketSizes = []struct {
	name string
	d    time.Duration
}{
	{"hour", time.Hour}, {"day", 24 * time.Hour}, {"week", 7 * 24 * time.Hour},
	{"month", 30 * 24 * time.Hour}, {"quarter", 91 * 24 * time.Hour}, {"year", 365 * 24 * time.Hour},
}

// EventsOverTime counts events (by end time), case starts and cases in
// progress per bucket. It picks the smallest bucket size (hour, day, week,
// month, quarter, year) that gives at most maxBuckets buckets, and returns
// its name. Untimed logs give no buckets.
func EventsOverTime(l *eventlog.Log, maxBuckets int) (string, []Bucket) {
	if !l.Timed || l.NumEvents() == 0 || maxBuckets < 1 {
		return "", nil
	}
	first, last := l.Start[0], l.End[0]
	for e := range l.Act {
		first, last = min(first, l.Start[e]), max(last, l.End[e])
	}
	size, name := bucketSizes[len(bucketSizes)-1].d, bucketSizes[len(bucketSizes)-1].name
	for _, b := range bucketSizes {
		if int64(last-first)/int64(b.d) < int64(maxBuckets) {
			size, name = b.d, b.name
			break
		}
	}
	origin := time.Unix(0, first).UTC().Truncate(size).UnixNano()
	count := int((last-origin)/int64(size)) + 1
	out := make([]Bucket, count)
	for i := range out {
		out[i].Start = eventlog.FormatTime(origin + int64(i)*int64(size))
	}
	at := func(t int64) int { return int((t - origin) / int64(size)) }
	active := make([]int, count+1) // difference array of cases in progress
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		cf, cl := l.Start[lo], l.End[lo]
		for e := lo; e < hi; e++ {
			out[at(l.End[e])].Events++
			cf, cl = min(cf, l.Start[e]), max(cl, l.End[e])
		}
		out[at(cf)].CasesStarted++
		active[at(cf)]++
		active[at(cl)+1]--
	}
	run := 0
	for i := range out {
		run += active[i]
		out[i].CasesActive = run
	}
	return name, out
}

package mining

import (
	"slices"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
)

// Bucket is one interval of a time series.
type Bucket struct {
	Start        string `json:"start"`
	Events       int    `json:"events"`
	CasesStarted int    `json:"cases_started"`
	CasesActive  int    `json:"cases_active"`
	// Withheld marks a bucket whose counts are not shown (disclosure
	// control).
	Withheld bool `json:"withheld,omitempty"`
}

// A period is a kind of calendar interval (in UTC).
type period struct {
	name string
	// index numbers the period a time falls in, counting from the Unix epoch.
	index func(t time.Time) int64
	// start returns the first instant of period i.
	start func(i int64) time.Time
}

const week = 7 * 24 * time.Hour

// Monday 1970-01-05 starts the weeks.
var firstMonday = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

func monthIndex(t time.Time) int64 { return int64(t.Year()-1970)*12 + int64(t.Month()-1) }

func monthStart(i int64) time.Time {
	y, m := 1970+floorDiv(i, 12), i-floorDiv(i, 12)*12
	return time.Date(int(y), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// periods are tried finest first.
var periods = []period{
	{"hour", func(t time.Time) int64 { return floorDiv(t.Unix(), 3600) },
		func(i int64) time.Time { return time.Unix(i*3600, 0).UTC() }},
	{"day", func(t time.Time) int64 { return floorDiv(t.Unix(), 86400) },
		func(i int64) time.Time { return time.Unix(i*86400, 0).UTC() }},
	{"week", func(t time.Time) int64 { return floorDiv(int64(t.Sub(firstMonday)), int64(week)) },
		func(i int64) time.Time { return firstMonday.Add(time.Duration(i) * week) }},
	{"month", monthIndex, monthStart},
	{"quarter", func(t time.Time) int64 { return floorDiv(monthIndex(t), 3) },
		func(i int64) time.Time { return monthStart(i * 3) }},
	{"year", func(t time.Time) int64 { return int64(t.Year() - 1970) },
		func(i int64) time.Time { return time.Date(int(1970+i), 1, 1, 0, 0, 0, 0, time.UTC) }},
}

// EventsOverTime counts events (by end time), case starts and cases in
// progress per calendar period (UTC): the finest of hour, day, week (from
// Monday), month, quarter and year that gives at most maxBuckets buckets,
// or years when none does. It returns the period's name. Untimed logs give
// no buckets.
func EventsOverTime(l *eventlog.Log, maxBuckets int) (string, []Bucket) {
	return EventsOverTimeBy(l, maxBuckets, "hour")
}

// EventsOverTimeBy is EventsOverTime with periods no finer than finest
// (hour, day, week, month, quarter or year).
func EventsOverTimeBy(l *eventlog.Log, maxBuckets int, finest string) (string, []Bucket) {
	if !l.Timed || l.NumEvents() == 0 || maxBuckets < 1 {
		return "", nil
	}
	first, last := l.Start[0], l.End[0]
	for e := range l.Act {
		first, last = min(first, l.Start[e]), max(last, l.End[e])
	}
	p := periods[len(periods)-1]
	from := slices.IndexFunc(periods, func(q period) bool { return q.name == finest })
	for _, q := range periods[max(from, 0):] {
		if q.index(eventlog.Time(last))-q.index(eventlog.Time(first)) < int64(maxBuckets) {
			p = q
			break
		}
	}
	origin := p.index(eventlog.Time(first))
	count := int(p.index(eventlog.Time(last))-origin) + 1
	out := make([]Bucket, count)
	for i := range out {
		out[i].Start = eventlog.FormatTime(p.start(origin + int64(i)).UnixNano())
	}
	at := func(t int64) int { return int(p.index(eventlog.Time(t)) - origin) }
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
	return p.name, out
}

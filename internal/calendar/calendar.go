// Package calendar is working time: a process's time zone, its weekly
// working hours (several shifts a day), its holidays and exceptions, and
// the working time between two instants by them.
//
// Hours are wall-clock times in the calendar's zone, so a shift from
// 22:00 to 06:00 lasts seven hours on the night clocks go forward and nine
// on the night they go back. A shift that starts or ends at a time the
// change skips or repeats takes the instant Go's time.Date gives it.
//
// On a date, the first of these that says something decides its hours: an
// exception (its own hours, or none), a holiday, an annual holiday (the
// same month and day every year), the week.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // a calendar names its zone; the server need not have the zone files
)

// Calendar is when a process works.
type Calendar struct {
	Zone *time.Location
	// Week holds each weekday's shifts, Sunday first (time.Weekday).
	Week [7][]Shift
	// Holidays are dates without work; Annual are month and day pairs
	// without work in every year.
	Holidays map[Date]bool
	Annual   map[MonthDay]bool
	// Exceptions give a date its own shifts instead of the week's; a date
	// with no shifts is a day off.
	Exceptions map[Date][]Shift
}

// Shift is a span of working hours in minutes after midnight: From
// before To, To at most 24*60; or To before From, a shift that ends on
// the next day.
type Shift struct{ From, To int }

// Date is a day of the calendar.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// MonthDay is a day of every year.
type MonthDay struct {
	Month time.Month
	Day   int
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Length is how long the shift lasts by the wall clock.
func (s Shift) Length() time.Duration {
	m := s.To - s.From
	if m <= 0 {
		m += 24 * 60
	}
	return time.Duration(m) * time.Minute
}

// WeeklyHours is the week's working time by the wall clock, and on how
// many weekdays it falls.
func (c *Calendar) WeeklyHours() (time.Duration, int) {
	var total time.Duration
	days := 0
	for _, day := range c.Week {
		if len(day) > 0 {
			days++
		}
		for _, sh := range day {
			total += sh.Length()
		}
	}
	return total, days
}

func (s Shift) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.From/60, s.From%60, s.To/60, s.To%60)
}

// Limits on what a calendar holds and spans.
const (
	// MaxDates bounds holidays, annual holidays and exceptions together.
	MaxDates = 20_000
	// MaxShifts bounds the shifts of one day.
	MaxShifts = 48
	// MaxDays bounds the days a clock covers: a little over a century.
	MaxDays = 40_000
)

// hours returns the shifts of a date.
func (c *Calendar) hours(d Date, wd time.Weekday) []Shift {
	if s, ok := c.Exceptions[d]; ok {
		return s
	}
	if c.Holidays[d] || c.Annual[MonthDay{d.Month, d.Day}] {
		return nil
	}
	return c.Week[wd]
}

// check tells whether the calendar is well formed.
func (c *Calendar) check() error {
	if c.Zone == nil {
		return errors.New("no time zone")
	}
	if len(c.Holidays)+len(c.Annual)+len(c.Exceptions) > MaxDates {
		return fmt.Errorf("%d holidays and exceptions; at most %d", len(c.Holidays)+len(c.Annual)+len(c.Exceptions), MaxDates)
	}
	for _, day := range c.Week {
		if err := checkShifts(day); err != nil {
			return err
		}
	}
	for _, day := range c.Exceptions {
		if err := checkShifts(day); err != nil {
			return err
		}
	}
	return nil
}

func checkShifts(day []Shift) error {
	if len(day) > MaxShifts {
		return fmt.Errorf("%d shifts in a day; at most %d", len(day), MaxShifts)
	}
	for _, s := range day {
		if s.From < 0 || s.From >= 24*60 || s.To < 0 || s.To > 24*60 || s.From == s.To {
			return fmt.Errorf("shift %s: from 00:00 to 24:00, and not ending when it starts", s)
		}
	}
	return nil
}

// Clock measures working time between instants within the span it was
// made for.
type Clock struct {
	// from and to are the working intervals in Unix nanoseconds, sorted
	// and disjoint; before[i] is the working time before interval i.
	from, to, before []int64
}

// Clock prepares the calendar for instants from lo to hi (Unix
// nanoseconds): a log's first and last timestamps. Working time outside
// that span counts as none. It refuses spans of more than MaxDays.
func (c *Calendar) Clock(lo, hi int64) (*Clock, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	first := time.Unix(0, lo).In(c.Zone)
	last := time.Unix(0, hi).In(c.Zone)
	// From the day before (an overnight shift reaches into the first
	// day) to the last.
	day := time.Date(first.Year(), first.Month(), first.Day()-1, 12, 0, 0, 0, c.Zone)
	end := time.Date(last.Year(), last.Month(), last.Day(), 12, 0, 0, 0, c.Zone)
	if days := end.Sub(day).Hours() / 24; days > MaxDays {
		return nil, fmt.Errorf("the timestamps span %.0f days; working time is measured over at most %d", days, MaxDays)
	}
	type span struct{ from, to int64 }
	var spans []span
	for ; !day.After(end); day = day.AddDate(0, 0, 1) {
		y, m, d := day.Date()
		for _, s := range c.hours(Date{y, m, d}, day.Weekday()) {
			from := time.Date(y, m, d, s.From/60, s.From%60, 0, 0, c.Zone)
			next := d
			if s.To < s.From {
				next++
			}
			to := time.Date(y, m, next, s.To/60, s.To%60, 0, 0, c.Zone)
			if to.After(from) {
				spans = append(spans, span{from.UnixNano(), to.UnixNano()})
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.from < b.from:
			return -1
		case a.from > b.from:
			return 1
		}
		return 0
	})
	k := &Clock{}
	var total int64
	for _, s := range spans {
		if n := len(k.to); n > 0 && s.from <= k.to[n-1] {
			if s.to > k.to[n-1] {
				total += s.to - k.to[n-1]
				k.to[n-1] = s.to
			}
			continue
		}
		k.from = append(k.from, s.from)
		k.to = append(k.to, s.to)
		k.before = append(k.before, total)
		total += s.to - s.from
	}
	return k, nil
}

// Size is the clock's memory in bytes, for caches.
func (k *Clock) Size() int64 { return int64(len(k.from)) * 24 }

// at is the working time from the start of the clock's span to t.
func (k *Clock) at(t int64) int64 {
	i := sort.Search(len(k.from), func(i int) bool { return k.from[i] > t }) - 1
	if i < 0 {
		return 0
	}
	return k.before[i] + min(t, k.to[i]) - k.from[i]
}

// Working is the working time from one instant to another, in
// nanoseconds; negative when to is before from.
func (k *Clock) Working(from, to int64) int64 { return k.at(to) - k.at(from) }

package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// ReadICal's subset of iCalendar (RFC 5545), what a calendar program
// exports for working hours and days off:
//
//   - The zone is X-WR-TIMEZONE, or else the TZID of the events' times, or
//     else UTC; every TZID must name that one zone (VTIMEZONE definitions
//     are skipped: zones are IANA names). Times in UTC (ending in Z) are
//     read as the zone's wall-clock time at that instant; floating times
//     as the zone's.
//   - A timed VEVENT with RRULE:FREQ=WEEKLY (BYDAY lists the days, else
//     DTSTART's) is a shift from its start's to its end's time of day on
//     those weekdays, however long ago it started.
//   - A timed VEVENT without RRULE gives its date those hours instead of
//     the week's (an exception); several such events, several shifts.
//   - An all-day VEVENT (DTSTART;VALUE=DATE) is a holiday from DTSTART to
//     the day before DTEND; with RRULE:FREQ=YEARLY, one every year.
//
// Anything else an event holds (SUMMARY, UID, ...) is ignored; other
// components (VTIMEZONE, VTODO, ...) are skipped; an RRULE with parts this
// subset cannot follow (COUNT, UNTIL, INTERVAL other than 1, BYMONTH, ...)
// is an error rather than misread.

type icalLine struct {
	n      int // line number in the file, for messages
	name   string
	params map[string]string
	value  string
}

type icalEvent struct {
	start, end, rrule *icalLine
}

func parseICal(data []byte, name string) (*Calendar, error) {
	lines, err := unfold(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var (
		depth    []string
		events   []icalEvent
		ev       *icalEvent
		zoneName string
		ended    bool
	)
	for _, l := range lines {
		errorf := func(format string, args ...any) error {
			return fmt.Errorf("%s: line %d: %s", name, l.n, fmt.Sprintf(format, args...))
		}
		if ended {
			return nil, errorf("content after END:VCALENDAR")
		}
		switch l.name {
		case "BEGIN":
			v := strings.ToUpper(l.value)
			if len(depth) == 0 && v != "VCALENDAR" {
				return nil, errorf("BEGIN:%s outside a VCALENDAR", l.value)
			}
			if len(depth) > 8 {
				return nil, errorf("components nested too deep")
			}
			depth = append(depth, v)
			if v == "VEVENT" && len(depth) == 2 {
				events = append(events, icalEvent{})
				ev = &events[len(events)-1]
			}
			continue
		case "END":
			v := strings.ToUpper(l.value)
			if len(depth) == 0 || depth[len(depth)-1] != v {
				return nil, errorf("END:%s does not close the open component", l.value)
			}
			depth = depth[:len(depth)-1]
			if v == "VEVENT" && len(depth) == 1 {
				ev = nil
			}
			ended = len(depth) == 0
			continue
		}
		if len(depth) == 0 {
			return nil, errorf("%s outside a VCALENDAR", l.name)
		}
		switch {
		case len(depth) == 1 && l.name == "X-WR-TIMEZONE":
			zoneName = l.value
		case ev != nil && len(depth) == 2:
			line := l
			switch l.name {
			case "DTSTART":
				ev.start = &line
			case "DTEND":
				ev.end = &line
			case "RRULE":
				if ev.rrule != nil {
					return nil, errorf("a second RRULE in one event")
				}
				ev.rrule = &line
			case "DURATION":
				return nil, errorf("DURATION is not read: give the event a DTEND")
			case "RDATE", "EXRULE":
				return nil, errorf("%s is not read: list the dates as events of their own", l.name)
			}
		}
	}
	if !ended {
		return nil, fmt.Errorf("%s: no END:VCALENDAR", name)
	}
	if zoneName == "" {
		for _, e := range events {
			if e.start != nil && e.start.params["TZID"] != "" {
				zoneName = e.start.params["TZID"]
				break
			}
		}
	}
	if zoneName == "" {
		zoneName = "UTC"
	}
	zone, err := loadZone(zoneName)
	if err != nil {
		return nil, fmt.Errorf("%s: time zone: %w", name, err)
	}
	c := &Calendar{Zone: zone, Holidays: map[Date]bool{}, Annual: map[MonthDay]bool{}, Exceptions: map[Date][]Shift{}}
	for _, e := range events {
		if err := c.addEvent(e, zoneName); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if n := len(c.Holidays) + len(c.Annual) + len(c.Exceptions); n > MaxDates {
			return nil, fmt.Errorf("%s: over %d holidays and exceptions", name, MaxDates)
		}
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// unfold splits the file into content lines, joining continuation lines
// (those starting with a space or a tab).
func unfold(data []byte) ([]icalLine, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var out []icalLine
	var cur []byte
	start := 0
	flush := func() error {
		if len(bytes.TrimSpace(cur)) == 0 {
			return nil
		}
		l, err := parseContentLine(string(cur))
		if err != nil {
			return fmt.Errorf("line %d: %w", start, err)
		}
		l.n = start
		out = append(out, l)
		return nil
	}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			if cur == nil {
				return nil, fmt.Errorf("line %d: a continuation with no line before it", i+1)
			}
			cur = append(cur, raw[1:]...)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		cur, start = append([]byte(nil), raw...), i+1
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseContentLine reads NAME;PARAM=VALUE;...:VALUE; a parameter value
// may be quoted.
func parseContentLine(s string) (icalLine, error) {
	l := icalLine{params: map[string]string{}}
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return l, fmt.Errorf("%q is not NAME:VALUE", clip(s))
	}
	l.name = strings.ToUpper(s[:i])
	for s[i] == ';' {
		s = s[i+1:]
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return l, fmt.Errorf("a parameter of %s is not NAME=VALUE", l.name)
		}
		key := strings.ToUpper(s[:eq])
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			q := strings.IndexByte(s[1:], '"')
			if q < 0 {
				return l, fmt.Errorf("an unclosed quote in %s's parameter %s", l.name, key)
			}
			val, s = s[1:q+1], s[q+2:]
		} else {
			j := strings.IndexAny(s, ";:")
			if j < 0 {
				return l, fmt.Errorf("%s has no value", l.name)
			}
			val, s = s[:j], s[j:]
		}
		l.params[key] = val
		if s == "" {
			return l, fmt.Errorf("%s has no value", l.name)
		}
		i = 0
		if s[0] != ';' && s[0] != ':' {
			return l, fmt.Errorf("%s: a quoted parameter must be followed by a semicolon or a colon", l.name)
		}
	}
	l.value = s[i+1:]
	return l, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// icalTime is a DTSTART or DTEND read: a date, or a wall-clock time in
// the calendar's zone.
type icalTime struct {
	allDay bool
	wall   time.Time // in UTC as a carrier of the wall-clock fields
}

func (c *Calendar) readTime(l *icalLine, zoneName string) (icalTime, error) {
	v := l.value
	if l.params["VALUE"] == "DATE" || len(v) == 8 {
		t, err := time.Parse("20060102", v)
		if err != nil {
			return icalTime{}, fmt.Errorf("line %d: %s %q is not a date (YYYYMMDD)", l.n, l.name, v)
		}
		return icalTime{allDay: true, wall: t}, nil
	}
	if tz := l.params["TZID"]; tz != "" && tz != zoneName {
		return icalTime{}, fmt.Errorf("line %d: %s is in %s, the calendar in %s: a calendar has one time zone", l.n, l.name, tz, zoneName)
	}
	utc := strings.HasSuffix(v, "Z")
	t, err := time.Parse("20060102T150405", strings.TrimSuffix(v, "Z"))
	if err != nil {
		return icalTime{}, fmt.Errorf("line %d: %s %q is not a date-time (YYYYMMDDTHHMMSS)", l.n, l.name, v)
	}
	if utc {
		local := t.In(c.Zone)
		t = time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
	}
	return icalTime{wall: t}, nil
}

func (c *Calendar) addEvent(e icalEvent, zoneName string) error {
	if e.start == nil {
		return fmt.Errorf("an event without DTSTART")
	}
	start, err := c.readTime(e.start, zoneName)
	if err != nil {
		return err
	}
	var end icalTime
	switch {
	case e.end != nil:
		if end, err = c.readTime(e.end, zoneName); err != nil {
			return err
		}
	case start.allDay:
		end = icalTime{allDay: true, wall: start.wall.AddDate(0, 0, 1)}
	default:
		return fmt.Errorf("line %d: a timed event without DTEND", e.start.n)
	}
	if start.allDay != end.allDay {
		return fmt.Errorf("line %d: DTSTART and DTEND must both be dates or both date-times", e.start.n)
	}
	var rule map[string]string
	if e.rrule != nil {
		rule = map[string]string{}
		for _, part := range strings.Split(e.rrule.value, ";") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				return fmt.Errorf("line %d: RRULE part %q is not NAME=VALUE", e.rrule.n, clip(part))
			}
			rule[strings.ToUpper(k)] = strings.ToUpper(v)
		}
		for k, v := range rule {
			switch {
			case k == "FREQ", k == "BYDAY", k == "WKST":
			case k == "INTERVAL" && v == "1":
			default:
				return fmt.Errorf("line %d: RRULE %s=%s is not read (FREQ, BYDAY, WKST and INTERVAL=1 are)", e.rrule.n, k, clip(v))
			}
		}
	}
	if start.allDay {
		if !end.wall.After(start.wall) {
			return fmt.Errorf("line %d: DTEND is not after DTSTART", e.start.n)
		}
		if days := end.wall.Sub(start.wall).Hours() / 24; days > 366 {
			return fmt.Errorf("line %d: a day off of %.0f days; at most 366", e.start.n, days)
		}
		switch {
		case rule == nil:
			for d := start.wall; d.Before(end.wall); d = d.AddDate(0, 0, 1) {
				c.Holidays[Date{d.Year(), d.Month(), d.Day()}] = true
			}
		case rule["FREQ"] == "YEARLY" && rule["BYDAY"] == "":
			for d := start.wall; d.Before(end.wall); d = d.AddDate(0, 0, 1) {
				c.Annual[MonthDay{d.Month(), d.Day()}] = true
			}
		default:
			return fmt.Errorf("line %d: an all-day event repeats FREQ=YEARLY or not at all", e.rrule.n)
		}
		return nil
	}
	length := end.wall.Sub(start.wall)
	if length <= 0 || length >= 24*time.Hour {
		return fmt.Errorf("line %d: a shift from DTSTART to DTEND must last more than nothing and less than a day", e.start.n)
	}
	sh := Shift{From: start.wall.Hour()*60 + start.wall.Minute(), To: end.wall.Hour()*60 + end.wall.Minute()}
	if sh.To == 0 {
		sh.To = 24 * 60 // until midnight
	}
	if rule == nil {
		d := Date{start.wall.Year(), start.wall.Month(), start.wall.Day()}
		if len(c.Exceptions[d]) >= MaxShifts {
			return fmt.Errorf("line %d: over %d shifts on %s", e.start.n, MaxShifts, d)
		}
		c.Exceptions[d] = append(c.Exceptions[d], sh)
		return nil
	}
	if rule["FREQ"] != "WEEKLY" {
		return fmt.Errorf("line %d: working hours repeat FREQ=WEEKLY, not %s", e.rrule.n, clip(rule["FREQ"]))
	}
	days := []time.Weekday{start.wall.Weekday()}
	if by := rule["BYDAY"]; by != "" {
		days = days[:0]
		for _, d := range strings.Split(by, ",") {
			i := strings.Index("SUMOTUWETHFRSA", d)
			if len(d) != 2 || i < 0 || i%2 != 0 {
				return fmt.Errorf("line %d: BYDAY %q is not a weekday (MO, TU, WE, TH, FR, SA, SU)", e.rrule.n, clip(d))
			}
			days = append(days, time.Weekday(i/2))
		}
	}
	for _, d := range days {
		if len(c.Week[d]) >= MaxShifts {
			return fmt.Errorf("line %d: over %d shifts on a weekday", e.rrule.n, MaxShifts)
		}
		c.Week[d] = append(c.Week[d], sh)
	}
	return nil
}

package calendar

import (
	"strings"
	"testing"
	"time"
)

const amsterdam = `{
  "time_zone": "Europe/Amsterdam",
  "week": {
    "monday": ["08:00-12:00", "12:30-17:00"],
    "tuesday": ["09:00-17:00"], "wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"],
    "saturday": ["22:00-06:00"]
  },
  "holidays": ["2024-03-05"],
  "annual_holidays": ["12-25"],
  "exceptions": {"2024-03-09": ["10:00-14:00", "22:00-06:00"], "2024-03-12": []}
}`

func mustRead(t *testing.T, text string) *Calendar {
	t.Helper()
	c, err := Read(strings.NewReader(text), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWorkingTime checks working time against figures worked out by hand
// on the calendar above: shifts, a lunch break, holidays, an exception,
// events outside working time, an overnight shift, both DST changes.
func TestWorkingTime(t *testing.T) {
	c := mustRead(t, amsterdam)
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, c.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	k, err := c.Clock(at("2024-01-01 00:00"), at("2024-12-31 23:00"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		why      string
		from, to string
		want     time.Duration
	}{
		{"inside one shift", "2024-03-04 08:30", "2024-03-04 11:00", 150 * time.Minute},
		{"over the lunch break (Monday 08-12, 12:30-17)", "2024-03-04 11:00", "2024-03-04 13:00", 90 * time.Minute},
		{"a whole Monday", "2024-03-04 00:00", "2024-03-05 00:00", 8*time.Hour + 30*time.Minute},
		{"both before work", "2024-03-04 06:00", "2024-03-04 07:59", 0},
		{"from before work", "2024-03-04 06:00", "2024-03-04 09:00", time.Hour},
		{"from after work to the next morning", "2024-03-07 18:00", "2024-03-08 10:00", time.Hour},
		{"over a holiday (Tuesday 5 March)", "2024-03-04 16:00", "2024-03-06 10:00", 2 * time.Hour},
		{"over an exception (Saturday 9 March 10-14 and 22-06)", "2024-03-08 16:00", "2024-03-09 23:00", time.Hour + 4*time.Hour + time.Hour},
		{"an exception's night shift into Sunday", "2024-03-09 23:00", "2024-03-10 12:00", 7 * time.Hour},
		{"an exception with no hours (Tuesday 12 March)", "2024-03-12 00:00", "2024-03-13 00:00", 0},
		{"a weekend's night shift", "2024-03-16 00:00", "2024-03-18 00:00", 8 * time.Hour},
		{"the night clocks go forward (31 March, 02:00 -> 03:00)", "2024-03-30 12:00", "2024-03-31 12:00", 7 * time.Hour},
		{"the night clocks go back (27 October, 03:00 -> 02:00)", "2024-10-26 12:00", "2024-10-27 12:00", 9 * time.Hour},
		{"a day shift on the Monday after the change", "2024-04-01 00:00", "2024-04-02 00:00", 8*time.Hour + 30*time.Minute},
		{"an annual holiday (Wednesday 25 December)", "2024-12-24 16:00", "2024-12-26 10:00", 2 * time.Hour},
		{"backwards", "2024-03-04 13:00", "2024-03-04 11:00", -90 * time.Minute},
		{"a week", "2024-03-18 00:00", "2024-03-25 00:00", 8*time.Hour + 30*time.Minute + 4*8*time.Hour + 8*time.Hour},
	} {
		if got := time.Duration(k.Working(at(tc.from), at(tc.to))); got != tc.want {
			t.Errorf("%s: %s to %s: %v, want %v", tc.why, tc.from, tc.to, got, tc.want)
		}
	}
}

// TestWorkingTimeNewYork: the US change (10 March 2024, 02:00 -> 03:00)
// with a night shift over it, and a span's first day reached by the night
// shift of the day before.
func TestWorkingTimeNewYork(t *testing.T) {
	c := mustRead(t, `{"time_zone": "America/New_York", "week": {"saturday": ["20:00-04:00"]}}`)
	ny := c.Zone
	lo := time.Date(2024, 3, 10, 1, 0, 0, 0, ny).UnixNano()
	k, err := c.Clock(lo, time.Date(2024, 3, 20, 0, 0, 0, 0, ny).UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(k.Working(lo, time.Date(2024, 3, 10, 12, 0, 0, 0, ny).UnixNano())); got != 2*time.Hour {
		t.Errorf("Sunday 01:00 to noon, the shift ending at 04:00 after the clocks skipped 02:00-03:00: %v, want 2h", got)
	}
}

func TestOverlappingShiftsCountOnce(t *testing.T) {
	c := mustRead(t, `{"time_zone": "UTC", "week": {"monday": ["09:00-12:00", "11:00-13:00", "12:30-12:45"]}}`)
	lo := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC).UnixNano()
	k, err := c.Clock(lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(k.Working(lo, hi)); got != 4*time.Hour {
		t.Errorf("%v, want 4h", got)
	}
}

func TestClockRefusesACenturyAndMore(t *testing.T) {
	c := mustRead(t, `{"time_zone": "UTC", "week": {}}`)
	_, err := c.Clock(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	if err == nil || !strings.Contains(err.Error(), "at most 40000") {
		t.Errorf("124 years: %v", err)
	}
}

// TestICalendarMatchesJSON: the iCalendar form of the Amsterdam calendar
// reads as the same calendar, with folded lines, a VTIMEZONE to skip, a
// UTC time and a quoted parameter.
func TestICalendarMatchesJSON(t *testing.T) {
	ics := strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-WR-TIMEZONE:Europe/Amsterdam
BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
BEGIN:STANDARD
DTSTART:19701025T030000
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
SUMMARY:morning
DTSTART;TZID=Europe/Amsterdam:20240101T080000
DTEND;TZID=Europe/Amsterdam:20240101T120000
RRULE:FREQ=WEEKLY;BYDAY=MO
END:VEVENT
BEGIN:VEVENT
SUMMARY;LANGUAGE="en:GB":afternoon
DTSTART;TZID=Europe/Amsterdam:20240101T123000
DTEND;TZID=Europe/Amsterdam:20240101T170000
RRULE:FREQ=WEEKLY
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Amsterdam:20240102T090000
DTEND;TZID=Europe/Amsterdam:20240102T170000
RRULE:FREQ=WEEKLY;WKST=MO;BY
 DAY=TU,WE,TH,FR
END:VEVENT
BEGIN:VEVENT
DTSTART:20240106T210000Z
DTEND:20240107T050000Z
RRULE:FREQ=WEEKLY;INTERVAL=1
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20240305
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20001225
DTEND;VALUE=DATE:20001226
RRULE:FREQ=YEARLY
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Amsterdam:20240309T100000
DTEND;TZID=Europe/Amsterdam:20240309T140000
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Amsterdam:20240309T220000
DTEND;TZID=Europe/Amsterdam:20240310T060000
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n")
	got, err := Read(strings.NewReader(ics), "work.ics")
	if err != nil {
		t.Fatal(err)
	}
	want := mustRead(t, amsterdam)
	// The exception of 12 March with no hours is a holiday in iCalendar.
	delete(want.Exceptions, Date{2024, 3, 12})
	want.Holidays[Date{2024, 3, 12}] = true
	got.Holidays[Date{2024, 3, 12}] = true
	g, w := got.File(), want.File()
	if !equalFiles(g, w) {
		t.Errorf("iCalendar %+v\nJSON %+v", g, w)
	}
}

func equalFiles(a, b *File) bool {
	same := func(x, y []string) bool { return strings.Join(x, "|") == strings.Join(y, "|") }
	if a.TimeZone != b.TimeZone || !same(a.Holidays, b.Holidays) || !same(a.AnnualHolidays, b.AnnualHolidays) || len(a.Week) != len(b.Week) || len(a.Exceptions) != len(b.Exceptions) {
		return false
	}
	for k, v := range a.Week {
		if !same(v, b.Week[k]) {
			return false
		}
	}
	for k, v := range a.Exceptions {
		if !same(v, b.Exceptions[k]) {
			return false
		}
	}
	return true
}

// TestBadCalendars: each malformed file gets an error that says where and
// why.
func TestBadCalendars(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{``, "neither a JSON calendar"},
		{`{"week": {}}`, "time_zone: missing"},
		{`{"time_zone": "Mars/Olympus"}`, `time_zone: "Mars/Olympus" is not a time zone`},
		{`{"time_zone": "Local"}`, `"Local" is not a time zone name`},
		{`{"time_zone": "../../etc/passwd"}`, "is not a time zone name"},
		{`{"time_zone": "UTC", "week": {"funday": []}}`, "week.funday: not a weekday"},
		{`{"time_zone": "UTC", "week": {"monday": ["9-17"]}}`, `week.monday[0]: "9-17" is not a shift`},
		{`{"time_zone": "UTC", "week": {"monday": ["09:00-09:00"]}}`, "ends when it starts"},
		{`{"time_zone": "UTC", "week": {"monday": ["24:00-09:00"]}}`, "is not a shift"},
		{`{"time_zone": "UTC", "week": {"monday": ["09:00-17:60"]}}`, "is not a shift"},
		{`{"time_zone": "UTC", "holidays": ["2024-02-30"]}`, `holidays[0]: "2024-02-30" is not a date`},
		{`{"time_zone": "UTC", "annual_holidays": ["12-32"]}`, "annual_holidays[0]"},
		{`{"time_zone": "UTC", "exceptions": {"tomorrow": []}}`, "exceptions.tomorrow"},
		{`{"time_zone": "UTC", "week": {"monday": "09:00-17:00"}}`, "week: a string where the calendar has a []string"},
		{`{"time_zone": "UTC", "hours": 8}`, `unknown field "hours"`},
		{"{\"time_zone\": \"UTC\",\n\"week\": {,}}", "line 2"},
		{`{"time_zone": "UTC"} {}`, "more than one JSON value"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nEND:VEVENT\nEND:VCALENDAR", "line 3: a timed event without DTEND"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDTEND:20240101T170000\nRRULE:FREQ=WEEKLY;COUNT=3\nEND:VEVENT\nEND:VCALENDAR", "line 5: RRULE COUNT=3 is not read"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDTEND:20240101T170000\nRRULE:FREQ=DAILY\nEND:VEVENT\nEND:VCALENDAR", "line 5: working hours repeat FREQ=WEEKLY"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDTEND:20240101T170000\nRRULE:FREQ=WEEKLY;BYDAY=XX\nEND:VEVENT\nEND:VCALENDAR", `BYDAY "XX" is not a weekday`},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDTEND:20240103T090000\nEND:VEVENT\nEND:VCALENDAR", "less than a day"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=Europe/Paris:20240101T090000\nDTEND;TZID=Europe/Berlin:20240101T170000\nEND:VEVENT\nEND:VCALENDAR", "line 4: DTEND is in Europe/Berlin, the calendar in Europe/Paris"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2024-01-01\nEND:VEVENT\nEND:VCALENDAR", "line 3: DTSTART \"2024-01-01\" is not a date-time"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR", "line 3: END:VCALENDAR does not close"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDURATION:PT8H\nEND:VEVENT\nEND:VCALENDAR", "line 4: DURATION is not read"},
		{"BEGIN:VCALENDAR\n", "no END:VCALENDAR"},
		{"BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR", "line 3: content after END:VCALENDAR"},
		{"BEGIN:VCALENDAR\n\n continued\nEND:VCALENDAR", "line 3: a continuation with no line before it"},
		{"BEGIN:VCALENDAR\nX-WR-TIMEZONE:Nowhere/Land\nEND:VCALENDAR", `time zone: "Nowhere/Land"`},
		{"BEGIN:VCALENDAR\nSUMMARY;X=\"open:END:VCALENDAR", `unclosed quote`},
		{"{\"time_zone\": \"UTC\", \"week\": {\"monday\": [" + strings.Repeat(`"09:00-10:00",`, 60) + `"09:00-10:00"]}}`, "61 shifts; at most 48"},
		{strings.Repeat(" ", MaxBytes+1), "over 1048576 bytes"},
	} {
		_, err := Read(strings.NewReader(tc.text), "cal")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "cal: ") {
			t.Errorf("%.60q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

// TestWeeklyHours: the Amsterdam calendar's week is Monday's 8.5 hours,
// four days of 8 and Saturday night's 8, on six weekdays.
func TestWeeklyHours(t *testing.T) {
	week, days := mustRead(t, amsterdam).WeeklyHours()
	if week != 48*time.Hour+30*time.Minute || days != 6 {
		t.Errorf("%v on %d days", week, days)
	}
}

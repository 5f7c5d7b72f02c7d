package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// MaxBytes bounds a calendar file.
const MaxBytes = 1 << 20

// File is a calendar as JSON, the form procmine reads, stores and writes:
//
//	{
//	  "time_zone": "Europe/Amsterdam",
//	  "week": {"monday": ["08:00-12:00", "12:30-17:00"], "saturday": ["22:00-06:00"]},
//	  "holidays": ["2012-04-09"],
//	  "annual_holidays": ["12-25", "01-01"],
//	  "exceptions": {"2012-03-03": ["10:00-14:00"], "2012-12-24": []}
//	}
//
// A shift is "HH:MM-HH:MM" (24:00 may end one; an end before the start
// ends on the next day); weekdays are named in English, in lower case; a
// weekday not named has no working hours.
type File struct {
	TimeZone       string              `json:"time_zone"`
	Week           map[string][]string `json:"week"`
	Holidays       []string            `json:"holidays,omitempty"`
	AnnualHolidays []string            `json:"annual_holidays,omitempty"`
	Exceptions     map[string][]string `json:"exceptions,omitempty"`
}

var weekdays = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Read reads a calendar file, JSON (File) or iCalendar (see ReadICal),
// whichever it holds. name is used in messages.
func Read(r io.Reader, name string) (*Calendar, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%s: over %d bytes; a calendar file may have at most that", name, MaxBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if bytes.HasPrefix(trimmed, []byte("{")) {
		return parseJSON(data, name)
	}
	if bytes.HasPrefix(bytes.ToUpper(trimmed), []byte("BEGIN:VCALENDAR")) {
		return parseICal(data, name)
	}
	return nil, fmt.Errorf("%s: neither a JSON calendar (starting with {) nor an iCalendar file (starting with BEGIN:VCALENDAR)", name)
}

func parseJSON(data []byte, name string) (*Calendar, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, fmt.Errorf("%s: line %d: %v", name, line, se)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s: %s: a %s where the calendar has a %s", name, te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", name)
	}
	c, err := f.Calendar()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Calendar checks the file and makes its calendar; errors name the field.
func (f *File) Calendar() (*Calendar, error) {
	if f.TimeZone == "" {
		return nil, errors.New("time_zone: missing (an IANA name such as Europe/Amsterdam, or UTC)")
	}
	zone, err := loadZone(f.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	c := &Calendar{Zone: zone, Holidays: map[Date]bool{}, Annual: map[MonthDay]bool{}, Exceptions: map[Date][]Shift{}}
	if n := len(f.Holidays) + len(f.AnnualHolidays) + len(f.Exceptions); n > MaxDates {
		return nil, fmt.Errorf("%d holidays and exceptions; at most %d", n, MaxDates)
	}
	for day, shifts := range f.Week {
		i := slices.Index(weekdays[:], day)
		if i < 0 {
			return nil, fmt.Errorf("week.%s: not a weekday (monday to sunday, in lower case)", day)
		}
		if c.Week[i], err = parseShifts("week."+day, shifts); err != nil {
			return nil, err
		}
	}
	for i, s := range f.Holidays {
		d, err := parseDate(s)
		if err != nil {
			return nil, fmt.Errorf("holidays[%d]: %w", i, err)
		}
		c.Holidays[d] = true
	}
	for i, s := range f.AnnualHolidays {
		var md MonthDay
		d, err := parseDate("2000-" + s) // a leap year, so 02-29 is a day
		if err != nil || strings.Count(s, "-") != 1 {
			return nil, fmt.Errorf("annual_holidays[%d]: %q is not a month and day (MM-DD)", i, s)
		}
		md.Month, md.Day = d.Month, d.Day
		c.Annual[md] = true
	}
	for day, shifts := range f.Exceptions {
		d, err := parseDate(day)
		if err != nil {
			return nil, fmt.Errorf("exceptions.%s: %w", day, err)
		}
		sh, err := parseShifts("exceptions."+day, shifts)
		if err != nil {
			return nil, err
		}
		c.Exceptions[d] = sh
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func loadZone(name string) (*time.Location, error) {
	// time.LoadLocation also reads the path in ZONEINFO and takes
	// "Local"; a calendar names a zone, nothing else.
	if name == "Local" || strings.ContainsAny(name, `\`) || strings.Contains(name, "..") || strings.HasPrefix(name, "/") || len(name) > 64 {
		return nil, fmt.Errorf("%q is not a time zone name", name)
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone procmine knows (an IANA name such as Europe/Amsterdam)", name)
	}
	return z, nil
}

func parseShifts(field string, list []string) ([]Shift, error) {
	if len(list) > MaxShifts {
		return nil, fmt.Errorf("%s: %d shifts; at most %d a day", field, len(list), MaxShifts)
	}
	out := make([]Shift, 0, len(list))
	for i, s := range list {
		from, to, ok := strings.Cut(s, "-")
		var sh Shift
		var err1, err2 error
		if ok {
			sh.From, err1 = parseClock(from, false)
			sh.To, err2 = parseClock(to, true)
		}
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s[%d]: %q is not a shift (HH:MM-HH:MM, such as 09:00-17:30)", field, i, s)
		}
		if sh.From == sh.To {
			return nil, fmt.Errorf("%s[%d]: %q ends when it starts", field, i, s)
		}
		if sh.To == 0 {
			sh.To = 24 * 60
		}
		out = append(out, sh)
	}
	return out, nil
}

// parseClock reads HH:MM; 24:00 only where a shift ends.
func parseClock(s string, end bool) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 5 || s[2] != ':' {
		return 0, errors.New("not HH:MM")
	}
	h, m := 0, 0
	for _, c := range s[:2] + s[3:] {
		if c < '0' || c > '9' {
			return 0, errors.New("not HH:MM")
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, errors.New("not a time of day")
	}
	return h*60 + m, nil
}

func parseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// File returns the calendar in its JSON form.
func (c *Calendar) File() *File {
	f := &File{TimeZone: c.Zone.String(), Week: map[string][]string{}, Exceptions: map[string][]string{}}
	for i, day := range c.Week {
		if len(day) > 0 {
			f.Week[weekdays[i]] = shiftStrings(day)
		}
	}
	for d := range c.Holidays {
		f.Holidays = append(f.Holidays, d.String())
	}
	slices.Sort(f.Holidays)
	for md := range c.Annual {
		f.AnnualHolidays = append(f.AnnualHolidays, fmt.Sprintf("%02d-%02d", md.Month, md.Day))
	}
	slices.Sort(f.AnnualHolidays)
	for d, s := range c.Exceptions {
		f.Exceptions[d.String()] = shiftStrings(s)
	}
	return f
}

func shiftStrings(s []Shift) []string {
	out := make([]string, len(s))
	for i, sh := range s {
		out[i] = sh.String()
	}
	return out
}

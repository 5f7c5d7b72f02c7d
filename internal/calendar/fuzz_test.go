package calendar

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzRead: any bytes either fail to read with an error or give a
// calendar whose JSON form reads back as the same calendar, and whose
// clock over a fortnight gives working time between nothing and the
// elapsed time, growing with the span.
func FuzzRead(f *testing.F) {
	f.Add([]byte(amsterdam))
	f.Add([]byte(`{"time_zone": "America/New_York", "week": {"saturday": ["20:00-04:00"]}}`))
	f.Add([]byte("BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Europe/Amsterdam\r\nBEGIN:VEVENT\r\nDTSTART:20240101T090000\r\nDTEND:20240101T170000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20240101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=\"Europe/Paris\":20240309T220000\nDTEND;TZID=Europe/Paris:20240310T060000\nEND:VEVENT\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		text, err := json.Marshal(c.File())
		if err != nil {
			t.Fatal(err)
		}
		again, err := Read(bytes.NewReader(text), "again")
		if err != nil {
			t.Fatalf("the JSON form does not read back: %v\n%s", err, text)
		}
		if !equalFiles(c.File(), again.File()) {
			t.Fatalf("the JSON form reads back otherwise: %s", text)
		}
		lo := time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC).UnixNano()
		hi := lo + int64(14*24*time.Hour)
		k, err := c.Clock(lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		prev := int64(0)
		for s := lo; s <= hi; s += int64(97 * time.Minute) {
			w := k.Working(lo, s)
			if w < prev || w > s-lo {
				t.Fatalf("working time %v up to %v after %v", time.Duration(w), time.Duration(s-lo), time.Duration(prev))
			}
			prev = w
		}
	})
}

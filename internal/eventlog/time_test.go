package eventlog

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	tests := []struct {
		in   string
		want int64 // 0 with ok=false
		ok   bool
	}{
		{"2011-10-01T00:38:44.546+02:00", utc("2011-09-30T22:38:44.546Z"), true},
		{"2011-10-01T00:38:44.546000+02:00", utc("2011-09-30T22:38:44.546Z"), true},
		{"2011-10-11 13:45:40.276000+02:00", utc("2011-10-11T11:45:40.276Z"), true},
		{"2010-12-30 14:32:00+01:00", utc("2010-12-30T13:32:00Z"), true},
		{"2006-07-24T00:00:00", utc("2006-07-24T00:00:00Z"), true},
		{"2006-07-24T00:00:00.000", utc("2006-07-24T00:00:00Z"), true},
		{"2019/11/03 01:11:19.000", utc("2019-11-03T01:11:19Z"), true},
		{"1980-01-01 01:01:01", utc("1980-01-01T01:01:01Z"), true},
		{"1970-01-01T00:00:00.000+01:00", utc("1969-12-31T23:00:00Z"), true},
		{"2015-01-05T09:02:50Z", utc("2015-01-05T09:02:50Z"), true},
		{"2015-01-05T09:02:50.123456789Z", utc("2015-01-05T09:02:50.123456789Z"), true},
		{"2015-01-05T09:02:50-0530", utc("2015-01-05T14:32:50Z"), true},
		{"2015-01-05T09:02:50+02", utc("2015-01-05T07:02:50Z"), true},
		{"2015-01-05T09:02", utc("2015-01-05T09:02:00Z"), true},
		{"2015-01-05", utc("2015-01-05T00:00:00Z"), true},
		{"2016-02-29", utc("2016-02-29T00:00:00Z"), true},
		{"1600-03-01", utc("1600-03-01T00:00:00Z") - 0, false}, // before 1678: outside int64 nanoseconds
		{"2015-02-29", 0, false},
		{"2015-13-01", 0, false},
		{"2015-01-05T25:00", 0, false},
		{"2015-01-05T09:02:50.", 0, false},
		{"2015-01-05T09:02:50+2", 0, false},
		{"2015-01-05X", 0, false},
		{"2015-01-05T09:02:50 trailing", 0, false},
		{"?", 0, false},
		{"", 0, false},
		{"05/01/2015", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseTime(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseTime(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseWallTimeIgnoresOffset(t *testing.T) {
	a, _ := ParseWallTime("2011-10-01T00:38:44+02:00")
	b, _ := ParseTime("2011-10-01T00:38:44Z")
	if a != b {
		t.Errorf("wall time %d, want %d", a, b)
	}
}

func TestFormatTimeRoundTrip(t *testing.T) {
	for _, ns := range []int64{0, 1_317_422_324_546_000_000, 1_317_422_324_546_123_456, -3_600_000_000_000} {
		s := FormatTime(ns)
		got, ok := ParseTime(s)
		if !ok || got != ns {
			t.Errorf("FormatTime(%d) = %q, which parses to %d, %v", ns, s, got, ok)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2011-10-01T00:38:44.546+02:00", "2019/11/03 01:11:19.000", "2015-01-05", "?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, ok := ParseTime(s)
		if !ok {
			return
		}
		// Whatever parses must format and parse back to the same instant.
		if back, ok := ParseTime(FormatTime(ns)); !ok || back != ns {
			t.Errorf("%q -> %d -> %q -> %d", s, ns, FormatTime(ns), back)
		}
	})
}

// TestAppendTimeIsTheLayout: the hand-written formatter writes what Go's
// layouts write, milliseconds always, finer fractions as needed.
func TestAppendTimeIsTheLayout(t *testing.T) {
	for _, ns := range []int64{0, 1, 999, 1e6, 1_700_000_000_123_000_000, 1_700_000_000_123_400_000, 1_700_000_000_000_000_001,
		-1, -1e6, -3_000_000_000_000_000_000, 4_000_000_000_000_000_000, time.Date(2140, 12, 31, 23, 59, 59, 999_999_999, time.UTC).UnixNano()} {
		tm := time.Unix(0, ns).UTC()
		want := tm.Format(time.RFC3339Nano)
		if ns%1e6 == 0 {
			want = tm.Format("2006-01-02T15:04:05.000Z07:00")
		}
		if got := FormatTime(ns); got != want {
			t.Errorf("FormatTime(%d) = %q, want %q", ns, got, want)
		}
	}
}

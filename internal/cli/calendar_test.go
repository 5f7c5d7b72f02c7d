package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestCalendarFlag: --calendar gives stats and the performance map in
// working time beside elapsed time and lets duration filters use it; a
// bad calendar or a working-time filter without one is refused.
func TestCalendarFlag(t *testing.T) {
	log := testlogs.Path(t, "xes/running-example.xes")
	dir := t.TempDir()
	cal := filepath.Join(dir, "office.json")
	if err := os.WriteFile(cal, []byte(`{"time_zone": "Europe/Amsterdam", "week": {"monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"],
		"wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCode("stats", log, "--calendar", cal)
	if code != 0 || !strings.Contains(out, "in working time") || !strings.Contains(out, "office.json") {
		t.Fatalf("stats: %d %s %s", code, out, errs)
	}
	var st struct {
		Elapsed struct{ Max float64 } `json:"case_duration_seconds"`
		Working struct{ Max float64 } `json:"working_case_duration_seconds"`
	}
	code, out, _ = runCode("stats", log, "--calendar", cal, "--json")
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Working.Max <= 0 || st.Working.Max >= st.Elapsed.Max/2 {
		t.Errorf("stats --json: %d %v %+v", code, err, st)
	}
	var m struct {
		WorkingTime bool `json:"working_time"`
	}
	code, out, _ = runCode("map", log, "--view", "performance", "--calendar", cal)
	if err := json.Unmarshal([]byte(out), &m); code != 0 || err != nil || !m.WorkingTime {
		t.Errorf("map: %d %v %.200s", code, err, out)
	}
	code, out, _ = runCode("map", log, "--view", "performance", "--calendar", cal, "-o", filepath.Join(dir, "m.dot"))
	if dot, err := os.ReadFile(filepath.Join(dir, "m.dot")); code != 0 || err != nil || !strings.Contains(string(dot), "Mean working time between activities") {
		t.Errorf("map DOT: %d %v %s", code, err, out)
	}
	// The running example's cases last 6 to 18.2 days elapsed and 32.7
	// hours to 4.2 days in working time (8 hours a weekday).
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--min-duration", "5d"}, "cases                    6\n"},
		{[]string{"--calendar", cal, "--duration-time", "working", "--min-duration", "3d"}, "cases                    2\n"},
		{[]string{"--calendar", cal, "--duration-time", "elapsed", "--min-duration", "3d"}, "cases                    6\n"},
	} {
		if code, out, errs := runCode(append([]string{"stats", log}, c.args...)...); code != 0 || !strings.HasPrefix(out, c.want) {
			t.Errorf("%v: %d %.40q %s, want %q", c.args, code, out, errs, c.want)
		}
	}
	if code, out, errs := runCode("compare", log, "--calendar", cal, "--a", "to=2010-12-31", "--b", "from=2011-01-01", "--json"); code != 0 || !strings.Contains(out, `"working_time": true`) {
		t.Errorf("compare in working time: %d %.200s %s", code, out, errs)
	}
	if code, out, errs := runCode("rootcause", log, "--calendar", cal, "--outcome", "duration>2d"); code != 0 || !strings.Contains(out, "case longer than 2d in working time") {
		t.Errorf("root causes in working time: %d %.300s %s", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"stats", log, "--duration-time", "working", "--min-duration", "1d"}, 2, "--duration-time working needs a working calendar"},
		{[]string{"stats", log, "--duration-time", "wall"}, 2, `--duration-time: elapsed or working, not "wall"`},
		{[]string{"stats", log, "--calendar", filepath.Join(dir, "missing.json")}, 1, "missing.json"},
	} {
		code, _, errs := runCode(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %s, want %d %q", c.args, code, errs, c.code, c.want)
		}
	}
	bad := filepath.Join(dir, "bad.ics")
	if err := os.WriteFile(bad, []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nDTEND:20240101T170000\nRRULE:FREQ=MONTHLY\nEND:VEVENT\nEND:VCALENDAR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCode("stats", log, "--calendar", bad); code == 0 || !strings.Contains(errs, "bad.ics: line 5: working hours repeat FREQ=WEEKLY, not MONTHLY") {
		t.Errorf("a bad iCalendar file: %d %s", code, errs)
	}
}

package mining

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/calendar"
)

// TestWorkingTime: edge and case durations and the duration filter in
// working time (weekdays 09:00-17:00 UTC), against figures worked out by
// hand; 1 January 2024 is a Monday.
func TestWorkingTime(t *testing.T) {
	l := logOf(t,
		"1 a 480", "1 b 600", "1 c 2040", // Monday 08:00, 10:00, Tuesday 10:00
		"2 a 6720", "2 c 10680", // Friday 16:00, Monday 10:00
	)
	cal, err := calendar.Read(strings.NewReader(`{"time_zone": "UTC", "week": {"monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"],
		"wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"]}}`), "cal")
	if err != nil {
		t.Fatal(err)
	}
	k, err := WorkingClock(cal, l)
	if err != nil {
		t.Fatal(err)
	}
	g := ComputeDFG(l, WithPerformance(), WithWorkingTime(k))
	want := map[string]float64{"a>b": 3600, "b>c": 8 * 3600, "a>c": 2 * 3600}
	for _, e := range g.Edges {
		key := g.Activities[e.From] + ">" + g.Activities[e.To]
		if e.Perf.Mean != want[key] {
			t.Errorf("%s: %v s of working time, want %v", key, e.Perf.Mean, want[key])
		}
	}
	durs := WorkingCaseDurations(l, k)
	if time.Duration(durs[0]) != 9*time.Hour || time.Duration(durs[1]) != 2*time.Hour {
		t.Errorf("case durations %v %v, want 9h and 2h (elapsed 26h and 66h)", time.Duration(durs[0]), time.Duration(durs[1]))
	}
	long := int64(5 * time.Hour)
	if got := Apply(l, DurationRange{Min: long, Max: NoMaxDuration, Clock: k}); got.NumCases() != 1 || got.CaseIDs[0] != "1" {
		t.Errorf("cases of at least 5 working hours: %v", got.CaseIDs)
	}
	if got := Apply(l, DurationRange{Min: long, Max: NoMaxDuration}); got.NumCases() != 2 {
		t.Errorf("cases of at least 5 hours: %v", got.CaseIDs)
	}
	s := ComputeStats(l)
	s.AddWorkingTime(l, k)
	if s.WorkingCaseDuration == nil || s.WorkingCaseDuration.Max != 9*3600 || s.CaseDuration.Max != 66*3600 {
		t.Errorf("stats: working %+v, elapsed %+v", s.WorkingCaseDuration, s.CaseDuration)
	}
}

// TestDurationRangeWrittenAlike: the same working-time range with two
// clocks is written alike, so that disclosure control's question does not
// change with a clock's address.
func TestDurationRangeWrittenAlike(t *testing.T) {
	a := []Filter{DurationRange{Min: 1, Max: 2, Clock: &calendar.Clock{}}}
	b := []Filter{DurationRange{Min: 1, Max: 2, Clock: &calendar.Clock{}}}
	if x, y := fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b); x != y || !strings.Contains(x, "Working:true") {
		t.Errorf("%s\n%s", x, y)
	}
}

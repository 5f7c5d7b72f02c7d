package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestCalendarAPI on both stores: the owner sets a working calendar
// (weekday mornings); readers read it but may not set it; a bad one is
// refused with where and why and changes nothing; reports measure in
// working time on request (duration-time=working): the duration filter,
// the statistics and the performance map; a new calendar is not answered
// from the old one's cache; without a calendar, working time is a clear
// error.
func TestCalendarAPI(t *testing.T) {
	mornings := `{"time_zone": "UTC", "week": {"monday": ["09:00-12:00"], "tuesday": ["09:00-12:00"], "wednesday": ["09:00-12:00"], "thursday": ["09:00-12:00"], "friday": ["09:00-12:00"]}}`
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			cal := w.process + "/calendar"
			if code, body := owner.do("GET", w.process+"/report?duration-time=working", "", nil); code != 422 || !strings.Contains(body, "needs the process's working calendar") {
				t.Errorf("working time without a calendar: %d %s", code, body)
			}
			if code, _ := owner.do("GET", cal, "", nil); code != 404 {
				t.Errorf("no calendar yet: %d", code)
			}
			var got struct {
				Calendar struct {
					TimeZone string              `json:"time_zone"`
					Week     map[string][]string `json:"week"`
				} `json:"calendar"`
			}
			owner.json("PUT", cal, mornings, 200, &got)
			if got.Calendar.TimeZone != "UTC" || len(got.Calendar.Week) != 5 {
				t.Fatalf("%+v", got)
			}
			pmu.json("GET", cal, "", 200, &got)
			if code, _ := pmu.do("PUT", cal, mornings, nil); code != 403 {
				t.Errorf("a reader sets the calendar: %d", code)
			}
			for _, bad := range []string{`{"time_zone": "UTC", "week": {"monday": ["9-12"]}}`, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101T090000\nEND:VEVENT\nEND:VCALENDAR", "hello"} {
				code, body := owner.do("PUT", cal, bad, nil)
				if code != 422 || !strings.Contains(body, "the calendar") {
					t.Errorf("%q: %d %s", bad, code, body)
				}
			}
			pmu.json("GET", cal, "", 200, &got)
			if len(got.Calendar.Week["monday"]) != 1 {
				t.Errorf("a refused calendar changed the stored one: %+v", got)
			}

			// Cases last 30 to 329 minutes from 09:00 plus a minute a
			// day: in working time under 3 hours each, none on weekends.
			var elapsed, working kpiAnswer
			owner.json("GET", w.process+"/report?min-duration=3h", "", 200, &elapsed)
			owner.json("GET", w.process+"/report?min-duration=3h&duration-time=working", "", 200, &working)
			if elapsed.Cases == 0 || working.Cases != 0 {
				t.Errorf("cases of 3 hours and more: %d elapsed, %d in working time", elapsed.Cases, working.Cases)
			}
			var stats struct {
				Working *struct {
					Mean float64 `json:"mean"`
					Max  float64 `json:"max"`
				} `json:"working_case_duration_seconds"`
			}
			owner.json("GET", w.process+"/statistics?duration-time=working", "", 200, &stats)
			if stats.Working == nil || stats.Working.Max > 3*3600 || stats.Working.Mean <= 0 {
				t.Errorf("statistics in working time: %+v", stats.Working)
			}
			var m struct {
				WorkingTime bool `json:"working_time"`
				Edges       []struct {
					Mean *float64 `json:"mean_seconds"`
				} `json:"edges"`
			}
			for _, c := range []*client{owner, pmu} {
				c.json("GET", w.process+"/map?view=performance&duration-time=working", "", 200, &m)
				if !m.WorkingTime || len(m.Edges) == 0 {
					t.Errorf("map in working time: %+v", m)
				}
			}
			// Comparison and root causes in working time too.
			var cmp struct {
				WorkingTime bool `json:"working_time"`
				A           struct {
					Median *float64 `json:"median_duration_seconds"`
				} `json:"a"`
			}
			owner.json("GET", w.process+"/compare?duration-time=working&a=to%3D2024-01-20%26time-mode%3Dstarted&b=from%3D2024-01-21%26time-mode%3Dstarted", "", 200, &cmp)
			if !cmp.WorkingTime || cmp.A.Median == nil || *cmp.A.Median > 3*3600 {
				t.Errorf("compare in working time: %+v", cmp)
			}
			var rc struct {
				Outcome string `json:"outcome"`
				Cases   int    `json:"outcome_cases"`
			}
			owner.json("GET", w.process+"/root-cause?duration-time=working&outcome=duration%3E2h", "", 200, &rc)
			var rcElapsed struct {
				Cases int `json:"outcome_cases"`
			}
			owner.json("GET", w.process+"/root-cause?outcome=duration%3E2h", "", 200, &rcElapsed)
			if rc.Outcome != "case longer than 2h in working time" || rc.Cases >= rcElapsed.Cases {
				t.Errorf("root causes in working time: %+v, elapsed %d cases", rc, rcElapsed.Cases)
			}
			// A new calendar, the same question: a new answer.
			owner.json("PUT", cal, strings.ReplaceAll(mornings, "12:00", "10:00"), 200, nil)
			owner.json("GET", w.process+"/statistics?duration-time=working", "", 200, &stats)
			if stats.Working == nil || stats.Working.Max > 3600 {
				t.Errorf("statistics after the calendar changed: %+v", stats.Working)
			}
			if code, _ := owner.do("DELETE", cal, "", nil); code != 204 {
				t.Errorf("delete: %d", code)
			}
			if code, body := owner.do("GET", w.process+"/statistics?duration-time=working", "", nil); code != 422 {
				t.Errorf("after the calendar was removed: %d %s", code, body)
			}
			var probe json.RawMessage
			owner.json("GET", w.process+"/statistics", "", 200, &probe)
		})
	}
}

// TestWorkingMedianNeedsTwoK: a report reader's statistics in working
// time give the median only where the elapsed median is given, from 2k
// cases: on a view of fewer (the first week's cases), a median is one
// case's figure (read-through of issue 19's change).
func TestWorkingMedianNeedsTwoK(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			owner.json("PUT", w.process+"/calendar", `{"time_zone": "UTC", "week": {"monday": ["00:00-24:00"], "tuesday": ["00:00-24:00"], "wednesday": ["00:00-24:00"], "thursday": ["00:00-24:00"], "friday": ["00:00-24:00"], "saturday": ["00:00-24:00"], "sunday": ["00:00-24:00"]}}`, 200, nil)
			var st struct {
				Working map[string]any `json:"working_case_duration_seconds"`
			}
			pmu.json("GET", w.process+"/statistics?duration-time=working&from=2024-01-01&to=2024-01-07&time-mode=started", "", 200, &st)
			if _, ok := st.Working["median"]; ok || st.Working == nil {
				t.Errorf("a reader's working time on a view of 7 cases: %v", st.Working)
			}
			pmu.json("GET", w.process+"/statistics?duration-time=working", "", 200, &st)
			if _, ok := st.Working["median"]; !ok {
				t.Errorf("a reader's working time on 40 cases has no median: %v", st.Working)
			}
			// The studio's median tile says the same.
			page := strings.Replace(strings.Replace(w.process, "/api/v1/environments/", "/e/", 1), "/processes/", "/p/", 1)
			median := regexp.MustCompile(`id="kpi-median">([^<]*)<`)
			for _, c := range []struct{ query, want string }{
				{"?duration-time=working&from=2024-01-01&to=2024-01-07&time-mode=started", "–"},
				{"?duration-time=working", ""},
			} {
				code, html := pmu.do("GET", page+c.query, "", nil)
				m := median.FindStringSubmatch(html)
				if code != 200 || m == nil || (c.want == "–") != (m[1] == "–") {
					t.Errorf("the studio's median for a reader at %s: %d %q", c.query, code, m)
				}
			}
		})
	}
}

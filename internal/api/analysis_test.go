package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

type comparisonAnswer struct {
	A, B struct {
		Cases  int      `json:"cases"`
		Median *float64 `json:"median_duration_seconds"`
		P90    *float64 `json:"p90_duration_seconds"`
	}
	Duration *struct {
		Statistic float64 `json:"statistic"`
		P         float64 `json:"p_value"`
	} `json:"case_duration_test"`
	Activities []struct {
		Activity string
		CasesA   int `json:"cases_a"`
		CasesB   int `json:"cases_b"`
	}
	Paths []struct {
		From, To string
		CasesA   int `json:"cases_a"`
		CasesB   int `json:"cases_b"`
	}
	Appeared []struct {
		Activities []string
		Cases      int
	} `json:"appeared_variants"`
	Disclosure *struct {
		K          int `json:"k"`
		Activities int `json:"activities"`
	} `json:"disclosure"`
}

// TestCompareAPI on both stores: the owner compares the first 20 days'
// cases with the last 20 exactly; a Process Mining User gets the same
// comparison through disclosure control, where the target's path
// (Escalate, one case) and every group under k = 5 are withheld and the
// counts carry noise; a reader cannot filter a cohort by attribute values;
// malformed and too narrow cohorts are refused.
func TestCompareAPI(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			query := func(a, b string) string {
				return w.process + "/compare?" + url.Values{"a": {a}, "b": {b}}.Encode()
			}
			early, late := "from=2024-01-01&to=2024-01-20&time-mode=started", "from=2024-01-21&to=2024-02-20&time-mode=started"
			var exact comparisonAnswer
			owner.json("GET", query(early, late), "", 200, &exact)
			if exact.A.Cases != 20 || exact.B.Cases != 20 || exact.Duration == nil || exact.Disclosure != nil {
				t.Fatalf("owner: %+v", exact)
			}
			escalated := false
			for _, a := range exact.Activities {
				if a.Activity == "Escalate" && a.CasesA == 0 && a.CasesB == 1 {
					escalated = true
				}
			}
			if !escalated {
				t.Errorf("the owner does not see Escalate in B: %+v", exact.Activities)
			}

			code, body := pmu.do("GET", query(early, late), "", nil)
			var guarded comparisonAnswer
			if err := json.Unmarshal([]byte(body), &guarded); code != 200 || err != nil {
				t.Fatalf("reader: %d %s", code, body)
			}
			if guarded.Disclosure == nil || guarded.Disclosure.K != 5 || guarded.A.Cases < 5 || guarded.Duration != nil && guarded.Duration.Statistic != 0 || guarded.A.P90 != nil {
				t.Errorf("reader: %s", body)
			}
			// The review's attack: a cohort of six cases, the target and
			// five others, against the five: its median and percentile
			// would be the target's.
			six, five := "from=2024-01-16&to=2024-01-21&time-mode=started", "from=2024-01-16&to=2024-01-20&time-mode=started"
			var tiny comparisonAnswer
			code, body = pmu.do("GET", query(six, five), "", nil)
			if err := json.Unmarshal([]byte(body), &tiny); code != 200 || err != nil || tiny.A.Median != nil || tiny.A.P90 != nil || tiny.Duration != nil {
				t.Errorf("a reader's small cohorts: %d %s", code, body)
			}
			if strings.Contains(body, "Escalate") {
				t.Errorf("the reader sees the target's activity: %s", body)
			}
			small := func(n int) bool { return n > 0 && n < 5 }
			for _, a := range guarded.Activities {
				if small(a.CasesA) || small(a.CasesB) {
					t.Errorf("reader: activity %+v", a)
				}
			}
			for _, p := range guarded.Paths {
				if small(p.CasesA) || small(p.CasesB) {
					t.Errorf("reader: path %+v", p)
				}
			}
			for _, v := range guarded.Appeared {
				if small(v.Cases) {
					t.Errorf("reader: variant %+v", v)
				}
			}

			for _, c := range []struct {
				who        *client
				a, b, code string
			}{
				{pmu, "case-attr=region%3Dnorth", late, "forbidden"},
				{pmu, "from=2024-01-21&to=2024-01-21&time-mode=started", late, "too_few_cases"},
				{owner, "colour=red", late, "invalid"},
				{owner, "from=whenever", late, "invalid"},
				{owner, "", "", "invalid"},
			} {
				code, body := c.who.do("GET", query(c.a, c.b), "", nil)
				if code < 400 || errorCode(t, body) != c.code {
					t.Errorf("a=%s b=%s: %d %s, want %s", c.a, c.b, code, body, c.code)
				}
			}
		})
	}
}

type rootCauseAnswer struct {
	Cases        int `json:"cases"`
	OutcomeCases int `json:"outcome_cases"`
	Factors      []struct {
		Kind, Name string
		Cases      int `json:"cases"`
		Outcome    int `json:"outcome_cases"`
	} `json:"factors"`
	Tree *struct {
		Cases int    `json:"cases"`
		Split string `json:"split"`
	} `json:"tree"`
	Disclosure *struct {
		K int `json:"k"`
	} `json:"disclosure"`
}

// TestRootCauseAPI on both stores: the owner's analysis of the cases over
// three hours is exact and names Escalate (one case); a Process Mining
// User's has noise, shows no group under k and not the target's activity,
// and cannot tell a rare activity from one that does not exist.
func TestRootCauseAPI(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			path := func(q string) string { return w.process + "/root-cause?" + q }
			var exact rootCauseAnswer
			owner.json("GET", path("outcome=duration%3E3h&factors=50"), "", 200, &exact)
			if exact.Cases != 40 || exact.OutcomeCases == 0 || exact.Disclosure != nil || exact.Tree == nil || len(exact.Factors) == 0 {
				t.Fatalf("owner: %+v", exact)
			}
			seen := false
			for _, f := range exact.Factors {
				seen = seen || f.Name == "Escalate"
			}
			if !seen {
				t.Errorf("the owner does not see Escalate among %+v", exact.Factors)
			}
			code, body := pmu.do("GET", path("outcome=duration%3E3h&factors=50"), "", nil)
			var guarded rootCauseAnswer
			if err := json.Unmarshal([]byte(body), &guarded); code != 200 || err != nil {
				t.Fatalf("reader: %d %s", code, body)
			}
			if guarded.Disclosure == nil || guarded.Disclosure.K != 5 || strings.Contains(body, "Escalate") {
				t.Errorf("reader: %s", body)
			}
			for _, f := range guarded.Factors {
				if f.Kind != "activity" || f.Cases < 5 || f.Outcome < 5 || f.Cases-f.Outcome < 0 {
					t.Errorf("reader: factor %+v", f)
				}
			}
			// The review's attack: thresholds a minute apart would tell
			// which cases last between them; a reader's are whole hours,
			// and its answers the same within an hour.
			var first string
			for i, thr := range []string{"3h", "3h1m", "3h30m", "3h59m59s"} {
				code, body := pmu.do("GET", path("outcome=duration%3E"+thr+"&factors=50"), "", nil)
				if code != 200 {
					t.Fatalf("reader %s: %d %s", thr, code, body)
				}
				if i == 0 {
					first = body
				} else if body != first {
					t.Errorf("reader: duration>%s answers otherwise than duration>3h:\n%s\n%s", thr, body, first)
				}
			}
			if !strings.Contains(first, `"outcome":"case longer than 3h"`) {
				t.Errorf("the reader is not told the threshold used: %s", first)
			}
			// A rare activity and a missing one are refused alike.
			for _, q := range []string{"outcome=activity%3DEscalate", "outcome=activity%3DNowhere"} {
				if code, body := pmu.do("GET", path(q), "", nil); code != 422 || errorCode(t, body) != "too_few_cases" {
					t.Errorf("reader %s: %d %s", q, code, body)
				}
			}
			if code, body := owner.do("GET", path("outcome=activity%3DEscalate"), "", nil); code != 200 {
				t.Errorf("owner, Escalate: %d %s", code, body)
			}
			for _, q := range []string{"outcome=slow", "outcome=activity%3DNowhere", "outcome=rework&depth=9", "outcome=rework&factors=0"} {
				if code, body := owner.do("GET", path(q), "", nil); code != 422 || errorCode(t, body) != "invalid" {
					t.Errorf("owner %s: %d %s", q, code, body)
				}
			}
		})
	}
}

// TestAlignmentsAPI on both stores: the owner's alignment figures of the
// mined model, with precision and escaping edges; a reader's through
// disclosure control (no log fitness, no escaping edges, deviations of k
// cases or more); bad parameters are refused.
func TestAlignmentsAPI(t *testing.T) {
	type answer struct {
		Method     string   `json:"method"`
		LogFitness *float64 `json:"log_fitness"`
		Average    float64  `json:"average_trace_fitness"`
		Cases      int      `json:"cases"`
		Precision  *float64 `json:"precision"`
		Edges      []struct {
			Activity string `json:"activity"`
		} `json:"escaping_edges"`
		Deviations []struct {
			Activity string `json:"activity"`
			Cases    int    `json:"cases"`
		} `json:"deviations"`
		Disclosure *struct {
			K int `json:"k"`
		} `json:"disclosure"`
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			var exact answer
			owner.json("GET", w.process+"/conformance?method=alignments", "", 200, &exact)
			if exact.Method != "alignments" || exact.Cases != 40 || exact.LogFitness == nil || exact.Precision == nil || *exact.Precision <= 0 || *exact.Precision > 1 || exact.Disclosure != nil {
				t.Fatalf("owner: %+v", exact)
			}
			code, body := pmu.do("GET", w.process+"/conformance?method=alignments", "", nil)
			var guarded answer
			if err := json.Unmarshal([]byte(body), &guarded); code != 200 || err != nil {
				t.Fatalf("reader: %d %s", code, body)
			}
			if guarded.Disclosure == nil || guarded.LogFitness != nil || len(guarded.Edges) != 0 || guarded.Cases < 5 || strings.Contains(body, "Escalate") {
				t.Errorf("reader: %s", body)
			}
			for _, d := range guarded.Deviations {
				if d.Cases < 5 {
					t.Errorf("reader: deviation %+v", d)
				}
			}
			for _, q := range []string{"method=guess", "method=alignments&budget=0", "method=alignments&budget=x", "method=alignments&format=svg"} {
				if code, body := owner.do("GET", w.process+"/conformance?"+q, "", nil); code != 422 || errorCode(t, body) != "invalid" {
					t.Errorf("%s: %d %s", q, code, body)
				}
			}
		})
	}
}

package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// disclosureLog is a log of 40 cases, one a day from 2024-01-01: three
// common paths, and the target, case 20, alone on its path and its day,
// which lasts exactly targetDuration.
const targetCase = 20

var (
	day0           = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	targetDuration = 7*time.Hour + 13*time.Minute + 29*time.Second + 123456789*time.Nanosecond
)

func disclosureLog() []byte {
	var b strings.Builder
	b.WriteString("case:concept:name,concept:name,time:timestamp\n")
	paths := [][]string{{"Receive", "Check", "Approve"}, {"Receive", "Check", "Reject"}, {"Receive", "Approve"}}
	for i := range 40 {
		start := day0.AddDate(0, 0, i).Add(time.Duration(i) * time.Minute)
		path := paths[i%3]
		total := time.Duration(30+(i*37)%300) * time.Minute
		if i == targetCase {
			path, total = []string{"Receive", "Escalate", "Check", "Approve"}, targetDuration
		}
		for j, a := range path {
			at := start.Add(total * time.Duration(j) / time.Duration(len(path)-1))
			fmt.Fprintf(&b, "c%02d,%s,%s\n", i, a, at.Format(time.RFC3339Nano))
		}
	}
	return []byte(b.String())
}

// disclosureWorld is a world of recordings' users (setupRecordings) whose
// process holds the log csv, imported by its owner; it returns the owner
// and pmu, a Process Mining User with a viewer share.
func disclosureWorld(t *testing.T, e *env, csv []byte) (w *recWorld, owner, pmu *client) {
	t.Helper()
	w = setupRecordings(t, e)
	owner, pmu = w.c["owner"], w.c["pmu"]
	if j := owner.importLog(w.process+"/data", "cases.csv", csv, nil); j.State != "done" {
		t.Fatalf("import: %+v", j)
	}
	return w, owner, pmu
}

// addContributors adds users of these names to the world's environment as
// Environment Makers with a contributor share of its process.
func (w *recWorld) addContributors(names ...string) {
	for _, name := range names {
		c, id := w.e.user(name, false)
		w.root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, id), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, w.unit, access.EnvironmentMaker), 200, nil)
		w.c["owner"].json("PUT", w.process+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"contributor"}`, id), 200, nil)
		w.c[name] = c
	}
}

type kpiAnswer struct {
	Cases      int      `json:"cases"`
	Mean       *float64 `json:"mean_case_duration_seconds"`
	Disclosure *struct {
		K         int  `json:"k"`
		Coarsened bool `json:"filters_coarsened"`
	} `json:"disclosure"`
}

// TestBinarySearchAttack plays the attack of issue 14 over HTTP on both
// stores: a Process Mining User narrows a started-in time frame by
// binary search until one case remains, to read its start, duration, path
// and gaps. Through disclosure control every narrow view is refused, no
// answer describes fewer than five cases, and the figures it does get are
// rounded and noisy; the owner, who may read the data, gets exact figures
// of the same view.
func TestBinarySearchAttack(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			report := func(c *client, from, to time.Time) (int, kpiAnswer, string) {
				q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}, "time-mode": {"started"}}
				code, body := c.do("GET", w.process+"/report?"+q.Encode(), "", nil)
				var a kpiAnswer
				json.Unmarshal([]byte(body), &a)
				return code, a, body
			}
			target := day0.AddDate(0, 0, targetCase).Add(targetCase * time.Minute)

			// The attack: from the target's day on, halve the end of the
			// frame until one case is left, as the issue measured (about
			// 60 requests a case).
			lo, hi := target, day0.AddDate(0, 0, 45)
			requests, refused, isolated := 0, 0, false
			for requests < 60 && hi.Sub(lo) > time.Nanosecond {
				mid := lo.Add(hi.Sub(lo) / 2)
				code, a, body := report(pmu, target, mid)
				requests++
				switch {
				case code == 422 && errorCode(t, body) == "too_few_cases":
					refused++
					lo = mid // too few: widen
				case code == 200:
					if a.Cases < 5 || a.Disclosure == nil || a.Disclosure.K != 5 {
						t.Fatalf("request %d: a reader got %s", requests, body)
					}
					if a.Cases == 1 {
						isolated = true
					}
					hi = mid
				default:
					t.Fatalf("request %d: %d %s", requests, code, body)
				}
				if a.Mean != nil && math.Abs(*a.Mean-targetDuration.Seconds()) < 1 {
					t.Fatalf("request %d: the target's duration %v is given away", requests, *a.Mean)
				}
			}
			if isolated || refused == 0 {
				t.Errorf("attack: %d requests, %d refused, isolated %v", requests, refused, isolated)
			}
			t.Logf("binary-search attack: %d requests, %d refused as too few cases, no case isolated", requests, refused)

			// The owner reads the same one-case view exactly.
			code, a, body := report(owner, target, target.Add(time.Hour))
			if code != 200 || a.Cases != 1 || a.Mean == nil || math.Abs(*a.Mean-targetDuration.Seconds()) > 1e-6 || a.Disclosure != nil {
				t.Errorf("owner: %d %s", code, body)
			}
			// A reader's frame is widened to whole days; the same days
			// asked in other words give the same (noisy) figures.
			_, a1, b1 := report(pmu, day0.AddDate(0, 0, 10), day0.AddDate(0, 0, 30))
			_, a2, b2 := report(pmu, day0.AddDate(0, 0, 10).Add(-8*time.Hour), day0.AddDate(0, 0, 30).Add(10*time.Hour))
			if a1.Disclosure == nil || !a1.Disclosure.Coarsened || b1 != b2 || a2.Cases < 5 {
				t.Errorf("coarsened views:\n%s\n%s", b1, b2)
			}

			// Top n and top n+1 variants do not differ by the target: a
			// reader's top variants are only those of at least k cases.
			var top4 struct {
				Variants []struct{ Activities []string }
				Total    int
			}
			pmu.json("GET", w.process+"/variants?top-variants=4", "", 200, &top4)
			if len(top4.Variants) != 3 || top4.Total > 3+10 {
				t.Errorf("a reader's top 4 variants: %+v", top4)
			}
			if _, o4 := owner.do("GET", w.process+"/variants?top-variants=4", "", nil); !strings.Contains(o4, "Escalate") {
				t.Errorf("owner's top 4: %s", o4)
			}

			// Without filters: the target's path is a variant of one case,
			// withheld; its gaps are not on the performance map; min and
			// max are nobody's.
			var vs struct {
				Variants []struct {
					Activities []string
					Cases      int
				}
				Disclosure struct{ Variants, Cases int }
			}
			pmu.json("GET", w.process+"/variants", "", 200, &vs)
			// The number withheld carries noise too (two layers of 2).
			if len(vs.Variants) != 3 || vs.Disclosure.Variants > 1+12 {
				t.Errorf("variants %+v", vs)
			}
			for _, v := range vs.Variants {
				if strings.Contains(strings.Join(v.Activities, ","), "Escalate") || v.Cases < 5 {
					t.Errorf("variant %+v", v)
				}
			}
			code, body = pmu.do("GET", w.process+"/map?view=performance", "", nil)
			if code != 200 || strings.Contains(body, "Escalate") || strings.Contains(body, `"min_seconds":0`) || !strings.Contains(body, `"min_seconds":null`) {
				t.Errorf("performance map: %d %s", code, body)
			}
			code, body = pmu.do("GET", w.process+"/map?format=svg", "", nil)
			if code != 200 || strings.Contains(body, "Escalate") {
				t.Errorf("map as SVG: %d (or the lone activity drawn)", code)
			}
			var st struct {
				Activities map[string]int
				Histogram  []struct {
					From     float64 `json:"from_seconds"`
					Cases    int
					Withheld bool
				} `json:"case_duration_histogram"`
				Bucket   string `json:"timeline_bucket"`
				Timeline []struct {
					Start    string
					Withheld bool
				}
			}
			pmu.json("GET", w.process+"/statistics", "", 200, &st)
			if _, ok := st.Activities["Escalate"]; ok || st.Bucket == "hour" {
				t.Errorf("statistics %+v", st)
			}
			for _, b := range st.Histogram {
				if !b.Withheld && b.Cases < 5 || math.Mod(b.From, 60) != 0 {
					t.Errorf("histogram bin %+v", b)
				}
			}
			// The owner still sees it all.
			code, body = owner.do("GET", w.process+"/variants", "", nil)
			if code != 200 || !strings.Contains(body, "Escalate") || strings.Contains(body, "disclosure") {
				t.Errorf("owner's variants: %d %s", code, body)
			}
		})
	}
}

// TestDifferencingTwoViews: two day-aligned views whose difference is the
// target alone. Subtracting their figures, a reader learns neither the
// target's duration nor its path.
func TestDifferencingTwoViews(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			view := func(c *client, last int) (kpiAnswer, string) {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}
				var a kpiAnswer
				code, body := c.do("GET", w.process+"/report?"+q.Encode(), "", nil)
				json.Unmarshal([]byte(body), &a)
				if code != 200 || a.Mean == nil {
					t.Fatalf("report: %d %s", code, body)
				}
				return a, body
			}
			// The owner's exact figures show the attack would work on them.
			with, _ := view(owner, targetCase)
			without, _ := view(owner, targetCase-1)
			exact := *with.Mean*float64(with.Cases) - *without.Mean*float64(without.Cases)
			if with.Cases-without.Cases != 1 || math.Abs(exact-targetDuration.Seconds()) > 1e-3 {
				t.Fatalf("owner's difference: %d cases, %v s", with.Cases-without.Cases, exact)
			}
			with, b1 := view(pmu, targetCase)
			without, b2 := view(pmu, targetCase-1)
			guess := *with.Mean*float64(with.Cases) - *without.Mean*float64(without.Cases)
			if math.Abs(guess-targetDuration.Seconds()) < 60 {
				t.Errorf("a reader's difference gives the target's duration within a minute: %v s (true %v s)\n%s\n%s", guess, targetDuration.Seconds(), b1, b2)
			}
			t.Logf("differencing: a reader estimates %.0f s for a case of %.0f s", guess, targetDuration.Seconds())
		})
	}
}

// TestMinGroupSizeSetting: System Administrators set k through the
// privacy-policy API; others read it; values outside 2 to 1000 are
// refused and change nothing.
func TestMinGroupSizeSetting(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			admin, owner, pmu := w.c["admin"], w.c["owner"], w.c["pmu"]
			if j := owner.importLog(w.process+"/data", "cases.csv", disclosureLog(), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			policy := w.base + "/privacy-policy"
			var p map[string]any
			admin.json("GET", policy, "", 200, &p)
			if p["min_group_size"] != float64(5) {
				t.Fatalf("default policy %v", p)
			}
			for _, bad := range []int{1, -3, 1001} {
				p["min_group_size"] = bad
				b, _ := json.Marshal(p)
				if code, body := admin.do("PUT", policy, string(b), nil); code != 422 || !strings.Contains(body, "min_group_size") {
					t.Errorf("k=%d: %d %s", bad, code, body)
				}
			}
			p["min_group_size"] = 15
			b, _ := json.Marshal(p)
			if code, _ := owner.do("PUT", policy, string(b), nil); code != 403 {
				t.Errorf("the owner sets the policy: %d", code)
			}
			// With k=5, 14 started days are enough; with k=15 they are not.
			q := w.process + "/report?from=2024-01-01&to=2024-01-14&time-mode=started"
			if code, body := pmu.do("GET", q, "", nil); code != 200 {
				t.Errorf("k=5: %d %s", code, body)
			}
			admin.json("PUT", policy, string(b), 200, nil)
			var seen map[string]any
			pmu.json("GET", policy, "", 200, &seen)
			if seen["min_group_size"] != float64(15) {
				t.Errorf("a reader sees %v", seen)
			}
			if code, body := pmu.do("GET", q, "", nil); code != 422 || !strings.Contains(body, "fewer than 15") {
				t.Errorf("k=15: %d %s", code, body)
			}
			if code, _ := owner.do("GET", q, "", nil); code != 200 {
				t.Errorf("the owner under k=15: %d", code)
			}
		})
	}
}

package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests are the attacks a reviewer who had not seen the code made
// on disclosure control (issue 14, done-when 4), kept as regression
// tests: each failed on the first version of the control and passes now.
// Each failure message says what a report reader would learn.

// TestAttackEqualityOracle: sticky noise makes two views with the same
// cases answer byte for byte the same. A reader who has two allowed views
// A and B that differ by the target case alone (here: started on days
// 1-20 and on days 1-21) adds any filter F to both: the answers are equal
// exactly when F removes the target from B. Each filter a reader may use
// then becomes a yes/no question about the one case, answered without
// noise: its duration to the hour (max-duration), each activity it has
// (exclude-event-attr concept:name=X), each directly-follows pair on its
// path (not-follows X>Y), its start and end activity.
func TestAttackEqualityOracle(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, disclosureLog())
			requests := 0
			ask := func(last int, extra url.Values) (int, string) {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}
				for k, v := range extra {
					q[k] = v
				}
				requests++
				return pmu.do("GET", w.process+"/report?"+q.Encode(), "", nil)
			}
			// excluded tells whether F keeps the target out of view B: the
			// reader compares B∩F with A∩F. ok is false when either view
			// is refused (then the question cannot be asked this way).
			excluded := func(f url.Values) (bool, bool) {
				ca, a := ask(targetCase-1, f)
				cb, b := ask(targetCase, f)
				if ca != 200 || cb != 200 {
					return false, false
				}
				return a == b, true
			}

			// in tells whether the target satisfies a filter, asking with
			// the filter's complement when the filter itself leaves too
			// few cases of A, and with the filter otherwise.
			in := func(pos, neg url.Values) bool {
				if ex, ok := excluded(neg); ok {
					return ex
				}
				ex, ok := excluded(pos)
				return ok && !ex
			}

			// Duration, to the hour: the largest whole-hour max-duration
			// that excludes the target.
			learnedHours := -1
			for h := 1; h <= 24; h++ {
				ex, ok := excluded(url.Values{"max-duration": {time.Duration(h * int(time.Hour)).String()}})
				if ok && !ex {
					learnedHours = h
					break
				}
			}
			// Activities and directly-follows pairs.
			acts := []string{"Receive", "Check", "Approve", "Reject", "Escalate"}
			var has []string
			for _, a := range acts {
				if in(url.Values{"event-attr": {"concept:name=" + a}}, url.Values{"exclude-event-attr": {"concept:name=" + a}}) {
					has = append(has, a)
				}
			}
			var pairs []string
			for _, a := range has {
				for _, b := range has {
					if in(url.Values{"follows": {a + ">" + b}}, url.Values{"not-follows": {a + ">" + b}}) {
						pairs = append(pairs, a+">"+b)
					}
				}
			}
			t.Logf("%d requests: the target lasts %d h to %d h (true %v); it has %v; its path has %v",
				requests, learnedHours, learnedHours+1, targetDuration, has, pairs)
			if learnedHours == int(targetDuration.Hours()) {
				t.Errorf("a reader learned the target's duration to the hour: [%d h, %d h) for %v", learnedHours, learnedHours+1, targetDuration)
			}
			if strings.Join(has, ",") == "Receive,Check,Approve,Escalate" {
				t.Errorf("a reader learned the target's activities exactly: %v", has)
			}
			slices.Sort(pairs)
			if strings.Join(pairs, " ") == "Check>Approve Escalate>Check Receive>Escalate" {
				t.Errorf("a reader learned the target's path exactly: %v", pairs)
			}
		})
	}
}

// TestAttackExactWithheldCounts: the counts of withheld groups in the
// disclosure object carried no noise. Two views differing by the target
// alone tell, exactly, that the target has an activity and a path that no
// other case in the view has, and a variant of its own.
func TestAttackExactWithheldCounts(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, disclosureLog())
			type withheld struct {
				Disclosure struct {
					Variants, Activities, Paths, Bins, Buckets int
				}
			}
			get := func(route string, first, last int) withheld {
				q := url.Values{"from": {day0.AddDate(0, 0, first).Format("2006-01-02")}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}
				var a withheld
				code, body := pmu.do("GET", w.process+route+"?"+q.Encode(), "", nil)
				if code != 200 {
					t.Fatalf("%s: %d %s", route, code, body)
				}
				json.Unmarshal([]byte(body), &a)
				return a
			}
			// Eight pairs of views, each differing by the target alone.
			// Exact counts would move by exactly one every time; with
			// noise (a difference of standard deviation 4) they seldom do.
			for _, route := range []string{"/map", "/variants"} {
				exact := 0
				for first := range 8 {
					a, b := get(route, first, targetCase-1), get(route, first, targetCase)
					if b.Disclosure.Activities-a.Disclosure.Activities == 1 || b.Disclosure.Variants-a.Disclosure.Variants == 1 {
						exact++
					}
				}
				if exact > 5 {
					t.Errorf("%s: the withheld counts moved by exactly one with the target in %d of 8 pairs of views", route, exact)
				}
			}
		})
	}
}

// TestAttackHistogramExtent: a reader's histogram has round bins, but
// its last bin is the one that holds the longest case, and a
// min-duration filter narrows the bins. The longest case's duration,
// which a reader is never to be shown (§3: "Minimum, maximum … never
// shown"), is read from the last bin's edges.
func TestAttackHistogramExtent(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, disclosureLog())
			for _, q := range []string{"", "?min-duration=4h", "?min-duration=5h"} {
				var st struct {
					Histogram []struct {
						From     float64 `json:"from_seconds"`
						To       float64 `json:"to_seconds"`
						Cases    int
						Withheld bool
					} `json:"case_duration_histogram"`
				}
				code, body := pmu.do("GET", w.process+"/statistics"+q, "", nil)
				if code != 200 {
					t.Logf("%q: %d %s", q, code, body)
					continue
				}
				json.Unmarshal([]byte(body), &st)
				if len(st.Histogram) == 0 {
					continue // fewer than 2k cases: no histogram at all
				}
				last := st.Histogram[len(st.Histogram)-1]
				t.Logf("%q: %d bins, the last [%v s, %v s) withheld=%v; the longest case lasts %v s", q, len(st.Histogram), last.From, last.To, last.Withheld, targetDuration.Seconds())
				if last.From <= targetDuration.Seconds() && targetDuration.Seconds() < last.To && last.To-last.From <= 1800 {
					t.Errorf("%q: the longest case's duration is given within %v s by the last bin [%v, %v)", q, last.To-last.From, last.From, last.To)
				}
			}
		})
	}
}

// TestAttackSybilRecordings: a contributor may publish recordings into
// the process at will, and knows their own in full. With four recordings
// of their own and the victim's one, the view holds five: allowed. Every
// row shown must then include the victim's recording, and the attacker's
// own figures are known, so the victim's path, the application it used
// and its time on a step come out (the median of five, with the attacker's
// two below and two above, is the victim's own figure, rounded to two
// significant figures).
func TestAttackSybilRecordings(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			attacker, victim := w.c["contrib"], w.c["contrib2"]
			steps := func(secret time.Duration) []stepJSON {
				at := time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)
				return []stepJSON{
					newStep("Open invoice", 0, nil),
					newStep("Check sanctions list", 1, stepJSON{"application": "Browser", "started_at": at.Format(time.RFC3339), "ended_at": at.Add(secret).Format(time.RFC3339)}),
					newStep("Approve", 2, nil),
				}
			}
			w.upload(victim, bundle(t, "mine", steps(47*time.Second), nil))
			for _, d := range []time.Duration{1 * time.Second, 2 * time.Second, 50 * time.Second, 55 * time.Second} {
				w.upload(attacker, bundle(t, "probe", steps(d), nil))
			}
			var tm struct {
				Usage struct {
					StepTimes []struct {
						Step          string
						MeanSeconds   float64 `json:"mean_seconds"`
						MedianSeconds float64 `json:"median_seconds"`
						TotalSeconds  float64 `json:"total_seconds"`
						Recordings    int
					} `json:"time_per_step"`
				}
				Variants []struct {
					Activities []string
					Cases      int
				}
			}
			code, body := attacker.do("GET", w.process+"/task-mining", "", nil)
			if code == 422 && errorCode(t, body) == "too_few_cases" {
				return // the attacker's own recordings do not count: nothing to read
			}
			if code != 200 {
				t.Fatalf("task mining: %d %s", code, body)
			}
			json.Unmarshal([]byte(body), &tm)
			t.Logf("variants %+v", tm.Variants)
			for _, st := range tm.Usage.StepTimes {
				if st.Step == "Check sanctions list" {
					t.Logf("the attacker reads %+v", st)
					if st.MedianSeconds == 47 {
						t.Errorf("the victim's time on the step (47 s) is the shown median: %+v", st)
					}
					if est := st.TotalSeconds - (1 + 2 + 50 + 55); est > 40 && est < 55 {
						t.Errorf("the victim's time on the step from the total: %v s (true 47 s)", est)
					}
				}
			}
			for _, v := range tm.Variants {
				if strings.Join(v.Activities, ",") == "Open invoice,Check sanctions list,Approve" {
					t.Errorf("the victim's path is confirmed as a variant the attacker's four recordings and the victim's share: %+v", v)
				}
			}
		})
	}
}

// TestAttackNoiseLabelCollision: the noise of a statistics activity
// count (events, label "activity\x00A") and of a map node's case count
// (label "activity\x00A") is the same draw, so subtracting one from the
// other cancels it: a reader gets events minus cases of each activity
// exactly. Between two views that differ by the target alone, that tells
// exactly how many times the target repeated an activity.
func TestAttackNoiseLabelCollision(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, pmu := w.c["owner"], w.c["pmu"]
			var b strings.Builder
			b.WriteString("case:concept:name,concept:name,time:timestamp\n")
			for i := range 40 {
				start := day0.AddDate(0, 0, i)
				path := []string{"Receive", "Check", "Approve"}
				if i%4 == 0 {
					path = []string{"Receive", "Check", "Check", "Approve"}
				}
				if i == targetCase {
					path = []string{"Receive", "Check", "Check", "Check", "Check", "Approve"}
				}
				for j, a := range path {
					fmt.Fprintf(&b, "c%02d,%s,%s\n", i, a, start.Add(time.Duration(j)*time.Hour).Format(time.RFC3339))
				}
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", []byte(b.String()), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			repeats := func(last int) int {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}.Encode()
				var st struct{ Activities map[string]int }
				var m struct {
					Nodes []struct {
						Activity     string
						Count, Cases int
					}
				}
				pmu.json("GET", w.process+"/statistics?"+q, "", 200, &st)
				pmu.json("GET", w.process+"/map?"+q, "", 200, &m)
				for _, n := range m.Nodes {
					if n.Activity == "Check" {
						return st.Activities["Check"] - n.Cases
					}
				}
				t.Fatalf("no Check node")
				return 0
			}
			// With one draw for both figures, events minus cases is exact
			// in every view; with a draw each, about one view in ten (the
			// difference of two draws, sd 4, rounded): more than half of
			// eight happens once in 2,500 runs; of four, once in 250 (which
			// failed a run).
			exact := 0
			for last := targetCase - 8; last < targetCase; last++ {
				if repeats(last) == last/4+1 { // cases 0, 4, 8… repeat Check once
					exact++
				}
			}
			if exact > 4 {
				t.Errorf("events minus cases of Check was exact in %d of 8 views", exact)
			}
		})
	}
}

// TestAttackMapOrder: a map's nodes are sorted by their exact event
// counts before the guard adds noise, and stay in that order. The order
// is then an exact comparison: in a view where every case does Receive,
// Check and Approve once, they tie and come by name; add the target, who
// checked twice, and Check comes first, whatever the noisy counts say.
func TestAttackMapOrder(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, pmu := w.c["owner"], w.c["pmu"]
			var b strings.Builder
			b.WriteString("case:concept:name,concept:name,time:timestamp\n")
			for i := range 40 {
				path := []string{"Receive", "Check", "Approve"}
				if i == targetCase {
					path = []string{"Receive", "Check", "Check", "Approve"}
				}
				for j, a := range path {
					fmt.Fprintf(&b, "c%02d,%s,%s\n", i, a, day0.AddDate(0, 0, i).Add(time.Duration(j)*time.Hour).Format(time.RFC3339))
				}
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", []byte(b.String()), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			order := func(last int) string {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}.Encode()
				var m struct {
					Nodes []struct {
						Activity     string
						Count, Cases int
					}
				}
				pmu.json("GET", w.process+"/map?"+q, "", 200, &m)
				var s []string
				for _, n := range m.Nodes {
					s = append(s, fmt.Sprintf("%s(%d)", n.Activity, n.Count))
				}
				return strings.Join(s, " ")
			}
			// The nodes come in the order of the figures shown, not of
			// the exact ones.
			for last := targetCase - 3; last <= targetCase+3; last++ {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}.Encode()
				var m struct {
					Nodes []struct {
						Activity string
						Count    int
					}
				}
				pmu.json("GET", w.process+"/map?"+q, "", 200, &m)
				for i := 1; i < len(m.Nodes); i++ {
					if a, b := m.Nodes[i-1], m.Nodes[i]; a.Count < b.Count || a.Count == b.Count && a.Activity > b.Activity {
						t.Errorf("nodes %s: not in the order of the figures shown, so the order tells the exact ones", order(last))
					}
				}
			}
		})
	}
}

// TestAttackDominantCase: groups are counted in cases, but a case with
// hundreds of events outweighs the others in a group's event figures.
// Ten cases check once an hour apart; the target checks 300 times, 7 min
// 13 s apart. The Check>Check path has eleven cases, so it is shown, and
// its median and mean gap and its event count are the target's.
func TestAttackDominantCase(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, pmu := w.c["owner"], w.c["pmu"]
			var b strings.Builder
			b.WriteString("case:concept:name,concept:name,time:timestamp\n")
			gap := 7*time.Minute + 13*time.Second
			for i := range 11 {
				at := day0.AddDate(0, 0, i)
				fmt.Fprintf(&b, "c%02d,Receive,%s\n", i, at.Format(time.RFC3339))
				checks, g := 2, time.Hour
				if i == 5 {
					checks, g = 300, gap
				}
				for range checks {
					at = at.Add(g)
					fmt.Fprintf(&b, "c%02d,Check,%s\n", i, at.Format(time.RFC3339))
				}
				fmt.Fprintf(&b, "c%02d,Approve,%s\n", i, at.Add(time.Hour).Format(time.RFC3339))
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", []byte(b.String()), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			var m struct {
				Edges []struct {
					Source, Target string
					Count, Cases   int
					Mean           *float64 `json:"mean_seconds"`
					Median         *float64 `json:"median_seconds"`
				}
			}
			pmu.json("GET", w.process+"/map?view=performance", "", 200, &m)
			for _, e := range m.Edges {
				if e.Source == "Check" && e.Target == "Check" {
					t.Logf("Check>Check as a reader sees it: %d transitions in %d cases, mean %v s, median %v s (the target: 299 transitions, %v s apart)", e.Count, e.Cases, e.Mean, e.Median, gap.Seconds())
					if e.Median != nil && math.Abs(*e.Median-gap.Seconds()) < 10 || e.Mean != nil && math.Abs(*e.Mean-gap.Seconds()) < 60 || e.Count > 290 {
						t.Errorf("one case's gaps and number of checks are the group's figures")
					}
				}
			}
		})
	}
}

// TestAttackUntimedAndFormats: every report route and format, as a
// reader, on an untimed log: no server error, no raw figure (this one
// held: it passes).
func TestAttackUntimedAndFormats(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, pmu := w.c["owner"], w.c["pmu"]
			var b strings.Builder
			b.WriteString("case:concept:name,concept:name\n")
			for i := range 30 {
				path := []string{"Receive", "Check", "Approve"}
				if i == 7 {
					path = []string{"Receive", "Escalate", "Approve"}
				}
				for _, a := range path {
					fmt.Fprintf(&b, "c%02d,%s\n", i, a)
				}
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", []byte(b.String()), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			for _, q := range []string{"/report", "/report?from=2024-01-01", "/map", "/map?format=svg", "/map?view=performance", "/variants?top=1", "/statistics",
				"/model", "/model?format=bpmn", "/model?format=pnml", "/model?format=svg", "/model?algorithm=heuristics", "/model?algorithm=alpha",
				"/conformance", "/conformance?format=svg", "/conformance?model=reference", "/report?min-duration=1h", "/report?time-mode=trim&from=2024-01-01"} {
				code, body := pmu.do("GET", w.process+q, "", nil)
				t.Logf("%s: %d %.160s", q, code, body)
				if code >= 500 || strings.Contains(body, "Escalate") {
					t.Errorf("%s: %d %s", q, code, body)
				}
			}
		})
	}
}

// TestAttackRareActionShown: an application used in five recordings is
// shown, and with it every action anyone took in it, however few did:
// actions_by names an action that one recording alone took, and counts
// it (with noise). Here the victim alone pasted into the ERP, 30 times.
func TestAttackRareActionShown(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			w.addContributors("contrib3", "contrib4")
			recorders := []string{"owner", "coowner", "contrib", "contrib2", "contrib3", "contrib4"}
			for i, who := range recorders {
				steps := []stepJSON{newStep("Open invoice", 0, stepJSON{"action": "click"}), newStep("Approve", 1, stepJSON{"action": "click"})}
				if i == 3 {
					for j := range 30 {
						steps = append(steps, newStep(fmt.Sprintf("Paste %d", j), 2+j, stepJSON{"action": "paste"}))
					}
				}
				w.upload(w.c[who], bundle(t, "r", steps, nil))
			}
			var tm struct {
				Usage struct {
					Applications []struct {
						Application string
						ActionsBy   map[string]int `json:"actions_by"`
						Recordings  int
					}
				}
			}
			w.c["viewer"].json("GET", w.process+"/task-mining", "", 200, &tm)
			for _, a := range tm.Usage.Applications {
				t.Logf("a viewer reads %+v", a)
				if n, ok := a.ActionsBy["paste"]; ok {
					t.Errorf("one recording's action is shown: %s paste %d (true 30, by one recording of five)", a.Application, n)
				}
			}
		})
	}
}

// TestAttackPageMapNote: the process page draws at most 300 activities
// and says how many there were, counted before disclosure control: a
// reader learns the exact number of activities, rare ones included.
func TestAttackPageMapNote(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, pmu := w.c["owner"], w.c["pmu"]
			var b strings.Builder
			b.WriteString("case:concept:name,concept:name,time:timestamp\n")
			for i := range 30 {
				at := day0.AddDate(0, 0, i)
				for j := range 12 {
					fmt.Fprintf(&b, "c%02d,Common %d,%s\n", i, j, at.Add(time.Duration(j)*time.Minute).Format(time.RFC3339))
				}
				for j := range 11 {
					fmt.Fprintf(&b, "c%02d,Rare %d-%d,%s\n", i, i, j, at.Add(time.Duration(20+j)*time.Minute).Format(time.RFC3339))
				}
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", []byte(b.String()), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			code, body := pmu.do("GET", fmt.Sprintf("/e/%d/p/%d", w.env, w.pid), "", nil)
			i := strings.Index(body, "most frequent of")
			t.Logf("%d; %s", code, body[max(0, i-40):max(0, i)+40])
			if strings.Contains(body, "most frequent of 342 activities") {
				t.Errorf("the page tells a reader the exact number of activities, 330 of them in one case each")
			}
		})
	}
}

// TestAttackSliderDifference: the activities slider maps a log with the
// rarest activities taken out, under the same noise labels ("path\x00A\x00B")
// and the same seed as the full map. Where hiding an activity joins its
// neighbours into a new path, the two maps' counts of that path differ by
// the true number of joined cases, exactly: here one case, the target, goes
// Receive, (something hidden), Check.
func TestAttackSliderDifference(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, disclosureLog())
			path := func(q string) (int, int, bool) {
				var m struct {
					Nodes []struct{ Activity string }
					Edges []struct {
						Source, Target string
						Count, Cases   int
					}
				}
				pmu.json("GET", w.process+"/map"+q, "", 200, &m)
				for _, e := range m.Edges {
					if e.Source == "Receive" && e.Target == "Check" {
						return e.Count, e.Cases, true
					}
				}
				return 0, 0, false
			}
			// With the same noise at every share the difference is exact
			// each time; with noise of its own, seldom.
			// Eight shares, and more than three exact fail: with the same
			// noise every one is exact; with noise of its own each is
			// exact by chance now and then (about one in 25), so that two
			// of three, the test's first threshold, happened about once
			// in 200 runs, and four of eight happens about once in 5,000.
			fc, fk, ok1 := path("")
			exact, asked := 0, 0
			for _, share := range []string{"0.8", "0.82", "0.84", "0.86", "0.88", "0.9", "0.92", "0.94"} {
				pc, pk, ok2 := path("?activities=" + share)
				if ok1 && ok2 {
					asked++
				}
				if ok1 && ok2 && pc-fc == 1 && pk-fk == 1 {
					exact++
				}
			}
			if asked < 4 || exact > 3 {
				t.Errorf("the slider's difference was exact at %d of %d shares: one case goes Receive, a hidden activity, Check", exact, asked)
			}
		})
	}
}

// TestAttackPageOracle: the process page is finding 1's oracle too. The
// page's figures (cases, events, variants, map) for A∩F and B∩F are equal
// exactly when F leaves the target out.
func TestAttackPageOracle(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, disclosureLog())
			page := func(last int, f url.Values) string {
				q := url.Values{"from": {"2024-01-01"}, "to": {day0.AddDate(0, 0, last).Format("2006-01-02")}, "time-mode": {"started"}}
				for k, v := range f {
					q[k] = v
				}
				code, body := pmu.do("GET", fmt.Sprintf("/e/%d/p/%d?%s", w.env, w.pid, q.Encode()), "", nil)
				if code != 200 {
					t.Fatalf("page: %d", code)
				}
				// The figures: from the report to the end of the map.
				i, j := strings.Index(body, `id="kpi-cases"`), strings.LastIndex(body, "</svg>")
				if i < 0 || j < i {
					t.Fatalf("no figures on the page")
				}
				// The form repeats the asked frame; the figures are what count.
				return strings.ReplaceAll(body[i:j], `value="`+q.Get("to")+`"`, `value="TO"`)
			}
			same := func(f url.Values) bool {
				a, b := page(targetCase-1, f), page(targetCase, f)
				if a != b {
					for i := range min(len(a), len(b)) {
						if a[i] != b[i] {
							t.Logf("first difference: %q / %q", a[max(0, i-80):min(len(a), i+40)], b[max(0, i-80):min(len(b), i+40)])
							break
						}
					}
				}
				return a == b
			}
			hasEscalate := same(url.Values{"exclude-event-attr": {"concept:name=Escalate"}})
			hasReject := same(url.Values{"exclude-event-attr": {"concept:name=Reject"}})
			t.Logf("from pages alone: the target has Escalate: %v, has Reject: %v (true: true, false)", hasEscalate, hasReject)
			if hasEscalate && !hasReject {
				t.Errorf("the process page answers yes/no questions about the target")
			}
		})
	}
}

// TestAttackEveryReaderGuarded: a contributor, a viewer share and a
// Process Mining User each get guarded figures; owner and co-owner exact
// ones (this one held: it passes).
func TestAttackEveryReaderGuarded(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			if j := w.c["owner"].importLog(w.process+"/data", "cases.csv", disclosureLog(), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			for who, guarded := range map[string]bool{"contrib": true, "viewer": true, "pmu": true, "owner": false, "coowner": false, "admin": false} {
				code, body := w.c[who].do("GET", w.process+"/variants", "", nil)
				if code != 200 || strings.Contains(body, "Escalate") != !guarded || strings.Contains(body, "disclosure") != guarded {
					t.Errorf("%s: %d %.200s", who, code, body)
				}
			}
		})
	}
}

// TestAttackRecordingChurn: a contributor uploads and deletes a junk
// recording of their own, again and again. Each new recording id is a new
// set of recordings, so fresh noise on every figure of the others'
// recordings: averaging twenty rounds gives an exact count.
func TestAttackRecordingChurn(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			attacker := w.c["contrib"]
			// Six recordings by others; "Check sanctions list" taken 12 times in all.
			for i, who := range []string{"owner", "coowner", "contrib2", "owner", "coowner", "contrib2"} {
				steps := []stepJSON{newStep("Open invoice", 0, nil)}
				for j := range 1 + i%3 {
					steps = append(steps, newStep("Check sanctions list", 1+j, nil))
				}
				steps = append(steps, newStep("Approve", 5, nil))
				w.upload(w.c[who], bundle(t, "r", steps, nil))
			}
			seen := map[int]bool{}
			sum, n := 0, 0
			for range 20 {
				junk := w.upload(attacker, bundle(t, "junk", []stepJSON{newStep("Coffee", 0, nil)}, nil))
				var tm struct {
					Usage struct {
						StepTimes []struct {
							Step  string
							Count int
						} `json:"time_per_step"`
					}
				}
				code, body := attacker.do("GET", w.process+"/task-mining", "", nil)
				if code == 422 && errorCode(t, body) == "too_few_cases" {
					return // three other people: too few to show, however often asked
				}
				json.Unmarshal([]byte(body), &tm)
				for _, st := range tm.Usage.StepTimes {
					if st.Step == "Check sanctions list" {
						seen[st.Count] = true
						sum += st.Count
						n++
					}
				}
				if code, body := attacker.do("DELETE", w.recordingPath(junk.ID), "", nil); code != 204 && code != 200 {
					t.Fatalf("delete: %d %s", code, body)
				}
			}
			mean := float64(sum) / float64(max(n, 1))
			t.Logf("20 rounds: %d different counts, average %.2f (true 12)", len(seen), mean)
			if len(seen) > 1 && math.Abs(mean-12) < 1.5 {
				t.Errorf("churning one's own recordings averages the noise away: %.2f for a true 12", mean)
			}
		})
	}
}

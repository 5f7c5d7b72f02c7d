package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// These tests are the fourth review's attacks (issue 14, done-when 4),
// each failing on 54cfb17. Each failure message says what a report reader
// learns.

// review4Log is 40 ordinary cases, one a day from 2024-01-01, on one
// path; four mates started on 2024-02-20 on a path of their own, with
// Rework; and the target, alone on 2024-02-25, on the mates' path. With
// the target, the Rework path holds exactly k = 5 cases; without it, 4.
func review4Log() []byte {
	var b strings.Builder
	b.WriteString("case:concept:name,concept:name,time:timestamp\n")
	write := func(id string, start time.Time, path ...string) {
		for j, a := range path {
			fmt.Fprintf(&b, "%s,%s,%s\n", id, a, start.Add(time.Duration(j)*time.Hour).Format(time.RFC3339))
		}
	}
	for i := range 40 {
		write(fmt.Sprintf("c%02d", i), day0.AddDate(0, 0, i), "Receive", "Check", "Approve")
	}
	mates := time.Date(2024, 2, 20, 9, 0, 0, 0, time.UTC)
	for i := range 4 {
		write(fmt.Sprintf("m%d", i), mates.Add(time.Duration(i)*time.Minute), "Receive", "Rework", "Approve")
	}
	write("target", time.Date(2024, 2, 25, 9, 0, 0, 0, time.UTC), "Receive", "Rework", "Approve")
	return []byte(b.String())
}

// TestAttack4GroupShownOnItsExactCount is the fourth review's F1: views A
// (to 2024-02-25, a whole day, the target in) and B (to 2024-02-24, the
// target out)
// differ by the target alone. When a group was shown on its exact count,
// the Rework variant of exactly k cases was in every A and in no B, for
// every start of the frame: the target took the Rework path, without
// noise. Decided on a noisy count, a group of k is shown about half the
// time, so the difference turns up in about half the pairs, as it would
// for a case that was not in the group at all.
func TestAttack4GroupShownOnItsExactCount(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, _, pmu := disclosureWorld(t, e, review4Log())
			rework := func(from time.Time, to string) bool {
				q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to}, "time-mode": {"started"}}
				code, body := pmu.do("GET", w.process+"/variants?"+q.Encode(), "", nil)
				if code != 200 {
					t.Fatalf("%s: %d %s", q.Encode(), code, body)
				}
				var a struct {
					Variants []struct{ Activities []string }
				}
				if err := json.Unmarshal([]byte(body), &a); err != nil {
					t.Fatal(err)
				}
				for _, v := range a.Variants {
					if strings.Join(v.Activities, ",") == "Receive,Rework,Approve" {
						return true
					}
				}
				return false
			}
			// 30 frames starting on 2024-01-01 to 2024-01-30: 30 case sets,
			// each drawing its noise anew.
			pairs, told := 30, 0
			for i := range pairs {
				from := day0.AddDate(0, 0, i)
				inA, inB := rework(from, "2024-02-25T00:00:00Z"), rework(from, "2024-02-24T00:00:00Z")
				if inB {
					t.Fatalf("from %s: the Rework variant of 4 cases was shown", from.Format(time.DateOnly))
				}
				if inA {
					told++
				}
			}
			// Binomial(30, 1/2): 25 or more happens once in 6,000 runs.
			if told >= 25 {
				t.Errorf("the Rework variant was in %d of %d views with the target and in none without: the target took it", told, pairs)
			}
			t.Logf("the variant of exactly k cases was shown in %d of %d views with the target", told, pairs)
		})
	}
}

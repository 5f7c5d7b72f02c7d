package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/jobs"
	"github.com/procmine/procmine/internal/store"
)

// startAlignmentJob has c start an alignments job of the world's process
// with the query and returns the job it was answered, checking the 202,
// the Location and the job's kind.
func startAlignmentJob(t *testing.T, c *client, process, query string) store.Job {
	t.Helper()
	req, err := http.NewRequest("POST", c.e.url+process+"/conformance/alignments?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j store.Job
	if err := json.NewDecoder(resp.Body).Decode(&j); resp.StatusCode != 202 || err != nil {
		t.Fatalf("POST alignments?%s: %d %v", query, resp.StatusCode, err)
	}
	if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/jobs/%d", j.ID) {
		t.Errorf("Location %q for job %d", loc, j.ID)
	}
	if j.Kind != store.JobAlignments || (j.State != "queued" && j.State != "running" && j.State != "done") {
		t.Errorf("accepted job: %+v", j)
	}
	return j
}

// waitAlignmentJob polls the job until it ends, and returns it with the
// progress values seen on the way (never going back).
func waitAlignmentJob(t *testing.T, c *client, id int64) store.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := 0.0
	for {
		var j store.Job
		c.json("GET", fmt.Sprintf("/api/v1/jobs/%d", id), "", 200, &j)
		if j.Progress < last {
			t.Errorf("job %d's progress went back from %v to %v", id, last, j.Progress)
		}
		last = j.Progress
		if j.State == "done" || j.State == "failed" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s", id, j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAlignmentJobs: an alignments job answers, once done, what the
// synchronous report answers its user (the owner's exact figures, a
// report reader's guarded ones); only its user reads it, while they may
// read the process; it is refused as the report is, the same for a
// process one may not read as for none; and its result goes when the
// process's data changes or an erasure runs.
func TestAlignmentJobs(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			result := func(c *client, id int64) (int, string) {
				return c.do("GET", fmt.Sprintf("/api/v1/jobs/%d/result", id), "", nil)
			}

			// The owner's job: done, progress 1, the GET's answer.
			for _, q := range []string{"", "budget=5000&end-activity=Approve", "method=alignments&algorithm=heuristics"} {
				j := startAlignmentJob(t, owner, w.process, q)
				done := waitAlignmentJob(t, owner, int64(j.ID))
				if done.State != "done" || done.Progress != 1 || done.Kind != store.JobAlignments || done.Version == 0 {
					t.Fatalf("owner's job ?%s: %+v", q, done)
				}
				code, got := result(owner, int64(done.ID))
				gq := "method=alignments"
				if q != "" && !strings.HasPrefix(q, "method=") {
					gq += "&" + q
				} else if q != "" {
					gq = q
				}
				wcode, want := owner.do("GET", w.process+"/conformance?"+gq, "", nil)
				if code != 200 || wcode != 200 || got != want {
					t.Errorf("owner's result ?%s: %d %s\nthe GET's: %d %s", q, code, got, wcode, want)
				}
				if !strings.Contains(got, `"log_fitness":`) || strings.Contains(got, `"log_fitness":null`) || strings.Contains(got, `"disclosure"`) {
					t.Errorf("owner's result is not the exact one: %s", got)
				}
			}

			// A report reader's job: the guarded answer the reader's GET
			// gives.
			rj := waitAlignmentJob(t, pmu, int64(startAlignmentJob(t, pmu, w.process, "").ID))
			if rj.State != "done" || rj.Progress != 1 {
				t.Fatalf("reader's job: %+v", rj)
			}
			code, got := result(pmu, int64(rj.ID))
			wcode, want := pmu.do("GET", w.process+"/conformance?method=alignments", "", nil)
			if code != 200 || wcode != 200 || got != want {
				t.Errorf("reader's result: %d %s\nthe reader's GET: %d %s", code, got, wcode, want)
			}
			var guarded struct {
				LogFitness *float64        `json:"log_fitness"`
				Edges      json.RawMessage `json:"escaping_edges"`
				Deviations []struct {
					Cases int `json:"cases"`
				} `json:"deviations"`
				Disclosure *struct {
					K int `json:"k"`
				} `json:"disclosure"`
			}
			if err := json.Unmarshal([]byte(got), &guarded); err != nil || guarded.LogFitness != nil || guarded.Edges != nil || guarded.Disclosure == nil || strings.Contains(got, "Escalate") {
				t.Errorf("reader's result is not guarded: %v %s", err, got)
			}
			for _, d := range guarded.Deviations {
				if d.Cases < 5 {
					t.Errorf("reader's result has a deviation of %d cases", d.Cases)
				}
			}

			// Nobody else reads a job or its result: not a co-owner of
			// the process, not a member without access, not an
			// administrator; and the owner not the reader's.
			ownerJob := startAlignmentJob(t, owner, w.process, "")
			waitAlignmentJob(t, owner, int64(ownerJob.ID))
			for _, who := range []string{"coowner", "basic", "customizer", "admin", "pmu"} {
				for _, path := range []string{"", "/result"} {
					if code, body := w.c[who].do("GET", fmt.Sprintf("/api/v1/jobs/%d%s", ownerJob.ID, path), "", nil); code != 404 || errorCode(t, body) != "not_found" {
						t.Errorf("%s reads the owner's job%s: %d %s", who, path, code, body)
					}
				}
			}
			if code, body := result(owner, int64(rj.ID)); code != 404 {
				t.Errorf("the owner reads the reader's result: %d %s", code, body)
			}
			if code, body := result(owner, 999999); code != 404 {
				t.Errorf("a job that does not exist: %d %s", code, body)
			}

			// Refused as the GET is: a caller who may not read the process
			// is answered as for a process that does not exist, nothing is
			// queued; a bad query is invalid.
			before, err := e.store.UnendedJobs(t.Context(), w.ids["basic"], store.JobAlignments)
			if err != nil {
				t.Fatal(err)
			}
			missing := fmt.Sprintf("%s/processes/%d", w.base, 999999)
			for _, who := range []string{"basic", "owner"} {
				mcode, mbody := w.c[who].do("POST", missing+"/conformance/alignments", "", nil)
				if mcode != 404 {
					t.Errorf("%s: a process that does not exist: %d %s", who, mcode, mbody)
				}
				if who == "basic" {
					code, body := w.c[who].do("POST", w.process+"/conformance/alignments", "", nil)
					if code != mcode || body != mbody {
						t.Errorf("basic user: %d %s; for a missing process %d %s", code, body, mcode, mbody)
					}
				}
			}
			if n, _ := e.store.UnendedJobs(t.Context(), w.ids["basic"], store.JobAlignments); n != before {
				t.Errorf("refused requests queued %d jobs", n-before)
			}
			outsider, _ := e.user("outsider", false)
			ocode, obody := outsider.do("POST", w.process+"/conformance/alignments", "", nil)
			ncode, nbody := outsider.do("POST", "/api/v1/environments/999999/processes/1/conformance/alignments", "", nil)
			if ocode != 403 || ocode != ncode || obody != nbody {
				t.Errorf("a non-member: %d %s; for no environment %d %s", ocode, obody, ncode, nbody)
			}
			for _, q := range []string{"method=token-replay", "budget=0", "budget=x", "format=svg", "model=guess"} {
				if code, body := owner.do("POST", w.process+"/conformance/alignments?"+q, "", nil); code != 422 || errorCode(t, body) != "invalid" {
					t.Errorf("?%s: %d %s", q, code, body)
				}
			}
			if code, body := owner.do("POST", w.process+"/conformance/alignments?model=reference", "", nil); code != 409 || errorCode(t, body) != "no_reference_model" {
				t.Errorf("no reference model: %d %s", code, body)
			}
			// A reader may not filter on attribute values: the GET's 403.
			code, body := pmu.do("POST", w.process+"/conformance/alignments?case-attr=region%3Dnorth", "", nil)
			gcode, gbody := pmu.do("GET", w.process+"/conformance?method=alignments&case-attr=region%3Dnorth", "", nil)
			if code != gcode || body != gbody || code < 400 {
				t.Errorf("reader's attribute filter: %d %s; the GET's %d %s", code, body, gcode, gbody)
			}

			// While the job has not ended its result is a conflict.
			slots := e.srv.reports.MiningSlots()
			for range cap(slots) {
				slots <- struct{}{}
			}
			held := startAlignmentJob(t, owner, w.process, "budget=4000")
			for deadline := time.Now().Add(10 * time.Second); ; {
				var j store.Job
				owner.json("GET", fmt.Sprintf("/api/v1/jobs/%d", held.ID), "", 200, &j)
				if j.State == "running" || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			code, body = result(owner, int64(held.ID))
			for range cap(slots) {
				<-slots
			}
			if code != 409 || errorCode(t, body) != "job_not_done" {
				t.Errorf("result of a job under way: %d %s", code, body)
			}
			if j := waitAlignmentJob(t, owner, int64(held.ID)); j.State != "done" {
				t.Errorf("the held job: %+v", j)
			}

			// A new version of the data takes every result of the
			// process with it.
			if code, _ := result(owner, int64(held.ID)); code != 200 {
				t.Fatalf("before the new version: %d", code)
			}
			if j := owner.importLog(w.process+"/data", "cases.csv", disclosureLog(), nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			for _, c := range []struct {
				who *client
				id  int64
			}{{owner, int64(held.ID)}, {pmu, int64(rj.ID)}} {
				if code, body := result(c.who, c.id); code != 410 || errorCode(t, body) != "result_gone" {
					t.Errorf("after a new version: %d %s", code, body)
				}
			}
			if n, err := e.store.JobResults(t.Context(), w.pid); err != nil || n != 0 {
				t.Errorf("results kept after a new version: %d %v", n, err)
			}

			// So does an erasure in the environment.
			again := waitAlignmentJob(t, owner, int64(startAlignmentJob(t, owner, w.process, "").ID))
			if code, _ := result(owner, int64(again.ID)); code != 200 {
				t.Fatalf("before the erasure: %d", code)
			}
			// contrib2 is known here by the audit entry of their own job.
			waitAlignmentJob(t, w.c["contrib2"], int64(startAlignmentJob(t, w.c["contrib2"], w.process, "").ID))
			w.c["admin"].json("DELETE", fmt.Sprintf("%s/members/%d", w.base, w.ids["contrib2"]), "", 204, nil)
			if code, body := w.c["admin"].do("POST", w.base+"/erasure", `{"names":["contrib2"]}`, nil); code != 200 {
				t.Fatalf("erasure: %d %s", code, body)
			}
			if code, body := result(owner, int64(again.ID)); code != 410 {
				t.Errorf("after an erasure: %d %s", code, body)
			}
			if n, err := e.store.JobResults(t.Context(), 0); err != nil || n != 0 {
				t.Errorf("results kept after an erasure: %d %v", n, err)
			}

			// A new privacy policy (its smallest group, say) takes the
			// results guarded under the old one.
			guardedJob := waitAlignmentJob(t, pmu, int64(startAlignmentJob(t, pmu, w.process, "").ID))
			var policy map[string]any
			w.root.json("GET", w.base+"/privacy-policy", "", 200, &policy)
			policy["min_group_size"] = 6
			changed, _ := json.Marshal(policy)
			w.root.json("PUT", w.base+"/privacy-policy", string(changed), 200, nil)
			if code, body := result(pmu, int64(guardedJob.ID)); code != 410 {
				t.Errorf("after a new privacy policy: %d %s", code, body)
			}

			// A reader who lost the share loses the result too.
			last := waitAlignmentJob(t, pmu, int64(startAlignmentJob(t, pmu, w.process, "").ID))
			if code, _ := result(pmu, int64(last.ID)); code != 200 {
				t.Fatalf("reader before losing the share: %d", code)
			}
			owner.json("DELETE", w.process+"/shares", fmt.Sprintf(`{"principal":{"user":%d}}`, w.ids["pmu"]), 204, nil)
			if code, body := result(pmu, int64(last.ID)); code != 404 {
				t.Errorf("reader after losing the share: %d %s", code, body)
			}

			// A deleted process takes its results, and its jobs' results
			// are not found.
			gone := waitAlignmentJob(t, owner, int64(startAlignmentJob(t, owner, w.process, "").ID))
			owner.json("DELETE", w.process, "", 204, nil)
			if code, body := result(owner, int64(gone.ID)); code != 404 || errorCode(t, body) != "not_found" {
				t.Errorf("after the process's deletion: %d %s", code, body)
			}
			if n, err := e.store.JobResults(t.Context(), 0); err != nil || n != 0 {
				t.Errorf("results kept after the process's deletion: %d %v", n, err)
			}
		})
	}
}

// TestAlignmentJobInTheStudio: the conformance page shows an alignments
// job's result (?job=) to its user, as the API serves it: the reader's
// without log fitness; another's job, or one of another process, is not
// found.
func TestAlignmentJobInTheStudio(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			page := fmt.Sprintf("/e/%d/p/%d/conformance?method=alignments&job=", w.env, w.pid)
			oj := waitAlignmentJob(t, owner, int64(startAlignmentJob(t, owner, w.process, "").ID))
			var exact struct {
				LogFitness *float64 `json:"log_fitness"`
			}
			owner.json("GET", fmt.Sprintf("/api/v1/jobs/%d/result", oj.ID), "", 200, &exact)
			code, body := owner.do("GET", fmt.Sprintf("%s%d", page, oj.ID), "", nil)
			if code != 200 || exact.LogFitness == nil || !strings.Contains(body, fmt.Sprintf(`id="align-log-fitness">%.4f<`, *exact.LogFitness)) {
				t.Errorf("owner's page of their job: %d, log fitness %v", code, exact.LogFitness)
			}
			if !strings.Contains(body, `id="alignments"`) {
				t.Errorf("owner's page shows no alignments")
			}
			rj := waitAlignmentJob(t, pmu, int64(startAlignmentJob(t, pmu, w.process, "").ID))
			code, body = pmu.do("GET", fmt.Sprintf("%s%d", page, rj.ID), "", nil)
			if code != 200 || !strings.Contains(body, `id="alignments"`) || strings.Contains(body, "align-log-fitness") {
				t.Errorf("reader's page of their job: %d", code)
			}
			for _, c := range []struct {
				who  *client
				path string
			}{
				{pmu, fmt.Sprintf("%s%d", page, oj.ID)},
				{w.c["coowner"], fmt.Sprintf("%s%d", page, oj.ID)},
				{owner, fmt.Sprintf("%s%d", page, rj.ID)},
				{owner, page + "x"},
			} {
				if code, _ := c.who.do("GET", c.path, "", nil); code != 404 {
					t.Errorf("%s: %d, want 404", c.path, code)
				}
			}
			// The page offers the job, for the model it compares with.
			_, body = owner.do("GET", fmt.Sprintf("/e/%d/p/%d/conformance", w.env, w.pid), "", nil)
			if !strings.Contains(body, fmt.Sprintf(`data-jobs="/api/v1/environments/%d/processes/%d/conformance/alignments?model=discovered&amp;`, w.env, w.pid)) {
				t.Errorf("the page does not start a job")
			}
		})
	}
}

// namedLog is a small log whose resources are people with names of two
// words, one of them with letters outside ASCII.
func namedLog() []byte {
	var b strings.Builder
	b.WriteString("case:concept:name,concept:name,time:timestamp,org:resource\n")
	for i := range 30 {
		who := "Sara Lind"
		if i%2 == 0 {
			who = "José Núñez"
		}
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		for j, a := range []string{"Receive", "Check", "Approve"} {
			fmt.Fprintf(&b, "c%02d,%s,%s,%s\n", i, a, start.Add(time.Duration(j)*time.Hour).Format(time.RFC3339), who)
		}
	}
	return []byte(b.String())
}

// TestAlignmentJobQueryErased: a job's query names a person however it
// was encoded (%20, +, UTF-8 escapes); after the person's erasure the
// queue keeps no trace of the name (review of the alignments jobs,
// finding 2).
func TestAlignmentJobQueryErased(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, _ := disclosureWorld(t, e, namedLog())
			for _, q := range []string{"event-attr=org%3Aresource%3DSara%20Lind", "event-attr=org%3Aresource%3DSara+Lind", "event-attr=org%3Aresource%3DJos%C3%A9%20N%C3%BA%C3%B1ez"} {
				waitAlignmentJob(t, owner, int64(startAlignmentJob(t, owner, w.process, q).ID))
			}
			before, err := e.store.QueueArguments(t.Context(), w.env)
			if err != nil {
				t.Fatal(err)
			}
			if all := strings.Join(before, " "); strings.Count(all, `"query"`) != 3 || !strings.Contains(all, "Sara Lind") || !strings.Contains(all, "José Núñez") {
				t.Fatalf("the queue's arguments before the erasure: %q", before)
			}
			for _, n := range []string{`{"names":["Sara Lind"]}`, `{"names":["José Núñez"]}`} {
				if code, body := w.root.do("POST", w.base+"/erasure", n, nil); code != 200 {
					t.Fatalf("erasure %s: %d %s", n, code, body)
				}
			}
			after, err := e.store.QueueArguments(t.Context(), w.env)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range after {
				for _, trace := range []string{"Sara", "Lind", "Jos", "Núñez", "N%C3%BA"} {
					if strings.Contains(a, trace) {
						t.Errorf("after the erasures the queue keeps %q: %s", trace, a)
					}
				}
			}
		})
	}
}

// TestAlignmentJobLimitUnderConcurrency: sixteen requests side by side
// queue no more jobs than one user may have (review of the alignments
// jobs, finding 3); the others are refused with 429. Its user cancels a
// job (finding 5), no one else may.
func TestAlignmentJobLimitUnderConcurrency(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, pmu := disclosureWorld(t, e, disclosureLog())
			// The mining slots taken, the jobs wait rather than end.
			slots := e.srv.reports.MiningSlots()
			for range cap(slots) {
				slots <- struct{}{}
			}
			defer func() {
				for range cap(slots) {
					<-slots
				}
			}()
			const n = 16
			type answer struct {
				code int
				body string
			}
			answers := make(chan answer, n)
			start := make(chan struct{})
			for range n {
				go func() {
					<-start
					code, body := owner.do("POST", w.process+"/conformance/alignments?budget=4000", "", nil)
					answers <- answer{code, body}
				}()
			}
			close(start)
			count := map[int]int{}
			var queued store.Job
			for range n {
				a := <-answers
				count[a.code]++
				if a.code == http.StatusAccepted {
					json.Unmarshal([]byte(a.body), &queued)
				}
			}
			if count[202] != jobs.MaxAlignmentJobs || count[429] != n-jobs.MaxAlignmentJobs {
				t.Errorf("answers %v to %d requests side by side; want %d accepted, the rest 429", count, n, jobs.MaxAlignmentJobs)
			}
			// A job is cancelled by its user alone, once; that frees a
			// place.
			job := fmt.Sprintf("/api/v1/jobs/%d", queued.ID)
			if code, body := pmu.do("DELETE", job, "", nil); code != http.StatusNotFound {
				t.Errorf("another user cancels the job: %d %s", code, body)
			}
			if code, body := owner.do("DELETE", job, "", nil); code != http.StatusNoContent {
				t.Errorf("cancelling: %d %s", code, body)
			}
			if code, body := owner.do("GET", job, "", nil); code != 200 || !strings.Contains(body, `"state":"failed"`) || !strings.Contains(body, "cancelled by you") {
				t.Errorf("the cancelled job: %d %s", code, body)
			}
			if code, body := owner.do("DELETE", job, "", nil); code != http.StatusConflict {
				t.Errorf("cancelling again: %d %s", code, body)
			}
			if code, body := owner.do("POST", w.process+"/conformance/alignments?budget=4000", "", nil); code != http.StatusAccepted {
				t.Errorf("a job after one was cancelled: %d %s", code, body)
			}
		})
	}
}

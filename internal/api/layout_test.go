package api

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// denseCSV is a log of 40 activities in random order, about 200 KB:
// its map has about 1,600 paths, whose layout takes far longer than
// minutes.
func denseCSV() []byte {
	r := rand.New(rand.NewPCG(14, 2))
	var b strings.Builder
	b.WriteString("case,activity,timestamp\n")
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for c := range 460 {
		for j := range 12 {
			fmt.Fprintf(&b, "%d,activity %d,%s\n", c, r.IntN(40), at.Add(time.Duration(c*12+j)*time.Minute).Format(time.RFC3339))
		}
	}
	return []byte(b.String())
}

// smallCSV is an ordinary log: a few activities in order.
func smallCSV() []byte {
	var b strings.Builder
	b.WriteString("case,activity,timestamp\n")
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for c := range 20 {
		for j, a := range []string{"receive", "check", "approve", "pay"} {
			fmt.Fprintf(&b, "%d,%s,%s\n", c, a, at.Add(time.Duration(c*10+j)*time.Hour).Format(time.RFC3339))
		}
	}
	return []byte(b.String())
}

// answer is one request's outcome, for the attack's record.
type answer struct {
	what   string
	status int
	body   string
	retry  string
	took   time.Duration
	err    error
}

// get makes a request off the test's goroutine: it never calls t.Fatal.
func get(c *http.Client, url, what string) answer {
	begin := time.Now()
	resp, err := c.Get(url)
	if err != nil {
		return answer{what: what, err: err, took: time.Since(begin)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{what: what, status: resp.StatusCode, body: string(b), retry: resp.Header.Get("Retry-After"), took: time.Since(begin)}
}

// TestDenseMapCannotStallTheServer plays the attack of issue 14: a maker
// uploads a log of 40 activities in random order (about 1,600 paths),
// then four requests ask for its drawing, two as SVG maps from the API
// and two as its studio page. While they run, /healthz answers within
// 100 ms at the 99th percentile, a sign-in works, and another user's
// map of another process answers normally. The hostile requests end
// with a clear answer: the API's with the map's figures and the paths
// share that can be drawn, the pages with a simplified map whose layout
// is stopped at its deadline (or, for the second page of the same user,
// busy), said on the page.
func TestDenseMapCannotStallTheServer(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, prod, base := prodWithMaker(e)
			other, otherID := e.user("other", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, otherID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)
			var dense, small processJSON
			maker.json("POST", base+"/processes", `{"name":"Dense"}`, 201, &dense)
			other.json("POST", base+"/processes", `{"name":"Small"}`, 201, &small)
			densePath, smallPath := fmt.Sprintf("%s/processes/%d", base, dense.ID), fmt.Sprintf("%s/processes/%d", base, small.ID)
			if j := maker.importLog(densePath+"/data", "dense.csv", denseCSV(), nil); j.State != "done" {
				t.Fatalf("dense import: %+v", j)
			}
			if j := other.importLog(smallPath+"/data", "small.csv", smallCSV(), nil); j.State != "done" {
				t.Fatalf("small import: %+v", j)
			}
			// The map's figures are still there as JSON.
			var m struct{ Nodes, Edges []any }
			maker.json("GET", densePath+"/map", "", 200, &m)
			if len(m.Nodes) != 40 || len(m.Edges) < 1500 {
				t.Fatalf("dense map: %d activities, %d paths", len(m.Nodes), len(m.Edges))
			}

			// No request of the test waits for ever on the code before
			// the fix: each gives up after 60 s.
			hc := &http.Client{Timeout: 60 * time.Second, Jar: maker.http.Jar}
			page := fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, dense.ID)
			hostile := []struct{ what, url string }{
				{"api svg", e.url + densePath + "/map?format=svg"},
				{"api svg performance", e.url + densePath + "/map?format=svg&view=performance"},
				{"studio page", page},
				{"studio page performance", page + "?view=performance"},
			}
			begin := time.Now()
			answers := make(chan answer, len(hostile))
			var attack sync.WaitGroup
			for _, h := range hostile {
				attack.Go(func() { answers <- get(hc, h.url, h.what) })
			}
			attackDone := make(chan struct{})
			go func() { attack.Wait(); close(attackDone) }()

			// /healthz, polled every 10 ms while the attack runs (and
			// for at least 2 s).
			var health []time.Duration
			var healthFailed int
			polled := make(chan struct{})
			go func() {
				defer close(polled)
				plain := &http.Client{Timeout: 60 * time.Second}
				for time.Since(begin) < 2*time.Second || func() bool {
					select {
					case <-attackDone:
						return false
					default:
						return true
					}
				}() {
					a := get(plain, e.url+"/healthz", "healthz")
					if a.err != nil || a.status != 200 {
						healthFailed++
					}
					health = append(health, a.took)
					time.Sleep(10 * time.Millisecond)
				}
			}()

			time.Sleep(300 * time.Millisecond)
			// A sign-in, and another user's map of another process.
			signIn := make(chan answer, 1)
			go func() {
				begin := time.Now()
				resp, err := (&http.Client{Timeout: 60 * time.Second}).Post(e.url+"/api/v1/session", "application/json",
					strings.NewReader(`{"username":"other","password":"a long enough password"}`))
				a := answer{what: "sign-in", err: err, took: time.Since(begin)}
				if err == nil {
					a.status = resp.StatusCode
					resp.Body.Close()
				}
				signIn <- a
			}()
			otherClient := &http.Client{Timeout: 60 * time.Second, Jar: other.http.Jar}
			smallMap := get(otherClient, e.url+smallPath+"/map?format=svg", "another process's map")
			si := <-signIn
			<-polled
			var got []answer
			for range hostile {
				got = append(got, <-answers)
			}

			if si.err != nil || si.status != 200 || si.took > 2*time.Second {
				t.Errorf("sign-in during the attack: %d %v after %v", si.status, si.err, si.took)
			}
			if smallMap.err != nil || smallMap.status != 200 || !strings.Contains(smallMap.body, "receive") || smallMap.took > 5*time.Second {
				t.Errorf("another process's map during the attack: %d %v after %v: %.200s", smallMap.status, smallMap.err, smallMap.took, smallMap.body)
			}
			slices.Sort(health)
			p99 := health[(len(health)*99)/100]
			if p99 > 100*time.Millisecond || healthFailed > 0 {
				t.Errorf("/healthz during the attack: p99 %v over %d requests, %d failed", p99, len(health), healthFailed)
			}
			t.Logf("/healthz during the attack: %d requests, p50 %v, p99 %v, max %v; sign-in %v; another process's map %v",
				len(health), health[len(health)/2], p99, health[len(health)-1], si.took, smallMap.took)
			for _, a := range got {
				t.Logf("%s: %d after %v", a.what, a.status, a.took)
				switch {
				case a.err != nil:
					t.Errorf("%s: %v after %v", a.what, a.err, a.took)
				case strings.HasPrefix(a.what, "api"):
					// The figures, and what to ask for instead.
					if a.status != 422 || errorCode(t, a.body) != "too_large_to_draw" || !strings.Contains(a.body, "40 activities") || !strings.Contains(a.body, "lower the paths share to") || a.took > time.Second {
						t.Errorf("%s: %d after %v: %.300s", a.what, a.status, a.took, a.body)
					}
				case a.status == 200:
					// A simplified map, said so, whose layout was stopped
					// at the deadline and said so.
					if !strings.Contains(a.body, "the paths slider lowered to") || !strings.Contains(a.body, "took longer than 10s to lay out") || a.took > 15*time.Second {
						t.Errorf("%s: after %v, no note on the drawing", a.what, a.took)
					}
				case a.status == 503:
					// The same user's other page: told to retry, without
					// waiting for a worker.
					if !strings.Contains(a.body, "every layout worker is busy") || a.took > 5*time.Second {
						t.Errorf("%s: 503 after %v", a.what, a.took)
					}
				default:
					t.Errorf("%s: %d after %v: %.300s", a.what, a.status, a.took, a.body)
				}
			}
			// The stopped layout is not tried again: the page answers at once.
			if a := get(hc, page, "studio page again"); a.status != 200 || !strings.Contains(a.body, "took longer than 10s") || a.took > time.Second {
				t.Errorf("the page again: %d after %v", a.status, a.took)
			}
		})
	}
}

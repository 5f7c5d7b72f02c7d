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
	url    string
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
		return answer{what: what, url: url, err: err, took: time.Since(begin)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{what: what, url: url, status: resp.StatusCode, body: string(b), retry: resp.Header.Get("Retry-After"), took: time.Since(begin)}
}

// attack is what playDenseMapAttack saw.
type attack struct {
	// health are the /healthz latencies during the attack, sorted;
	// healthFailed the polls that did not answer 200.
	health       []time.Duration
	healthFailed int
	signIn       answer
	otherMap     answer
	hostile      []answer
	// pageAgain is the first of the dense process's pages whose layout
	// was stopped, asked again afterwards.
	pageAgain answer
}

func (a *attack) p99() time.Duration { return a.health[len(a.health)*99/100] }

// playDenseMapAttack plays the attack of issue 14 on one server: a maker
// uploads a log of 40 activities in random order (about 1,600 paths),
// then four requests ask for its drawing, two as SVG maps from the API
// and two as its studio page. While they run, /healthz is polled every
// 10 ms (for at least 2 s), another user signs in, and that user asks for
// the SVG map of a process of their own.
func playDenseMapAttack(t testing.TB, e *env) *attack {
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
	// The map's figures are there as JSON.
	var m struct{ Nodes, Edges []any }
	maker.json("GET", densePath+"/map", "", 200, &m)
	if len(m.Nodes) != 40 || len(m.Edges) < 1500 {
		t.Fatalf("dense map: %d activities, %d paths", len(m.Nodes), len(m.Edges))
	}

	// No request waits for ever on the code before the fix: each gives
	// up after 30 s.
	hc := &http.Client{Timeout: 30 * time.Second, Jar: maker.http.Jar}
	page := fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, dense.ID)
	hostile := []struct{ what, url string }{
		{"api svg", e.url + densePath + "/map?format=svg"},
		{"api svg performance", e.url + densePath + "/map?format=svg&view=performance"},
		// With the sliders at 100%: with none, the page chooses a small,
		// readable map (TestStudioMapsReadable).
		{"studio page", page + "?activities=1&paths=1"},
		{"studio page performance", page + "?view=performance&activities=1&paths=1"},
	}
	begin := time.Now()
	answers := make(chan answer, len(hostile))
	var hostiles sync.WaitGroup
	for _, h := range hostile {
		hostiles.Go(func() { answers <- get(hc, h.url, h.what) })
	}
	done := make(chan struct{})
	go func() { hostiles.Wait(); close(done) }()

	a := &attack{}
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		plain := &http.Client{Timeout: 30 * time.Second}
		for {
			select {
			case <-done:
				if time.Since(begin) > 2*time.Second {
					return
				}
			default:
			}
			h := get(plain, e.url+"/healthz", "healthz")
			if h.err != nil || h.status != 200 {
				a.healthFailed++
			}
			a.health = append(a.health, h.took)
			time.Sleep(10 * time.Millisecond)
		}
	}()

	time.Sleep(300 * time.Millisecond)
	signIn := make(chan answer, 1)
	go func() {
		begin := time.Now()
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Post(e.url+"/api/v1/session", "application/json",
			strings.NewReader(`{"username":"other","password":"a long enough password"}`))
		si := answer{what: "sign-in", err: err, took: time.Since(begin)}
		if err == nil {
			si.status = resp.StatusCode
			resp.Body.Close()
		}
		signIn <- si
	}()
	a.otherMap = get(&http.Client{Timeout: 30 * time.Second, Jar: other.http.Jar}, e.url+smallPath+"/map?format=svg", "another process's map")
	a.signIn = <-signIn
	<-polled
	for range hostile {
		a.hostile = append(a.hostile, <-answers)
	}
	slices.Sort(a.health)
	for _, h := range a.hostile {
		if strings.HasPrefix(h.what, "studio") && h.status == 200 && strings.Contains(h.body, "took longer than") {
			a.pageAgain = get(hc, h.url, h.what+" again")
			break
		}
	}
	return a
}

// TestDenseMapCannotStallTheServer: while the attack of
// playDenseMapAttack runs, /healthz answers within 100 ms at the 99th
// percentile, the sign-in works, and the other user's map answers
// normally. The hostile requests end with a clear answer: the API's with
// the map's figures and the paths share that can be drawn, the pages
// with a simplified map whose layout is stopped at its deadline (or, for
// the second page of the same user, busy), said on the page; and the
// stopped layout is not tried again.
func TestDenseMapCannotStallTheServer(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			a := playDenseMapAttack(t, e)
			si, om := a.signIn, a.otherMap
			if si.err != nil || si.status != 200 || si.took > 2*time.Second {
				t.Errorf("sign-in during the attack: %d %v after %v", si.status, si.err, si.took)
			}
			if om.err != nil || om.status != 200 || !strings.Contains(om.body, "receive") || om.took > 5*time.Second {
				t.Errorf("another process's map during the attack: %d %v after %v: %.200s", om.status, om.err, om.took, om.body)
			}
			if a.p99() > 100*time.Millisecond || a.healthFailed > 0 {
				t.Errorf("/healthz during the attack: p99 %v over %d requests, %d failed", a.p99(), len(a.health), a.healthFailed)
			}
			t.Logf("/healthz during the attack: %d requests, p50 %v, p99 %v, max %v; sign-in %v; another process's map %v",
				len(a.health), a.health[len(a.health)/2], a.p99(), a.health[len(a.health)-1], si.took, om.took)
			for _, h := range a.hostile {
				t.Logf("%s: %d after %v", h.what, h.status, h.took)
				switch {
				case h.err != nil:
					t.Errorf("%s: %v after %v", h.what, h.err, h.took)
				case strings.HasPrefix(h.what, "api"):
					// The figures, and what to ask for instead.
					if h.status != 422 || errorCode(t, h.body) != "too_large_to_draw" || !strings.Contains(h.body, "40 activities") || !strings.Contains(h.body, "lower the paths share to") || h.took > time.Second {
						t.Errorf("%s: %d after %v: %.300s", h.what, h.status, h.took, h.body)
					}
				case h.status == 200:
					// A simplified map, said so, drawn or (most often)
					// stopped at the deadline, said so.
					stopped := strings.Contains(h.body, "took longer than 10s to lay out")
					if !strings.Contains(h.body, "the paths slider lowered to") || !stopped && !strings.Contains(h.body, "<svg") || h.took > 15*time.Second {
						t.Errorf("%s: after %v, no note on the drawing", h.what, h.took)
					}
				case h.status == 503:
					// The same user's other page: told to retry, without
					// waiting for a worker.
					if !strings.Contains(h.body, "every layout worker is busy") || h.took > 5*time.Second {
						t.Errorf("%s: 503 after %v", h.what, h.took)
					}
				default:
					t.Errorf("%s: %d after %v: %.300s", h.what, h.status, h.took, h.body)
				}
			}
			if p := a.pageAgain; p.url != "" && (p.status != 200 || !strings.Contains(p.body, "took longer than 10s") || p.took > 2*time.Second) {
				t.Errorf("the stopped page again: %d after %v", p.status, p.took)
			}
		})
	}
}

// BenchmarkDenseMapAttack reports the figures of playDenseMapAttack on
// each database: /healthz p50 and p99 during the attack, the sign-in and
// the other user's map, and how long the slowest hostile request took to
// be refused or stopped (with the 10 s deadline of TestMain). Each run
// has servers of its own; a graph whose layout was stopped in an earlier
// run of the same process is refused at once. Run it once per count:
// go test -run '^$' -bench DenseMapAttack -benchtime 1x ./internal/api
func BenchmarkDenseMapAttack(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			e, ok := serversB(b)[name]
			if !ok {
				b.Skip("PROCMINE_TEST_POSTGRES_URL is not set")
			}
			var a *attack
			for b.Loop() {
				a = playDenseMapAttack(b, e)
			}
			var api, slowest time.Duration
			for _, h := range a.hostile {
				slowest = max(slowest, h.took)
				if strings.HasPrefix(h.what, "api") {
					api = max(api, h.took)
				}
			}
			for _, h := range a.hostile {
				b.Logf("%s: %d after %v", h.what, h.status, h.took)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(a.health[len(a.health)/2]), "healthz-p50-ms")
			b.ReportMetric(ms(a.p99()), "healthz-p99-ms")
			b.ReportMetric(ms(a.signIn.took), "signin-ms")
			b.ReportMetric(ms(a.otherMap.took), "other-map-ms")
			b.ReportMetric(ms(api), "api-refused-ms")
			b.ReportMetric(slowest.Seconds(), "hostile-max-s")
		})
	}
}

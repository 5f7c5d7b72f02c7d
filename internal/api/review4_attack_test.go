package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/mining/filterspec"
)

// These tests are the fourth review's cost findings (F3, F4), each failing
// on ae18167.

// TestAttack4TooManyFilters: every filter is a pass over every case, and
// a report took as many as the query held (9,000 not-follows: 7 s of a
// core on BPIC 2012, eight at once a minute each). More than
// filterspec.MaxFilters are refused now, with the reason and the limit,
// by the API and on the process page.
func TestAttack4TooManyFilters(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, _ := disclosureWorld(t, e, review3Log())
			many := func(n int) string {
				return strings.TrimPrefix(strings.Repeat("&not-follows=Check>>Nope", n), "&")
			}
			if code, body := owner.do("GET", w.process+"/report?"+many(filterspec.MaxFilters), "", nil); code != 200 {
				t.Errorf("%d filters: %d %.200s", filterspec.MaxFilters, code, body)
			}
			for _, route := range []string{"/report", "/statistics", "/variants", "/map", "/model"} {
				code, body := owner.do("GET", w.process+route+"?"+many(9000), "", nil)
				if code != 422 || !strings.Contains(body, "too many filters") || !strings.Contains(body, fmt.Sprint(filterspec.MaxFilters)) {
					t.Errorf("%s with 9,000 filters: %d %.200s", route, code, body)
				}
			}
			page := fmt.Sprintf("/e/%d/p/%d?%s", w.env, w.pid, many(filterspec.MaxFilters+1))
			if code, body := owner.do("GET", page, "", nil); code != 200 || !strings.Contains(body, "too many filters") {
				t.Errorf("the process page with %d filters: %d, without the reason", filterspec.MaxFilters+1, code)
			}
		})
	}
}

// doDropped sends a GET whose client goes away after the given time, as
// a caller that closes the connection does.
func (c *client) doDropped(path string, after time.Duration) {
	c.e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), after)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.e.url+path, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err == nil {
		resp.Body.Close()
		c.e.t.Fatalf("%s answered %d before its client went away", path, resp.StatusCode)
	}
}

// loggedStatus waits for the server's log line of the request to path
// and returns its status.
func (e *env) loggedStatus(path string) string {
	e.t.Helper()
	line := regexp.MustCompile(`msg=request .*path=` + regexp.QuoteMeta(path) + ` status=(\d+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := line.FindStringSubmatch(e.logs.String()); m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no request line for %s in the log", path)
	return ""
}

// TestAttack4DroppedRequestIsNotAServerError: a request whose client went
// away (here, while it waited for a mining slot, and on the process page
// as a request without its answer) was logged and counted as a 500
// internal error, the log saying "internal error" with context canceled.
// It is the client's doing: logged at info, with status 499, and no 500.
func TestAttack4DroppedRequestIsNotAServerError(t *testing.T) {
	defer func(d time.Duration) { slotWait = d }(slotWait)
	slotWait = 10 * time.Second
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, _ := disclosureWorld(t, e, review3Log())
			for range cap(e.srv.mining) {
				e.srv.mining <- struct{}{}
			}
			defer func() {
				for range cap(e.srv.mining) {
					<-e.srv.mining
				}
			}()
			for _, path := range []string{w.process + "/model", w.process + "/conformance"} {
				begin := time.Now()
				owner.doDropped(path, 200*time.Millisecond)
				if status := e.loggedStatus(path); status != "499" {
					t.Errorf("%s dropped by its client: logged as %s", path, status)
				}
				if d := time.Since(begin); d > slotWait/2 {
					t.Errorf("%s dropped by its client went on waiting for a slot (%v)", path, d)
				}
			}
			if bad := regexp.MustCompile(`.*status=500.*`).FindAllString(e.logs.String(), -1); bad != nil {
				t.Errorf("a dropped request was logged as a server error:\n%s", strings.Join(bad, "\n"))
			}
		})
	}
}

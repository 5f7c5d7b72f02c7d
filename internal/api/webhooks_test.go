package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
	"github.com/procmine/procmine/internal/webhooks"
)

// webhookEnvs opens a store on each database kind, with no server yet:
// startWebhooks starts one with the webhook settings a test needs.
func webhookEnvs(t *testing.T) map[string]*env {
	out := map[string]*env{}
	for name, dsn := range storetest.DSNs(t) {
		st := storeOn(t, dsn)
		key, err := seal.ParseKey(seal.Generate())
		if err != nil {
			t.Fatal(err)
		}
		st.UseKeys(&seal.Keyring{Current: key})
		out[name] = &env{t: t, store: st, dsn: dsn, now: time.Now().UTC(), logs: &syncBuffer{}, key: key, sources: t.TempDir()}
	}
	return out
}

// startWebhooks serves e's store with wc, its jobs running, in place of
// the server e had (whose jobs it stops): as an administrator restarting
// procmine with other settings would.
func startWebhooks(t *testing.T, e *env, wc WebhookConfig) {
	t.Helper()
	if e.srv != nil {
		if err := e.srv.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	srv := New(Config{Store: e.store, Log: slog.New(slog.NewTextHandler(e.logs, nil)), Password: cheap, Now: func() time.Time { return time.Now().UTC() },
		TrustedProxies: proxies, Webhooks: wc, Sources: datasource.Config{SQLiteDir: e.sources}})
	ts := httptest.NewServer(checked(t, srv.Handler()))
	t.Cleanup(ts.Close)
	startJobs(t, srv)
	e.url, e.srv = ts.URL, srv
}

// quick retries, for tests.
func quickWebhooks(allow string) WebhookConfig {
	a, err := webhooks.ParseAllowList(allow)
	if err != nil {
		panic(err)
	}
	return WebhookConfig{Allow: a, Attempts: 3, Backoff: func(int) time.Duration { return 50 * time.Millisecond }, Timeout: 5 * time.Second}
}

// received is one delivery a receiver saw.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook receiver on loopback that fails the first
// failFirst deliveries with 500.
type receiver struct {
	mu        sync.Mutex
	got       []received
	failFirst atomic.Int32
	srv       *httptest.Server
}

func newReceiver(t *testing.T, addr string) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		rc.mu.Unlock()
		if rc.failFirst.Add(-1) >= 0 {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		rc.srv.Listener.Close()
		rc.srv.Listener = ln
	}
	rc.srv.Start()
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitFor waits until the receiver has seen n deliveries of event.
func (rc *receiver) waitFor(t *testing.T, event string, n int) []received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out []received
		for _, g := range rc.all() {
			if g.header.Get("Procmine-Event") == event {
				out = append(out, g)
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver saw %d deliveries of %s, want %d", len(out), event, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkSignature recomputes the HMAC of a delivery, as a receiver would.
func checkSignature(t *testing.T, secret string, g received) {
	t.Helper()
	var ts, sig string
	for _, part := range strings.Split(g.header.Get("Procmine-Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		t.Fatalf("signature time %q", ts)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(g.body)))
	if want := hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(sig), []byte(want)) {
		t.Fatalf("signature %q, want v1=%s over %s", g.header.Get("Procmine-Signature"), want, g.body)
	}
	// The delivery's id is in the body, under the signature; the header
	// repeats it.
	var body struct{ Delivery string }
	json.Unmarshal(g.body, &body)
	if !deliveryID.MatchString(body.Delivery) || g.header.Get("Procmine-Delivery") != body.Delivery || g.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v, body %s", g.header, g.body)
	}
	if err := webhooks.Verify([]byte(secret), g.header.Get("Procmine-Signature"), g.body, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
}

// deliveryID is a delivery's random id.
var deliveryID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// envelope reads a delivery's body.
func envelope(t *testing.T, g received) (event string, env access.ID, data map[string]any) {
	t.Helper()
	var e struct {
		Event       string
		Environment access.ID
		Data        map[string]any
	}
	if err := json.Unmarshal(g.body, &e); err != nil {
		t.Fatalf("body %s: %v", g.body, err)
	}
	return e.Event, e.Environment, e.Data
}

type deliveryJSON struct {
	ID         access.ID
	Delivery   string
	Event      string
	State      string
	Attempts   int
	LastStatus int    `json:"last_status"`
	LastError  string `json:"last_error"`
}

// deliveriesOf waits until n of the webhook's deliveries of event have
// ended (delivered or failed) and returns the latest.
func deliveriesOf(c *client, path, event string, n int) deliveryJSON {
	c.e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list struct{ Deliveries []deliveryJSON }
		c.json("GET", path+"/deliveries", "", 200, &list)
		var ended []deliveryJSON
		for _, d := range list.Deliveries {
			if d.Event == event && (d.State == "delivered" || d.State == "failed") {
				ended = append(ended, d)
			}
		}
		if len(ended) >= n {
			return ended[0]
		}
		if time.Now().After(deadline) {
			c.e.t.Fatalf("no ended delivery of %s: %+v", event, list.Deliveries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const hookSecret = "a secret of the receiver, 32 chars"

// TestWebhookDeliveries: a webhook registered by the environment's
// administrator receives every event it subscribes to, signed with its
// secret, after a failure too (the receiver answers 500 first and the
// delivery is tried again), with identifiers and aggregates only; its
// deliveries are listed with how they went, and audited.
func TestWebhookDeliveries(t *testing.T) {
	csv := "case,activity,time,resource\n" +
		"c-1001,Create,2026-01-01T09:00:00Z,Sara Lind\n" +
		"c-1001,Approve,2026-01-01T10:00:00Z,Ahmed Khan\n" +
		"c-1001,Pay,2026-01-01T11:00:00Z,Ahmed Khan\n" +
		"c-1002,Create,2026-01-02T09:00:00Z,Ahmed Khan\n" +
		"c-1002,Pay,2026-01-02T10:00:00Z,Sara Lind\n"
	mapping := map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			startWebhooks(t, e, quickWebhooks("127.0.0.1/32"))
			rc := newReceiver(t, "")
			root, maker, _, prod, base := prodWithMaker(e)
			viewer, viewerID := e.user("viewer", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, prod.Root), 200, nil)
			_ = viewer

			var hook struct {
				ID     access.ID
				URL    string
				Events []string
				Secret *string
			}
			req := fmt.Sprintf(`{"url":%q,"events":["import.finished","import.failed","share.granted","share.revoked","erasure.completed","conformance.below_threshold"],"threshold":0.99,"secret":%q}`, rc.srv.URL+"/hook", hookSecret)
			root.json("POST", base+"/webhooks", req, 201, &hook)
			if hook.Secret != nil || len(hook.Events) != 6 {
				t.Fatalf("created %+v", hook)
			}
			hookPath := fmt.Sprintf("%s/webhooks/%d", base, hook.ID)
			if code, body := root.do("GET", base+"/webhooks", "", nil); code != 200 || strings.Contains(body, hookSecret) || strings.Contains(body, `"secret"`) {
				t.Fatalf("list: %d %s", code, body)
			}

			// An import: the receiver fails the first delivery, sees the
			// second.
			rc.failFirst.Store(1)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"Invoices"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			job := maker.importLog(path+"/data", "invoices of Sara Lind.csv", []byte(csv), mapping)
			if job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			got := rc.waitFor(t, "import.finished", 2)
			if got[0].header.Get("Procmine-Delivery") != got[1].header.Get("Procmine-Delivery") {
				t.Errorf("a retry is another delivery: %v %v", got[0].header, got[1].header)
			}
			checkSignature(t, hookSecret, got[1])
			ev, envID, data := envelope(t, got[1])
			if ev != "import.finished" || envID != prod.ID || data["process"] != float64(p.ID) || data["version"] != float64(job.Version) ||
				data["cases"] != float64(2) || data["events"] != float64(5) || data["job"] == nil {
				t.Errorf("import.finished: %s", got[1].body)
			}
			d := deliveriesOf(root, hookPath, "import.finished", 1)
			if d.State != "delivered" || d.Attempts != 2 || d.LastStatus != 204 {
				t.Errorf("delivery %+v, want delivered on the second attempt", d)
			}

			// A failed import: its reason quotes the file; the payload does not.
			bad := maker.importLog(path+"/data", "Sara Lind.csv", []byte("case,activity,time,resource\nc-9,Create,not a time at all,Sara Lind\n"), mapping)
			if bad.State != "failed" {
				t.Fatalf("bad import %+v", bad)
			}
			failed := rc.waitFor(t, "import.failed", 1)
			checkSignature(t, hookSecret, failed[0])
			if _, _, data := envelope(t, failed[0]); data["process"] != float64(p.ID) || data["job"] == nil || len(data) != 2 {
				t.Errorf("import.failed: %s", failed[0].body)
			}

			// Shares: the process, the principal and the role; a share put
			// again as it was grants nothing and is not told.
			maker.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)
			maker.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)
			var listed struct{ Deliveries []deliveryJSON }
			root.json("GET", hookPath+"/deliveries", "", 200, &listed)
			if n := countEvent(listed.Deliveries, "share.granted"); n != 1 {
				t.Errorf("a share put twice as it was: %d share.granted deliveries, want 1", n)
			}
			granted := rc.waitFor(t, "share.granted", 1)
			checkSignature(t, hookSecret, granted[0])
			if _, _, data := envelope(t, granted[0]); data["process"] != float64(p.ID) || data["access"] != "viewer" ||
				data["principal"].(map[string]any)["user"] != float64(viewerID) {
				t.Errorf("share.granted: %s", granted[0].body)
			}
			maker.json("DELETE", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d}}`, viewerID), 204, nil)
			revoked := rc.waitFor(t, "share.revoked", 1)
			if _, _, data := envelope(t, revoked[0]); data["process"] != float64(p.ID) || data["principal"].(map[string]any)["user"] != float64(viewerID) {
				t.Errorf("share.revoked: %s", revoked[0].body)
			}

			// Conformance below the threshold after an import: a reference
			// model where every case is approved (c-1002 is not).
			ref, _ := processtree.Parse("->( 'Create', 'Approve', 'Pay' )")
			var model bytes.Buffer
			if err := bpmn.Write(context.Background(), &model, bpmn.FromTree(ref)); err != nil {
				t.Fatal(err)
			}
			if code, body := maker.do("PUT", path+"/reference-model?name=ref.bpmn", model.String(), map[string]string{"Content-Type": "application/xml"}); code != 200 {
				t.Fatalf("reference model: %d %s", code, body)
			}
			job2 := maker.importLog(path+"/data", "invoices.csv", []byte(csv), mapping)
			below := rc.waitFor(t, "conformance.below_threshold", 1)
			checkSignature(t, hookSecret, below[0])
			if _, _, data := envelope(t, below[0]); data["process"] != float64(p.ID) || data["version"] != float64(job2.Version) ||
				data["threshold"] != 0.99 || data["fitness"].(float64) >= 0.99 || data["fitness"].(float64) <= 0 {
				t.Errorf("conformance.below_threshold: %s", below[0].body)
			}

			// An erasure: counts only.
			root.json("POST", base+"/erasure", `{"names":["Sara Lind"]}`, 200, nil)
			erased := rc.waitFor(t, "erasure.completed", 1)
			checkSignature(t, hookSecret, erased[0])
			if _, _, data := envelope(t, erased[0]); data["names"] != float64(1) || len(data) != 1 {
				t.Errorf("erasure.completed: %s", erased[0].body)
			}
			for k, v := range func() map[string]any { _, _, d := envelope(t, erased[0]); return d }() {
				if _, ok := v.(float64); !ok {
					t.Errorf("erasure.completed: %s is %v, not a count", k, v)
				}
			}

			// No delivery holds raw data: no case id, resource, file name
			// or failure text.
			for _, g := range rc.all() {
				low := strings.ToLower(string(g.body))
				for _, raw := range []string{"c-1001", "c-1002", "c-9", "sara", "ahmed", ".csv", "not a time", "create", "approve"} {
					if strings.Contains(low, raw) {
						t.Errorf("a delivery holds %q: %s", raw, g.body)
					}
				}
			}

			// Audited: the registration; not the deliveries that went
			// (the list of deliveries has them), only failures.
			code, audit := root.do("GET", base+"/audit", "", nil)
			if code != 200 || !strings.Contains(audit, "webhook.created") {
				t.Errorf("audit has no webhook.created: %d", code)
			}
			if strings.Contains(audit, "webhook.delivered") {
				t.Errorf("each delivery is audited")
			}
			if strings.Contains(audit, rc.srv.URL) {
				t.Errorf("the audit log holds the webhook's URL")
			}

			// Deleted: it is gone, its deliveries with it, and audited.
			root.json("DELETE", hookPath, "", 204, nil)
			if code, _ := root.do("GET", hookPath+"/deliveries", "", nil); code != 404 {
				t.Errorf("deliveries of a deleted webhook: %d", code)
			}
			if _, audit := root.do("GET", base+"/audit", "", nil); !strings.Contains(audit, "webhook.deleted") {
				t.Errorf("audit has no webhook.deleted")
			}
		})
	}
}

// TestWebhookAllowList: a webhook cannot be pointed where the
// installation's allow list does not reach, at registration nor at
// delivery: not when the list is empty, not by scheme or credentials,
// not by a name that resolves to the server's own network, not by a name
// that moved after registration (DNS rebinding: the address dialled is
// checked), and not after the administrator narrowed the list.
func TestWebhookAllowList(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, "127.0.0.1:0")
			_, port, _ := net.SplitHostPort(rc.srv.Listener.Addr().String())
			// Another receiver on the same port of another loopback address,
			// where the moved name points.
			elsewhere := newReceiver(t, "127.0.0.2:"+port)
			var points atomic.Value
			points.Store(netip.MustParseAddr("127.0.0.1"))
			resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
				if host != "hooks.test" {
					return nil, fmt.Errorf("no such host")
				}
				return []netip.Addr{points.Load().(netip.Addr)}, nil
			}

			startWebhooks(t, e, quickWebhooks(""))
			root, maker, _, prod, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
			register := func(url string) (int, string) {
				return root.do("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.granted"],"secret":%q}`, url, hookSecret), nil)
			}
			if code, body := register(rc.srv.URL); code != 422 || !strings.Contains(body, "url: this server may deliver webhooks nowhere") {
				t.Errorf("with no allow list: %d %s", code, body)
			}

			wc := quickWebhooks("127.0.0.1/32, hooks.test:" + port)
			wc.Resolve = resolve
			startWebhooks(t, e, wc)
			for _, bad := range []string{
				"http://127.0.0.2:" + port + "/",           // not on the list
				"http://127.0.0.1:" + port + "@127.0.0.2/", // credentials
				"ftp://127.0.0.1:" + port + "/",
				"http://localhost:" + port + "/", // the system resolver: not hooks.test
				"http://[::1]:" + port + "/",
				"/relative",
				"http://169.254.169.254/latest/meta-data",
			} {
				if code, body := register(bad); code != 422 || !strings.Contains(body, `"url: `) {
					t.Errorf("%s: %d %s", bad, code, body)
				}
			}
			// A name entry trusts the name, not the server's own network.
			points.Store(netip.MustParseAddr("127.0.0.3"))
			if code, body := register("http://hooks.test:" + port + "/"); code != 422 || !strings.Contains(body, "does not resolve or is not an address this server may deliver") {
				t.Errorf("a name resolving to loopback: %d %s", code, body)
			}
			var list struct{ Webhooks []any }
			root.json("GET", base+"/webhooks", "", 200, &list)
			if len(list.Webhooks) != 0 {
				t.Fatalf("refused registrations stored %v", list.Webhooks)
			}

			// Registered while the name points at an allowed address …
			points.Store(netip.MustParseAddr("127.0.0.1"))
			var hook struct{ ID access.ID }
			code, body := register("http://hooks.test:" + port + "/hook")
			if code != 201 {
				t.Fatalf("register: %d %s", code, body)
			}
			json.Unmarshal([]byte(body), &hook)
			hookPath := fmt.Sprintf("%s/webhooks/%d", base, hook.ID)
			share := func(team string) {
				var tm struct{ ID access.ID }
				root.json("POST", base+"/teams", fmt.Sprintf(`{"name":%q,"kind":"access","business_unit":%d}`, team, prod.Root), 201, &tm)
				maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"team":%d},"access":"viewer"}`, tm.ID), 200, nil)
			}
			share("first")
			rc.waitFor(t, "share.granted", 1)
			checkSignature(t, hookSecret, rc.all()[0])
			// … then moved: the delivery dials nothing off the list.
			points.Store(netip.MustParseAddr("127.0.0.2"))
			share("second")
			d := deliveriesOf(root, hookPath, "share.granted", 2)
			if d.State != "failed" || !strings.Contains(d.LastError, "allow list") || d.Attempts != 1 {
				t.Errorf("delivery to a moved name: %+v", d)
			}
			if n := len(elsewhere.all()); n != 0 {
				t.Errorf("the address the name moved to received %d deliveries", n)
			}
			if n := len(rc.all()); n != 1 {
				t.Errorf("the receiver got %d deliveries, want 1", n)
			}

			// The administrator narrows the list: a registered webhook
			// delivers no more.
			points.Store(netip.MustParseAddr("127.0.0.1"))
			wc = quickWebhooks("10.0.0.0/8")
			wc.Resolve = resolve
			startWebhooks(t, e, wc)
			share("third")
			time.Sleep(300 * time.Millisecond)
			var all struct{ Deliveries []deliveryJSON }
			deadline := time.Now().Add(20 * time.Second)
			for {
				root.json("GET", hookPath+"/deliveries", "", 200, &all)
				if len(all.Deliveries) == 3 && all.Deliveries[0].State == "failed" || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(all.Deliveries) != 3 || all.Deliveries[0].State != "failed" || !strings.Contains(all.Deliveries[0].LastError, "allow list") {
				t.Errorf("after the list changed: %+v", all.Deliveries)
			}
			if n := len(rc.all()); n != 1 {
				t.Errorf("the receiver got %d deliveries, want 1", n)
			}
			if _, audit := root.do("GET", base+"/audit", "", nil); !strings.Contains(audit, "webhook.failed") {
				t.Errorf("audit has no webhook.failed")
			}
		})
	}
}

// TestWebhookDenials: only the environment's System Administrators
// register, list, read or delete webhooks and read deliveries; others
// get one answer whether the webhook exists or not; another
// environment's webhook is not found; bad registrations are refused with
// the field named and store nothing; a secret is never shown but once,
// when generated.
func TestWebhookDenials(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			startWebhooks(t, e, quickWebhooks("127.0.0.1/32"))
			root, maker, _, _, base := prodWithMaker(e)
			outsider, _ := e.user("outsider", false)
			var other envJSON
			root.json("POST", "/api/v1/environments", `{"name":"test"}`, 201, &other)
			otherBase := fmt.Sprintf("/api/v1/environments/%d", other.ID)

			var hook, foreign struct {
				ID     access.ID
				Secret string
			}
			root.json("POST", base+"/webhooks", `{"url":"http://127.0.0.1:9/h","events":["import.finished"],"generate_secret":true}`, 201, &hook)
			if len(hook.Secret) < 32 {
				t.Fatalf("generated secret %q", hook.Secret)
			}
			if code, body := root.do("GET", fmt.Sprintf("%s/webhooks/%d", base, hook.ID), "", nil); code != 200 || strings.Contains(body, hook.Secret) || strings.Contains(body, `"secret"`) {
				t.Errorf("get: %d %s", code, body)
			}
			root.json("POST", otherBase+"/webhooks", fmt.Sprintf(`{"url":"http://127.0.0.1:9/h","events":["share.granted"],"secret":%q}`, hookSecret), 201, &foreign)

			// A maker: the same answer for a webhook that exists and one
			// that does not.
			for _, c := range []struct{ method, path, body string }{
				{"GET", base + "/webhooks", ""},
				{"POST", base + "/webhooks", fmt.Sprintf(`{"url":"http://127.0.0.1:9/h","events":["import.finished"],"secret":%q}`, hookSecret)},
				{"GET", fmt.Sprintf("%s/webhooks/%d", base, hook.ID), ""},
				{"DELETE", fmt.Sprintf("%s/webhooks/%d", base, hook.ID), ""},
				{"GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, hook.ID), ""},
			} {
				code, body := maker.do(c.method, c.path, c.body, nil)
				if code != 403 || errorCode(t, body) != "forbidden" {
					t.Errorf("maker %s %s: %d %s", c.method, c.path, code, body)
				}
				missing := strings.Replace(c.path, "/webhooks/"+itoa(hook.ID), "/webhooks/999999", 1)
				if code2, body2 := maker.do(c.method, missing, c.body, nil); code2 != code || body2 != body {
					t.Errorf("maker %s %s: %d %s, but %d %s for one that exists", c.method, missing, code2, body2, code, body)
				}
				if code, _ := outsider.do(c.method, c.path, c.body, nil); code != 403 {
					t.Errorf("outsider %s %s: %d", c.method, c.path, code)
				}
			}
			// Another environment's webhook is not found here, even by its
			// administrator.
			for _, method := range []string{"GET", "DELETE"} {
				if code, body := root.do(method, fmt.Sprintf("%s/webhooks/%d", base, foreign.ID), "", nil); code != 404 || errorCode(t, body) != "not_found" {
					t.Errorf("%s another environment's webhook: %d %s", method, code, body)
				}
			}
			if code, _ := root.do("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, foreign.ID), "", nil); code != 404 {
				t.Errorf("another environment's deliveries: %d", code)
			}
			root.json("GET", fmt.Sprintf("%s/webhooks/%d", otherBase, foreign.ID), "", 200, nil)

			// Bad registrations: 422 naming the field; nothing stored.
			for _, c := range []struct{ body, field string }{
				{`{"url":"not a url","events":["import.finished"],"secret":"` + hookSecret + `"}`, "url"},
				{`{"url":"","events":["import.finished"],"secret":"` + hookSecret + `"}`, "url"},
				{`{"url":"file:///etc/passwd","events":["import.finished"],"secret":"` + hookSecret + `"}`, "url"},
				{`{"url":"http://127.0.0.1:9/h","events":["import.started"],"secret":"` + hookSecret + `"}`, "events"},
				{`{"url":"http://127.0.0.1:9/h","events":[],"secret":"` + hookSecret + `"}`, "events"},
				{`{"url":"http://127.0.0.1:9/h","events":["import.finished"]}`, "secret"},
				{`{"url":"http://127.0.0.1:9/h","events":["import.finished"],"secret":"short"}`, "secret"},
				{`{"url":"http://127.0.0.1:9/h","events":["import.finished"],"secret":"` + hookSecret + `","generate_secret":true}`, "secret"},
				{`{"url":"http://127.0.0.1:9/h","events":["conformance.below_threshold"],"secret":"` + hookSecret + `"}`, "threshold"},
				{`{"url":"http://127.0.0.1:9/h","events":["conformance.below_threshold"],"threshold":1.5,"secret":"` + hookSecret + `"}`, "threshold"},
				{`{"url":"http://127.0.0.1:9/h","events":["import.finished"],"threshold":0.5,"secret":"` + hookSecret + `"}`, "threshold"},
			} {
				code, body := root.do("POST", base+"/webhooks", c.body, nil)
				if code != 422 || errorCode(t, body) != "invalid" || !strings.Contains(body, `"message":"`+c.field+`: `) {
					t.Errorf("%s: %d %s, want 422 naming %s", c.body, code, body, c.field)
				}
			}
			var list struct{ Webhooks []struct{ ID access.ID } }
			root.json("GET", base+"/webhooks", "", 200, &list)
			if len(list.Webhooks) != 1 || list.Webhooks[0].ID != hook.ID {
				t.Errorf("after refusals: %+v", list.Webhooks)
			}
		})
	}
}

// countEvent counts the deliveries of event.
func countEvent(list []deliveryJSON, event string) (n int) {
	for _, d := range list {
		if d.Event == event {
			n++
		}
	}
	return n
}

// member adds a user to the environment, whom processes can be shared
// with.
func member(e *env, root *client, base string, prod envJSON) access.ID {
	_, id := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, id), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, prod.Root), 200, nil)
	return id
}

// toggleShare puts a share of the process with the user, at another
// access each time: each call is a share.granted.
func toggleShare(c *client, path string, user access.ID, i int) {
	c.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":%q}`, user, []string{"viewer", "contributor"}[i%2]), 200, nil)
}

// TestWebhookDeliveryIDs: a webhook deleted and registered again gets a
// new id, and its deliveries ids never seen before (a receiver that
// drops repeats would otherwise drop genuine events); a delivery's id is
// random, in the signed body, and listed with it.
func TestWebhookDeliveryIDs(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			startWebhooks(t, e, quickWebhooks("127.0.0.1/32"))
			rc := newReceiver(t, "")
			root, maker, _, prod, base := prodWithMaker(e)
			viewerID := member(e, root, base, prod)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			register := func() string {
				var hook struct{ ID access.ID }
				root.json("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.granted"],"secret":%q}`, rc.srv.URL, hookSecret), 201, &hook)
				return fmt.Sprintf("%s/webhooks/%d", base, hook.ID)
			}
			first := register()
			toggleShare(maker, path, viewerID, 0)
			d1 := deliveriesOf(root, first, "share.granted", 1)
			root.json("DELETE", first, "", 204, nil)
			second := register()
			toggleShare(maker, path, viewerID, 1)
			d2 := deliveriesOf(root, second, "share.granted", 1)
			got := rc.waitFor(t, "share.granted", 2)
			if first == second || d1.ID == d2.ID || d1.Delivery == d2.Delivery {
				t.Errorf("ids used again: %s then %s, deliveries %+v then %+v", first, second, d1, d2)
			}
			for i, d := range []deliveryJSON{d1, d2} {
				checkSignature(t, hookSecret, got[i])
				if got[i].header.Get("Procmine-Delivery") != d.Delivery {
					t.Errorf("delivery %d: header %q, listed %q", i, got[i].header.Get("Procmine-Delivery"), d.Delivery)
				}
			}
		})
	}
}

// TestWebhookOneAttemptAtATime: a webhook is sent one attempt at a time,
// so that a slow receiver holds one of the workers deliveries share, not
// all of them.
func TestWebhookOneAttemptAtATime(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			startWebhooks(t, e, quickWebhooks("127.0.0.1/32"))
			var now, most, seen atomic.Int32
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(150 * time.Millisecond)
				now.Add(-1)
				seen.Add(1)
				w.WriteHeader(204)
			}))
			t.Cleanup(slow.Close)
			root, maker, _, prod, base := prodWithMaker(e)
			viewerID := member(e, root, base, prod)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
			var hook struct{ ID access.ID }
			root.json("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.granted"],"secret":%q}`, slow.URL, hookSecret), 201, &hook)
			for i := range 4 {
				toggleShare(maker, fmt.Sprintf("%s/processes/%d", base, p.ID), viewerID, i)
			}
			deliveriesOf(root, fmt.Sprintf("%s/webhooks/%d", base, hook.ID), "share.granted", 4)
			if seen.Load() != 4 || most.Load() != 1 {
				t.Errorf("%d deliveries, at most %d at once; want 4, one at a time", seen.Load(), most.Load())
			}
		})
	}
}

// TestWebhookNotAProbe: what registration and deliveries answer tells
// nothing of the network behind the server: a name that does not
// resolve and one that resolves off the allow list are refused alike;
// a receiver refusing connections and one that does not answer in time
// both read "not delivered".
func TestWebhookNotAProbe(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}))
			t.Cleanup(hang.Close)
			closed := newReceiver(t, "127.0.0.1:0")
			closedURL := closed.srv.URL
			closed.srv.Close()
			wc := quickWebhooks("127.0.0.1/32, nowhere.test:443, elsewhere.test:443")
			wc.Resolve = func(_ context.Context, host string) ([]netip.Addr, error) {
				if host == "elsewhere.test" {
					return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
				}
				return nil, fmt.Errorf("no such host")
			}
			wc.Timeout, wc.Backoff = 300*time.Millisecond, func(int) time.Duration { return time.Hour }
			startWebhooks(t, e, wc)
			root, maker, _, prod, base := prodWithMaker(e)
			viewerID := member(e, root, base, prod)

			register := func(url string) (int, string) {
				return root.do("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.granted"],"secret":%q}`, url, hookSecret), nil)
			}
			c1, b1 := register("https://nowhere.test/h")
			c2, b2 := register("https://elsewhere.test/h")
			if c1 != 422 || c2 != 422 || strings.ReplaceAll(b1, "nowhere", "elsewhere") != b2 {
				t.Errorf("a name that does not resolve: %d %s; one off the list: %d %s", c1, b1, c2, b2)
			}

			var down, slow struct{ ID access.ID }
			code, body := register(closedURL)
			json.Unmarshal([]byte(body), &down)
			if code != 201 {
				t.Fatalf("register: %d %s", code, body)
			}
			root.json("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.granted"],"secret":%q}`, hang.URL, hookSecret), 201, &slow)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			toggleShare(maker, path, viewerID, 0)
			for _, id := range []access.ID{down.ID, slow.ID} {
				var d deliveryJSON
				deadline := time.Now().Add(30 * time.Second)
				for d.Attempts == 0 && time.Now().Before(deadline) {
					var list struct{ Deliveries []deliveryJSON }
					root.json("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, id), "", 200, &list)
					d = list.Deliveries[0]
					time.Sleep(20 * time.Millisecond)
				}
				if d.State != "retrying" || d.LastError != "not delivered" || d.LastStatus != 0 {
					t.Errorf("webhook %d: %+v, want retrying, \"not delivered\"", id, d)
				}
			}

			// The receiver that is down holds MaxPendingDeliveries
			// deliveries waiting at most; the events beyond are counted.
			root.json("DELETE", fmt.Sprintf("%s/webhooks/%d", base, slow.ID), "", 204, nil)
			for i := 1; i < store.MaxPendingDeliveries+2; i++ {
				toggleShare(maker, path, viewerID, i)
			}
			var list struct{ Deliveries []deliveryJSON }
			root.json("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, down.ID), "", 200, &list)
			var hooks struct {
				Webhooks []struct {
					ID      access.ID
					Dropped int
				}
			}
			root.json("GET", base+"/webhooks", "", 200, &hooks)
			if len(list.Deliveries) != store.MaxPendingDeliveries || len(hooks.Webhooks) != 1 || hooks.Webhooks[0].Dropped != 2 {
				t.Errorf("%d deliveries waiting, webhooks %+v; want %d, 2 dropped", len(list.Deliveries), hooks.Webhooks, store.MaxPendingDeliveries)
			}
		})
	}
}

// TestWebhookSourceRefresh: a data source's refresh is an import too: a
// new version sends import.finished (with the source, not a job), an
// unchanged re-read sends nothing, and a refresh that fails sends
// import.failed without its reason, which quotes the source.
func TestWebhookSourceRefresh(t *testing.T) {
	for name, e := range webhookEnvs(t) {
		t.Run(name, func(t *testing.T) {
			startWebhooks(t, e, quickWebhooks("127.0.0.1/32"))
			rc := newReceiver(t, "")
			root, maker, _, prod, base := prodWithMaker(e)
			root.json("POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["import.finished","import.failed"],"secret":%q}`, rc.srv.URL+"/hook", hookSecret), 201, nil)

			db, err := sql.Open("sqlite", e.sources+"/erp.db")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range []string{`CREATE TABLE events (id INTEGER PRIMARY KEY, case_id TEXT, activity TEXT, ts TEXT)`,
				`INSERT INTO events VALUES (1, 'c1', 'Receive', '2024-01-01T10:00:00Z'), (2, 'c1', 'Pay', '2024-01-02T10:00:00Z'), (3, 'c2', 'Receive', '2024-01-03T10:00:00Z')`} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"ERP"}`, 201, &p)
			var src sourceJSON
			maker.json("POST", fmt.Sprintf("%s/processes/%d/sources", base, p.ID), `{"name":"ERP file","kind":"sqlite","connection":"erp.db","query":"SELECT * FROM events","mapping":{"case":"case_id","timestamp":"ts"}}`, 201, &src)
			path := fmt.Sprintf("%s/processes/%d/sources/%d", base, p.ID, src.ID)

			first := refreshed(t, maker, path, "")
			got := rc.waitFor(t, "import.finished", 1)
			checkSignature(t, hookSecret, got[0])
			ev, envID, data := envelope(t, got[0])
			if ev != "import.finished" || envID != prod.ID || data["process"] != float64(p.ID) || data["source"] != float64(src.ID) ||
				data["version"] != float64(first.Version) || data["cases"] != float64(2) || data["events"] != float64(3) || data["job"] != nil {
				t.Errorf("import.finished of a refresh: %s", got[0].body)
			}

			// Read again unchanged: no new version, no event.
			if again := refreshed(t, maker, path, ""); again.Version != first.Version {
				t.Fatalf("an unchanged refresh made version %d", again.Version)
			}
			// A refresh that fails: the reason names the column; the
			// payload does not.
			if _, err := db.Exec(`ALTER TABLE events RENAME COLUMN ts TO secret_column_name`); err != nil {
				t.Fatal(err)
			}
			failed := refreshed(t, maker, path, `{"full":true}`)
			if !strings.Contains(failed.LastError, "column") {
				t.Fatalf("the refresh did not fail on the column: %+v", failed)
			}
			bad := rc.waitFor(t, "import.failed", 1)
			checkSignature(t, hookSecret, bad[0])
			if _, _, data := envelope(t, bad[0]); data["source"] != float64(src.ID) || strings.Contains(string(bad[0].body), "column") {
				t.Errorf("import.failed of a refresh: %s", bad[0].body)
			}
			if n := len(rc.all()); n != 2 {
				t.Errorf("%d deliveries, want 2 (the unchanged refresh sends none)", n)
			}
		})
	}
}

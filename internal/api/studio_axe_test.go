package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
	"github.com/procmine/procmine/internal/testlogs"
)

// axeSource is axe-core's script, from where scripts/test installed it
// with npm ci (PROCMINE_AXE; the version and its integrity are pinned in
// testdata/axe). Without it the test skips, except under CI=true, where
// it fails.
func axeSource(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PROCMINE_AXE")
	src, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	if dir == "" || err != nil {
		msg := "axe-core is missing (PROCMINE_AXE, installed by scripts/test from internal/api/testdata/axe)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(src)
}

// axeViolation is one rule that axe found broken on a page, with the
// CSS selectors of the elements that break it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v axeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// axeRun runs axe-core on the tab's page and returns its violations. The
// script is evaluated through the DevTools protocol, which the page's
// Content-Security-Policy does not govern: the server's policy stays as it
// is.
func axeRun(t *testing.T, ctx context.Context, src string) []axeViolation {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("loading axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(tctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help,
		targets: v.nodes.map(n => n.target.flat().join(' ')),
	}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe's answer %q: %v", out, err)
	}
	return vs
}

// axeServer is browserServer with a key for the recordings' sealed
// screenshots and inputs.
func axeServer(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.DSNs(t)["sqlite"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := seal.ParseKey(seal.Generate())
	st.UseKeys(&seal.Keyring{Current: key})
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	startJobs(t, srv)
	return &env{t: t, store: st, url: ts.URL, now: time.Now()}
}

// TestStudioAccessibility runs axe-core on every page of the studio, each
// with real content and as the person who sees it fully (and the process
// page as a report reader too): no violation of serious or critical
// impact. Moderate and minor ones are logged.
func TestStudioAccessibility(t *testing.T) {
	src := axeSource(t)
	ctx := browser(t)
	receipt, err := os.ReadFile(testlogs.Path(t, "csv/receipt.csv"))
	if err != nil {
		t.Fatal(err)
	}
	xes, err := os.ReadFile(testlogs.Path(t, "xes/running-example.xes"))
	if err != nil {
		t.Fatal(err)
	}

	// The demo: prod with a maker; a second environment, so that the
	// environments list shows; the receipt log; the running example twice,
	// one with a reference model; a recording; a viewer who reads the
	// receipt's reports; ann, who signs in with a second factor.
	e := axeServer(t)
	root, maker, makerID, prod, base := prodWithMaker(e)
	var test envJSON
	root.json("POST", "/api/v1/environments", `{"name":"test"}`, 201, &test)
	root.json("PUT", fmt.Sprintf("/api/v1/environments/%d/members/%d", test.ID, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, test.Root, access.EnvironmentMaker), 200, nil)
	process := func(name, file string, data []byte) string {
		var p processJSON
		maker.json("POST", base+"/processes", fmt.Sprintf(`{"name":%q}`, name), 201, &p)
		path := fmt.Sprintf("%s/processes/%d", base, p.ID)
		if j := maker.importLog(path+"/data", file, data, nil); j.State != "done" {
			t.Fatalf("import of %s: %+v", file, j)
		}
		return path
	}
	receiptAPI := process("Receipt", "receipt.csv", receipt)
	compensationAPI := process("Compensation", "running-example.xes", xes)
	claimsAPI := process("Claims", "running-example.xes", xes)
	// Saved views, so that the process page lists them with their
	// buttons: one the report reader is offered too.
	maker.json("POST", receiptAPI+"/views", `{"name":"Slow cases","query":"min-duration=7d","shared":true}`, 201, nil)
	maker.json("POST", receiptAPI+"/views", `{"name":"Mine only","query":"view=performance"}`, 201, nil)
	ref, _ := processtree.Parse("->( 'register request', 'check ticket', 'decide', X( 'pay compensation', 'reject request' ) )")
	var b bytes.Buffer
	if err := bpmn.Write(context.Background(), &b, bpmn.FromTree(ref)); err != nil {
		t.Fatal(err)
	}
	if code, body := maker.do("PUT", compensationAPI+"/reference-model?name=handbook.bpmn", b.String(), nil); code != 200 {
		t.Fatalf("reference model: %d %s", code, body)
	}
	for i, title := range []string{"Approve an invoice", "Approve another invoice"} {
		zip := bundle(t, title, []stepJSON{
			newStep("Open invoice", 0, stepJSON{"application": "ERP", "screenshot": "screenshots/1.png"}),
			newStep("Write to the supplier", 1, stepJSON{"application": "Outlook", "input": fmt.Sprintf("Dear Giulia Bianchi, order 229%d", i)}),
			newStep("Approve", 2, stepJSON{"application": "ERP"}),
		}, map[string][]byte{"screenshots/1.png": testPNG(t, 320, 200)})
		if code, body := maker.uploadBundle(receiptAPI+"/recordings", zip); code != 201 {
			t.Fatalf("recording: %d %s", code, body)
		}
	}
	var recs struct{ Recordings []recordingJSON }
	maker.json("GET", receiptAPI+"/recordings", "", 200, &recs)
	if len(recs.Recordings) == 0 {
		t.Fatal("no recording")
	}
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)
	maker.json("PUT", receiptAPI+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)
	ann, annID := e.user("ann", false)
	enrol(t, e, ann)
	root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"mfa","state":"on","apps":["studio","api"],"include":{"users":[%d]},"grant":"require-mfa"}`, annID), 201, nil)

	// The studio's paths of the API's.
	studio := func(api string) string { return strings.Replace(api, "/api/v1/environments/", "/e/", 1) }
	receiptPage := strings.Replace(studio(receiptAPI), "/processes/", "/p/", 1)
	compensationPage := strings.Replace(studio(compensationAPI), "/processes/", "/p/", 1)
	claimsPage := strings.Replace(studio(claimsAPI), "/processes/", "/p/", 1)

	run := runner(t, ctx)
	signInAs := func(user string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/signin"),
			chromedp.SendKeys(chromedp.CSS("#username"), user),
			chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
			chromedp.Click(chromedp.CSS("#signin"))}
	}
	// Every page of the studio: who sees it, how to get there, and what
	// shows that it is there with its content.
	pages := []struct {
		name  string
		as    string // who is signed in: "" for nobody (the first pages)
		steps []chromedp.Action[chromedp.Void]
		ready string // a script that is true once the page shows its content
	}{
		{"sign-in", "", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/signin")}, `document.getElementById('signin')`},
		{"sign-in with an error", "", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/signin"),
			chromedp.SendKeys(chromedp.CSS("#username"), "maker"), chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
			chromedp.Click(chromedp.CSS("#signin"))}, `document.querySelector('[role=alert]')`},
		{"sign-in with the second factor", "", signInAs("ann"), `document.querySelector('[role=alert]') && document.getElementById('code').required`},
		{"environments", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/")}, `document.querySelectorAll('main li a').length === 2`},
		{"processes", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s/e/%d", e.url, prod.ID))}, `document.querySelectorAll('#processes a').length === 3`},
		{"process", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage)}, `document.querySelector('#map svg') && document.querySelector('svg.chart') && document.querySelector('.variants li') && document.getElementById('share') && document.querySelectorAll('#views-list li').length === 2`},
		{"process with the figures of a path", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage), chromedp.WaitVisible(chromedp.CSS("#map svg")),
			chromedp.Focus(chromedp.CSS("#map g.edge")), chromedp.KeyEvent("\r")}, `!document.getElementById('figures').textContent.startsWith('Click')`},
		{"process, performance view", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage + "?view=performance")}, `document.querySelector('#map svg') && document.querySelector('#view option[value=performance][selected]')`},
		{"cases with one case open", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage + "/cases?min-duration=1d&case=case-4601")}, `document.querySelector('svg.dotted circle') && document.querySelector('#case-events tbody tr') && document.querySelector('#longest a')`},
		{"recordings", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage + "/recordings")}, `document.querySelectorAll('#recordings a').length === 2`},
		{"recording (step editor)", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s%s/recordings/%d", e.url, receiptPage, recs.Recordings[0].ID))}, `document.querySelector('#step-1 img') && document.querySelector('mark.pii')`},
		{"task mining", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage + "/task-mining")}, `document.getElementById('applications') && document.querySelector('#map svg')`},
		{"model", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + compensationPage + "/model")}, `document.querySelector('#map svg.bpmn') && document.getElementById('tree')`},
		{"conformance with a reference model", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + compensationPage + "/conformance")}, `document.getElementById('deviations') && document.querySelector('#map svg')`},
		{"conformance without a reference model", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + claimsPage + "/conformance")}, `document.getElementById('no-reference') && document.getElementById('log-fitness')`},
		{"account", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/account")}, `document.getElementById('mfa-start')`},
		{"account, setting up an authenticator app", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/account"), chromedp.Click(chromedp.CSS("#mfa-start"))}, `document.getElementById('mfa-qr').naturalWidth > 0 && document.getElementById('mfa-secret').textContent`},
		{"error", "maker", []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s/e/%d/p/999999", e.url, prod.ID))}, `document.title.startsWith('Not Found')`},
		{"process as a report reader", "viewer", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + receiptPage)}, `document.querySelector('#map svg') && document.getElementById('disclosure-note')`},
		{"administration, the roles open", "root", []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s/e/%d/admin", e.url, prod.ID)), chromedp.WaitVisible(chromedp.CSS("#members")),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`)}, `document.querySelector('#audit tbody tr') && document.querySelector('details[open] table')`},
		{"privacy", "root", []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s/e/%d/privacy", e.url, prod.ID))}, `document.getElementById('policy')`},
		{"access policies, their editors open", "root", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.url + "/access-policies"), chromedp.WaitVisible(chromedp.CSS("#policy-form")),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`)}, `document.querySelector('#policies form.policy-fields select[multiple]') && document.querySelector('details[open] textarea')`},
	}
	signedIn := ""
	var lesser []string
	for _, p := range pages {
		if p.as != signedIn && p.as != "" {
			run(signInAs(p.as)...)
			waitFor(t, ctx, fmt.Sprintf(`document.getElementById('account-link') && document.getElementById('account-link').textContent === %q`, p.as))
			signedIn = p.as
		}
		run(p.steps...)
		waitFor(t, ctx, p.ready)
		name := "axe-" + strings.NewReplacer(" ", "-", "(", "", ")", "", ",", "").Replace(p.name)
		// At the desktop's width, then a phone's, where tables and maps
		// scroll inside the page.
		for _, width := range []int{1280, 390} {
			where := p.name
			if width != 1280 {
				where = fmt.Sprintf("%s at %d px", p.name, width)
				run(chromedp.EmulateViewport(int64(width), 844))
				waitFor(t, ctx, fmt.Sprintf("window.innerWidth === %d", width))
			}
			shot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			for _, v := range axeRun(t, ctx, src) {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s: %s", where, v)
				} else {
					lesser = append(lesser, where+": "+v.String())
				}
			}
		}
		run(chromedp.EmulateViewport(1280, 800))
	}
	for _, l := range lesser {
		t.Log(l)
	}
}

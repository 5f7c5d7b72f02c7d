package api

import (
	"context"
	"errors"
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
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestRecordingsInABrowser walks a contributor through the studio: upload
// a recording bundle, see personal data highlighted, rename a step, edit
// its input data and delete a screenshot — then checks the store itself.
// An administrator then sets the privacy policy on its page.
func TestRecordingsInABrowser(t *testing.T) {
	ctx := browser(t)
	dsn := storetest.DSNs(t)["sqlite"]
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := seal.ParseKey(seal.Generate())
	st.UseKeys(&seal.Keyring{Current: key})
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, store: st, url: ts.URL, now: time.Now()}
	root, owner, _, prod, base := prodWithMaker(e)
	_, contribID := e.user("contrib", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, contribID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.EnvironmentMaker), 200, nil)
	var p processJSON
	owner.json("POST", base+"/processes", `{"name":"Invoices"}`, 201, &p)
	owner.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"contributor"}`, contribID), 200, nil)

	zipPath := filepath.Join(t.TempDir(), "approve.zip")
	os.WriteFile(zipPath, bundle(t, "Approve an invoice", []stepJSON{
		newStep("Opn invoice", 0, stepJSON{"application": "ERP", "screenshot": "screenshots/1.png"}),
		newStep("Write to the supplier", 1, stepJSON{"application": "Outlook", "input": "Dear Giulia Bianchi, order 2291"}),
	}, map[string][]byte{"screenshots/1.png": testPNG(t, 320, 200)}), 0o644)

	run := runner(t, ctx)
	wait := func(js string) { t.Helper(); waitFor(t, ctx, js) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	processPath := fmt.Sprintf("%s/e/%d/p/%d", ts.URL, prod.ID, p.ID)
	run(chromedp.Navigate(ts.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), "contrib"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")))
	wait(`document.getElementById('account-link') && document.getElementById('account-link').textContent === 'contrib'`)
	run(chromedp.Navigate(processPath),
		chromedp.Click(chromedp.CSS("#recordings-link")),
		chromedp.WaitVisible(chromedp.CSS("#bundle-upload")),
		chromedp.SetUploadFiles(chromedp.CSS("#bundle"), []string{zipPath}),
		chromedp.Click(chromedp.CSS("#bundle-submit")))
	// The upload reloads the page: chromedp's own wait follows the new
	// document, where a script's check could see it before chromedp's
	// node tree did ("No node with given id found", once in a clean run).
	run(chromedp.WaitVisible(chromedp.CSS("#recordings")))
	if list := text("#recordings"); !strings.Contains(list, "Approve an invoice") || !strings.Contains(list, "contrib") {
		t.Fatalf("recordings list: %q", list)
	}
	shot(t, ctx, "studio-recordings")
	// Destructive buttons ask first; the test says yes.
	run(chromedp.Click(chromedp.CSS("#recordings a")),
		chromedp.WaitVisible(chromedp.CSS("#step-1 img")),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	if marks := text("#step-2 mark.pii"); marks != "Giulia Bianchi" {
		t.Errorf("highlighted personal data: %q", marks)
	}
	shot(t, ctx, "studio-step-editor")

	// Rename step 1, edit step 2's input, delete step 1's screenshot.
	run(chromedp.Clear(chromedp.CSS("#name-1")), chromedp.SendKeys(chromedp.CSS("#name-1"), "Open invoice"),
		chromedp.Click(chromedp.CSS("#step-1 form.step-edit button[type=submit]")))
	wait(`document.getElementById('editor-status').textContent === 'Step saved.' && document.querySelector('#step-1 h2').textContent === '1. Open invoice'`)
	run(chromedp.Clear(chromedp.CSS("#input-2")), chromedp.SendKeys(chromedp.CSS("#input-2"), "Dear supplier, order 2291"),
		chromedp.Click(chromedp.CSS("#step-2 form.step-edit button[type=submit]")))
	wait(`document.getElementById('editor-status').textContent === 'Step saved.' && document.querySelector('#step-2 .input').textContent === 'Dear supplier, order 2291'`)
	run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS("#step-1 .delete-shot")))
	wait(`document.getElementById('editor-status').textContent === 'Screenshot deleted.' && !document.querySelector('#step-1 img')`)
	if h := text("#step-1 h2"); h != "1. Open invoice" {
		t.Errorf("step 1 heading %q", h)
	}
	shot(t, ctx, "studio-step-editor-after")

	// The store itself: renamed, edited, and the image gone.
	recs, err := st.Recordings(context.Background(), prod.ID, p.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings %v %v", recs, err)
	}
	steps, _ := st.Steps(context.Background(), recs[0].ID)
	if steps[0].Name != "Open invoice" || steps[1].Input != "Dear supplier, order 2291" || steps[0].HasScreenshot {
		t.Errorf("stored steps %+v", steps)
	}
	if _, err := st.Screenshot(context.Background(), recs[0].ID, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("screenshot after delete: %v", err)
	}

	// Task mining reads the recording. The contributor reads it as a
	// report reader: their own recording does not count, so there is
	// nothing to show; when five other people have recorded the same
	// steps, the figures appear, protected.
	run(chromedp.Navigate(processPath+"/task-mining"), chromedp.WaitVisible(chromedp.CSS("#too-few")))
	if msg := text("#too-few"); !strings.Contains(msg, "fewer than 5") {
		t.Errorf("task mining of one recording: %q", msg)
	}
	// Fifteen people, not fifteen recordings: the owner and fourteen more
	// contributors record the same steps (the contributor's own recording
	// does not count for them). Groups are shown on their count with
	// noise: five people would be shown about half the time, fifteen
	// always.
	recorders := []*client{owner}
	for i := range 14 {
		c, id := e.user(fmt.Sprintf("recorder%d", i), false)
		root.json("PUT", fmt.Sprintf("%s/members/%d", base, id), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.EnvironmentMaker), 200, nil)
		owner.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"contributor"}`, id), 200, nil)
		recorders = append(recorders, c)
	}
	for i, c := range recorders {
		same := bundle(t, fmt.Sprintf("Approve invoice %d", i), []stepJSON{
			newStep("Open invoice", 0, stepJSON{"application": "ERP"}),
			newStep("Write to the supplier", 1, stepJSON{"application": "Outlook"}),
		}, nil)
		if code, body := c.uploadBundle(fmt.Sprintf("%s/processes/%d/recordings", base, p.ID), same); code != 201 {
			t.Fatalf("upload %d: %d %s", i, code, body)
		}
	}
	run(chromedp.Navigate(processPath+"/task-mining"), chromedp.WaitVisible(chromedp.CSS("#applications")))
	if apps := text("#applications"); !strings.Contains(apps, "ERP") || !strings.Contains(apps, "Outlook") {
		t.Errorf("applications table %q", apps)
	}
	if note := text("#disclosure-note"); !strings.Contains(note, "at least 5") {
		t.Errorf("disclosure note %q", note)
	}
	shot(t, ctx, "studio-task-mining")

	// The administrator's privacy page.
	run(chromedp.Navigate(ts.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), "root"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")))
	// The sign-in page has a main too: wait for root's own page.
	wait(`document.getElementById('account-link') && document.getElementById('account-link').textContent === 'root'`)
	run(chromedp.Navigate(fmt.Sprintf("%s/e/%d", ts.URL, prod.ID)),
		chromedp.Click(chromedp.CSS("#privacy-link")),
		chromedp.WaitVisible(chromedp.CSS("#policy")),
		chromedp.SetValue(chromedp.CSS("#action-email"), "pseudonymise"),
		chromedp.Click(chromedp.CSS("#policy-submit")),
		chromedp.Poll[chromedp.Void](`document.getElementById('policy-status').textContent.startsWith('Policy saved') || null`))
	shot(t, ctx, "studio-privacy")
	var pol struct{ Actions map[string]string }
	root.json("GET", base+"/privacy-policy", "", 200, &pol)
	if pol.Actions["email"] != "pseudonymise" || pol.Actions["card"] != "mask" {
		t.Errorf("policy after the page: %+v", pol.Actions)
	}
	// The contributor has no privacy page.
	c := e.client()
	c.json("POST", "/api/v1/session", `{"username":"contrib","password":"a long enough password"}`, 200, nil)
	if code, _ := c.do("GET", fmt.Sprintf("/e/%d/privacy", prod.ID), "", nil); code != 403 {
		t.Errorf("a contributor's privacy page: %d", code)
	}
}

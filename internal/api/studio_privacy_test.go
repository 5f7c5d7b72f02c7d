package api

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestStudioUploadAppliesPrivacyPolicy: issue 14 §3 — an event log
// uploaded in the studio goes through the environment's privacy policy;
// the owner's "keep the data raw" box skips it, and the audit log says so.
func TestStudioUploadAppliesPrivacyPolicy(t *testing.T) {
	ctx := browser(t)
	e := browserServer(t)
	root, maker, _, prod, base := prodWithMaker(e)
	var p processJSON
	maker.json("POST", base+"/processes", `{"name":"Mail"}`, 201, &p)
	path := fmt.Sprintf("%s/processes/%d", base, p.ID)
	// The default policy masks e-mail addresses.
	file := filepath.Join(t.TempDir(), "mail.csv")
	os.WriteFile(file, []byte("case,activity,timestamp,resource\n1,Create,2026-01-01T09:00:00Z,jo@example.com\n1,Send,2026-01-01T10:00:00Z,Ahmed\n"), 0o644)
	events := func() string {
		var ev struct{ Events []map[string]any }
		maker.json("GET", path+"/events", "", 200, &ev)
		return fmt.Sprint(ev.Events)
	}
	versions := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var vs struct{ Versions []struct{ ID int } }
			maker.json("GET", path+"/data", "", 200, &vs)
			if len(vs.Versions) == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d versions, want %d", len(vs.Versions), n)
			}
		}
	}

	run := runner(t, ctx)
	run(signInSteps(e.url, "maker")...)
	run(chromedp.Navigate(fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, p.ID)),
		chromedp.WaitVisible(chromedp.CSS("#upload")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload button")),
		// The page shows the map once the import is done.
		chromedp.WaitVisible(chromedp.CSS("#map svg")))
	versions(1)
	if s := events(); strings.Contains(s, "jo@example.com") || !strings.Contains(s, "Ahmed") {
		t.Errorf("the studio's upload kept the raw address: %s", s)
	}

	run(chromedp.WaitVisible(chromedp.CSS("#privacy-raw")),
		chromedp.Click(chromedp.CSS("#privacy-raw")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload button")))
	versions(2)
	if s := events(); !strings.Contains(s, "jo@example.com") {
		t.Errorf("the raw box was ticked, the address was not kept: %s", s)
	}
	var audit struct{ Entries []struct{ Detail string } }
	root.json("GET", base+"/audit?action=data.upload", "", 200, &audit)
	if len(audit.Entries) != 2 || strings.Count(fmt.Sprint(audit.Entries), "privacy policy skipped") != 1 {
		t.Errorf("upload entries %+v", audit.Entries)
	}
}

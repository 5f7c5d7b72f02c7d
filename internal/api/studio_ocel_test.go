package api

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestObjectTypesPageInABrowser: the owner of a process read from an
// object-centric log sees its graph drawn, with a colour per object type,
// and its figures per type; a report reader sees it through disclosure
// control, and says so.
func TestObjectTypesPageInABrowser(t *testing.T) {
	ctx := browser(t)
	data, err := os.ReadFile(testlogs.Path(t, "ocel/recruiting-red.jsonocel"))
	if err != nil {
		t.Fatal(err)
	}
	e := browserServer(t)
	root, maker, _, prod, base := prodWithMaker(e)
	var p processJSON
	maker.json("POST", base+"/processes", `{"name":"Recruiting"}`, 201, &p)
	proc := fmt.Sprintf("%s/processes/%d", base, p.ID)
	if job := maker.importLog(proc+"/data", "recruiting-red.jsonocel", data, map[string]string{"object-type": "applications"}); job.State != "done" {
		t.Fatalf("%+v", job)
	}
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)
	maker.json("PUT", proc+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)

	run := runner(t, ctx)
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	page := fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, p.ID)
	drawn := `(() => { const i = document.querySelector('#object-centric-map img'); return i && i.complete && i.naturalWidth > 0 ? i.naturalWidth : null })()`
	run(signInSteps(e.url, "maker")...)
	run(chromedp.Navigate(page), chromedp.Click(chromedp.CSS("#object-centric-link")), chromedp.WaitVisible(chromedp.CSS("#object-types-table")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[int](drawn)); err != nil {
		t.Fatalf("the graph is not drawn: %v", err)
	}
	if body := text("#object-types-table"); !strings.Contains(body, "applications") || !strings.Contains(body, "offers") {
		t.Errorf("the types table: %q", body)
	}
	if n := evalInt(t, ctx, `document.querySelectorAll('#disclosure-note').length`); n != 0 {
		t.Error("the owner is told of disclosure control")
	}
	axeCheck(t, ctx, "the object types page")
	shot(t, ctx, "studio-object-types")

	run(signInSteps(e.url, "viewer")...)
	run(chromedp.Navigate(page+"/object-centric"), chromedp.WaitVisible(chromedp.CSS("#object-types-table")))
	if got := text("#disclosure-note"); !strings.Contains(got, "You see this graph as a report reader") {
		t.Errorf("the reader's note: %q", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[int](drawn)); err != nil {
		t.Fatalf("the reader's graph is not drawn: %v", err)
	}
}

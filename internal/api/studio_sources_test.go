package api

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestSourcesPageInABrowser: the maker adds a PostgreSQL data source
// through the page, refreshes it, and sees the rows read and the
// process's figures; after more rows, a refresh reads only those. A
// report reader gets no sources page and no link to it.
func TestSourcesPageInABrowser(t *testing.T) {
	ctx := browser(t)
	erp := storetest.PostgresDB(t)
	db, err := sql.Open("pgx", erp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	erpEvents(t, db, 0, 2000)
	e := browserServer(t)
	root, maker, _, prod, base := prodWithMaker(e)
	var p processJSON
	maker.json("POST", base+"/processes", `{"name":"ERP"}`, 201, &p)
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)
	maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)

	run := runner(t, ctx)
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	page := fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, p.ID)
	run(signInSteps(e.url, "maker")...)
	run(chromedp.Navigate(page), chromedp.Click(chromedp.CSS("#sources-link")), chromedp.WaitVisible(chromedp.CSS("#source-add")))
	if got := text("#no-sources"); got != "No data sources yet." {
		t.Errorf("an empty list: %q", got)
	}
	run(chromedp.SendKeys(chromedp.CSS("#source-name"), "ERP events"),
		chromedp.SetValue(chromedp.CSS("#source-kind"), "postgres"),
		chromedp.SendKeys(chromedp.CSS("#source-connection"), erp),
		chromedp.SendKeys(chromedp.CSS("#source-query"), "SELECT * FROM events"),
		chromedp.SendKeys(chromedp.CSS("#source-case"), "case_id"),
		chromedp.SendKeys(chromedp.CSS("#source-timestamp"), "ts"),
		chromedp.SendKeys(chromedp.CSS("#source-watermark"), "id"),
		chromedp.SendKeys(chromedp.CSS("#source-schedule"), "0 * * * *"),
		chromedp.Click(chromedp.CSS("#source-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sources tbody tr")))
	// The page's script says what was done once it runs, after the page
	// is shown.
	status := func() string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('sources-status').textContent || null`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := status(); !strings.Contains(got, "Source ERP events added") {
		t.Errorf("after adding: %q", got)
	}
	if body := text("#sources"); strings.Contains(body, "postgres://") || !strings.Contains(body, "never") || !strings.Contains(body, "0 * * * *") {
		t.Errorf("the list shows: %q", body)
	}
	axeCheck(t, ctx, "the data sources page")

	run(chromedp.Click(chromedp.CSS("button.source-refresh:not([data-full])")), chromedp.WaitVisible(chromedp.CSS(".source-rows")))
	if got := text(".source-rows"); got != "2,000 new rows" {
		t.Errorf("after the refresh: %q (%s)", got, text("#sources"))
	}
	if got := status(); got != "Refreshed: 2,000 new rows." {
		t.Errorf("status after the refresh: %q", got)
	}
	shot(t, ctx, "studio-sources")
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	if got := text("#kpi-cases"); got != "200" {
		t.Errorf("the process's cases after the refresh: %q", got)
	}

	// More rows; the refresh reads those alone.
	erpEvents(t, db, 2000, 2300)
	run(chromedp.Navigate(page+"/sources"), chromedp.WaitVisible(chromedp.CSS("#sources")),
		chromedp.Click(chromedp.CSS("button.source-refresh:not([data-full])")), chromedp.WaitVisible(chromedp.CSS("#sources-status")))
	// The page reloads once the refresh ran.
	for try := 0; ; try++ {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.source-rows') || {}).textContent || ''`))
		if got == "300 new rows" {
			break
		}
		if try == 300 {
			t.Fatalf("after the second refresh: %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	if got := text("#kpi-cases"); got != "230" {
		t.Errorf("the process's cases after the incremental refresh: %q", got)
	}

	// A report reader: no link, and the page is refused.
	run(signInSteps(e.url, "viewer")...)
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	if n := evalInt(t, ctx, `document.querySelectorAll('#sources-link').length`); n != 0 {
		t.Error("a report reader is offered the sources page")
	}
	run(chromedp.Navigate(page+"/sources"), chromedp.WaitVisible(chromedp.CSS("main")))
	if n := evalInt(t, ctx, `document.querySelectorAll('#sources, #source-add').length`); n != 0 {
		t.Error("a report reader sees the sources page")
	}
}

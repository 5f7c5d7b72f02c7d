package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStudioCasesInABrowser: those who may read a process's data open its
// cases from the process page with its filters: a dotted chart of the
// cases the filters keep (as many as the API counts), the longest of
// them, and one case's events on a time line and in a table, as many as
// the API's raw rows of that case. A viewer is offered no link and is
// refused the page.
func TestStudioCasesInABrowser(t *testing.T) {
	s := newReceiptStudio(t)
	ctx, e, maker, viewer, prod, p, api, page := s.ctx, s.e, s.maker, s.viewer, s.prod, s.p, s.api, s.page
	run := runner(t, ctx)
	run(chromedp.EmulateViewport(1400, 900))

	filter := "min-duration=1d"
	var rep struct{ Cases int }
	maker.json("GET", api+"/report?"+filter, "", 200, &rep)
	run(chromedp.Navigate(page+"?"+filter+"&view=performance"), chromedp.WaitVisible(chromedp.CSS("#cases-link")))
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('cases-link').href`))
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(href); u.RawQuery != filter {
		t.Errorf("the link to the cases carries %q, want the filters alone (%s)", u.RawQuery, filter)
	}
	run(chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("svg.dotted")))
	if note := pageText(t, ctx, "#dotted-note"); !strings.HasPrefix(note, "400 of "+strconv.Itoa(rep.Cases)+" cases drawn") {
		t.Errorf("the dotted chart says %q; the API counts %d cases", note, rep.Cases)
	}
	if dots := evalInt(t, ctx, `document.querySelectorAll('svg.dotted circle').length`); dots < rep.Cases || dots > 20000 {
		t.Errorf("%d dots for %d cases", dots, rep.Cases)
	}
	if rows := evalInt(t, ctx, `document.querySelectorAll('#longest tbody tr').length`); rows != min(20, rep.Cases) {
		t.Errorf("%d longest cases listed", rows)
	}
	if chips := pageText(t, ctx, "#filter-chips"); !strings.Contains(chips, "lasting at least 1d") {
		t.Errorf("chips %q", chips)
	}

	// The longest case, opened: its events as the API's raw rows.
	caseID := pageText(t, ctx, "#longest tbody tr:first-child a")
	run(chromedp.Navigate(page+"/cases?"+filter+"&case="+url.QueryEscape(caseID)), chromedp.WaitVisible(chromedp.CSS("#case-events")))
	var ev struct {
		Events []struct{ Case, Activity string }
	}
	maker.json("GET", api+"/events?limit=1000&case-attr="+url.QueryEscape("case:concept:name="+caseID), "", 200, &ev)
	rows := evalInt(t, ctx, `document.querySelectorAll('#case-events tbody tr').length`)
	if rows != len(ev.Events) || rows == 0 {
		t.Errorf("case %s: %d events on the page, %d from the API", caseID, rows, len(ev.Events))
	}
	if marks := evalInt(t, ctx, `document.querySelectorAll('svg.case-timeline rect, svg.case-timeline circle').length`); marks != rows {
		t.Errorf("%d marks on the time line for %d events", marks, rows)
	}
	if first := pageText(t, ctx, "#case-events tbody tr:first-child td:nth-child(2)"); !strings.Contains(first, ev.Events[0].Activity) {
		t.Errorf("the first event %q, the API's %q", first, ev.Events[0].Activity)
	}
	if back, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('back').href`)); !strings.HasSuffix(back, "?"+filter) {
		t.Errorf("the way back: %s", back)
	}
	shot(t, ctx, "studio-cases")

	// A case id that is not there is said to be missing.
	run(chromedp.Navigate(page+"/cases?case=nope"), chromedp.WaitVisible(chromedp.CSS("#case-missing")))

	// A viewer: no link, and the page refused.
	run(signInSteps(e.url, "viewer")...)
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	if n := evalInt(t, ctx, `document.querySelectorAll('#cases-link').length`); n != 0 {
		t.Error("a viewer is offered the cases")
	}
	if code, body := maker.do("GET", fmt.Sprintf("/e/%d/p/%d/cases", prod.ID, p.ID), "", nil); code != 200 || !strings.Contains(body, `class="chart dotted"`) {
		t.Errorf("the maker's cases page: %d", code)
	}
	if code, body := viewer.do("GET", fmt.Sprintf("/e/%d/p/%d/cases?case=%s", prod.ID, p.ID, url.QueryEscape(caseID)), "", nil); code != 403 || strings.Contains(body, "case-events") {
		t.Errorf("the viewer's cases page: %d", code)
	}
}

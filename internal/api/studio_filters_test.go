package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStudioFiltersInABrowser applies each kind of filter from the
// process page's panel, as an analyst does: the page's case count is the
// API's for the same query, the filter shows as a chip, the URL alone
// gives the same view again, and a chip's ✕ takes its filter away; then
// it picks variants and attribute values and saves and reopens a view
// (pickersAndSavedViews).
func TestStudioFiltersInABrowser(t *testing.T) {
	s := newReceiptStudio(t)
	ctx, page := s.ctx, s.page
	run := runner(t, ctx)
	cases := func() int { t.Helper(); return s.cases(t) }
	query := func() string { t.Helper(); return s.query(t) }
	apiCases := func(q string) int { t.Helper(); return s.apiCases(t, q) }

	all := apiCases("")
	for _, f := range []struct {
		name  string
		steps []chromedp.Action[chromedp.Void]
		chip  string
	}{
		// Every case of receipt starts with its confirmation: the page
		// and the API agree, on all of them.
		{"start activity", []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#f-start"), "Confirmation of receipt")}, "starts with Confirmation of receipt"},
		{"end activity", []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#f-end"), "T10 Determine necessity to stop indication")}, "ends with T10"},
		{"duration", []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#f-min"), "1d")}, "lasting at least 1d"},
		{"dates and time mode", []chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS("#f-from"), "2011-01-01"), chromedp.SetValue(chromedp.CSS("#f-to"), "2011-06-30"),
			chromedp.SetValue(chromedp.CSS("#f-mode"), "started")}, "from 2011-01-01 (started)"},
		{"followed by", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#f-follow-a"), "T02 Check confirmation of receipt"),
			chromedp.SetValue(chromedp.CSS("#f-follow-how"), "follows:>>"),
			chromedp.SendKeys(chromedp.CSS("#f-follow-b"), "T06 Determine necessity of stop advice")}, "T02 Check confirmation of receipt is followed by T06"},
		{"never directly followed by", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#f-follow-a"), "Confirmation of receipt"),
			chromedp.SetValue(chromedp.CSS("#f-follow-how"), "not-follows:>"),
			chromedp.SendKeys(chromedp.CSS("#f-follow-b"), "T02 Check confirmation of receipt")}, "is never directly followed by"},
		{"top variants", []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#f-top"), "3")}, "top variants 3"},
		{"case attribute", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#f-attr"), "channel=Internet"), chromedp.SetValue(chromedp.CSS("#f-attr-how"), "case-attr")}, "case attribute channel=Internet"},
		{"event attribute, dropped", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#f-event-attr"), "org:resource=Resource10"), chromedp.SetValue(chromedp.CSS("#f-event-attr-how"), "exclude-event-attr")}, "without an event of org:resource=Resource10"},
	} {
		t.Run(f.name, func(t *testing.T) {
			run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
			run(f.steps...)
			run(chromedp.Click(chromedp.CSS("#apply-filters")), chromedp.WaitVisible(chromedp.CSS("#filter-chips")))
			if msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('filter-error') || {}).textContent || ''`)); msg != "" {
				t.Fatalf("the page refused the filter: %s", msg)
			}
			q, got := query(), cases()
			if want := apiCases(q); got != want || got == all && f.name != "start activity" || got == 0 {
				t.Errorf("%s: the page shows %d cases, the API %d for ?%s (all: %d)", f.name, got, want, q, all)
			}
			if chips := pageText(t, ctx, "#filter-chips"); !strings.Contains(chips, f.chip) {
				t.Errorf("chips %q, want %q", chips, f.chip)
			}
			if f.name == "followed by" {
				shot(t, ctx, "studio-filters")
			}
			// The URL alone gives the same view.
			run(chromedp.Navigate(page+"?"+q), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
			if again := cases(); again != got {
				t.Errorf("the same URL again: %d cases, then %d", got, again)
			}
			// The chips' ✕ take the filters away, one by one.
			for range 3 {
				if evalInt(t, ctx, `document.querySelectorAll('#filter-chips a').length`) == 0 {
					break
				}
				s.follow(t, "#filter-chips a")
			}
			if n := cases(); n != all {
				t.Errorf("without the filter: %d cases, want %d", n, all)
			}
		})
	}
	t.Run("variants and attribute values picked, a view saved and reopened", func(t *testing.T) {
		pickersAndSavedViews(t, s)
	})
}

// TestStudioPageReadsTheQueryAsTheAPIDoes: the process page refuses, with
// the API's words, a query the API refuses (one it cannot read whole, a
// lifecycle filter on the activity instances), where it used to drop
// what it could not read and draw the page unfiltered without a word.
func TestStudioPageReadsTheQueryAsTheAPIDoes(t *testing.T) {
	e := browserServer(t)
	_, maker, _, prod, base := prodWithMaker(e)
	var p processJSON
	maker.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
	csv := []byte("case,activity,time\n1,a,2020-01-01T10:00:00Z\n1,b,2020-01-01T11:00:00Z\n")
	if job := maker.importLog(fmt.Sprintf("%s/processes/%d/data", base, p.ID), "x.csv", csv, nil); job.State != "done" {
		t.Fatalf("import: %+v", job)
	}
	page := fmt.Sprintf("/e/%d/p/%d", prod.ID, p.ID)
	api := fmt.Sprintf("%s/processes/%d/report", base, p.ID)
	for _, q := range []string{"from=2020-01-01&to=%zz", "keep-events=lifecycle:transition%3Dstart"} {
		code, _ := maker.do("GET", api+"?"+q, "", nil)
		pcode, html := maker.do("GET", page+"?"+q, "", nil)
		if code != 422 || pcode != 200 || !strings.Contains(html, `id="filter-error"`) {
			t.Errorf("?%s: the API answers %d, the page %d with no filter error: %.400s", q, code, pcode, html[max(0, strings.Index(html, "<main")):])
		}
	}
}

// pickersAndSavedViews: an analyst picks a variant from the list and a
// case attribute's value from its picker, checks the figures against the
// API, saves the view (shared), opens it again from the list on a fresh
// page and gets the same view; a viewer of the process is not offered a
// view that filters on attribute values, and is offered one that does
// not; the analyst deletes the first.
func pickersAndSavedViews(t *testing.T, s *receiptStudio) {
	ctx, e, maker, api, page := s.ctx, s.e, s.maker, s.api, s.page
	run := runner(t, ctx)
	cases := func() int { t.Helper(); return s.cases(t) }
	query := func() string { t.Helper(); return s.query(t) }
	apiCases := func(q string) int { t.Helper(); return s.apiCases(t, q) }
	follow := func(sel string) { t.Helper(); s.follow(t, sel) }
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	all := cases()

	// The second variant of the list, kept alone, then dropped.
	second := pageText(t, ctx, "#variants li:nth-child(2) .count")
	n, _ := strconv.Atoi(strings.Fields(strings.ReplaceAll(second, ",", ""))[0])
	follow("#variants li:nth-child(2) .variant-keep")
	if got, want := cases(), apiCases(query()); got != n || got != want {
		t.Errorf("only the second variant: the page shows %d cases, the list said %d, the API %d", got, n, want)
	}
	if chips := pageText(t, ctx, "#filter-chips"); !strings.Contains(chips, "variant Confirmation of receipt → ") {
		t.Errorf("chips %q", chips)
	}
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	follow("#variants li:nth-child(2) .variant-drop")
	if got, want := cases(), apiCases(query()); got != all-n || got != want {
		t.Errorf("without the second variant: the page shows %d cases, want %d; the API %d", got, all-n, want)
	}

	// A case attribute's value picked from the list the page offers.
	if evalInt(t, ctx, `[...document.querySelectorAll('#event-attr-values option')].filter(o => o.value === 'org:resource=Resource10').length`) != 1 {
		t.Error("the event attribute picker does not offer org:resource=Resource10")
	}
	opts := evalInt(t, ctx, `document.querySelectorAll('#attr-values option').length`)
	if opts == 0 || evalInt(t, ctx, `[...document.querySelectorAll('#attr-values option')].filter(o => o.value === 'channel=Internet').length`) != 1 {
		t.Fatalf("the attribute picker offers %d values, not channel=Internet", opts)
	}
	run(chromedp.SendKeys(chromedp.CSS("#f-attr"), "channel=Internet"), chromedp.SendKeys(chromedp.CSS("#f-min"), "1h"))
	run(chromedp.Click(chromedp.CSS("#apply-filters")), chromedp.WaitVisible(chromedp.CSS("#filter-chips")))
	waitFor(t, ctx, `document.getElementById('filter-chips').textContent.includes('case attribute channel=Internet')`)
	// The performance view, as choosing it in the page does (the
	// select sends the form at once).
	withView, _ := url.ParseQuery(query())
	withView.Set("view", "performance")
	run(chromedp.Navigate(page+"?"+withView.Encode()), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
	q, filtered := query(), cases()
	if want := apiCases(q); filtered != want || filtered == all {
		t.Fatalf("the filtered view: %d cases, the API %d (all %d) for ?%s", filtered, want, all, q)
	}

	// Saved, shared, and opened again from the list on a fresh page.
	run(chromedp.SendKeys(chromedp.CSS("#view-name"), "Internet, over an hour"), chromedp.Click(chromedp.CSS("#view-shared")),
		chromedp.Click(chromedp.CSS("#view-save-button")))
	waitFor(t, ctx, `document.getElementById('views-status').textContent === 'View Internet, over an hour saved.'`)
	shot(t, ctx, "studio-saved-views")
	var list struct{ Views []savedView }
	maker.json("GET", api+"/views", "", 200, &list)
	if len(list.Views) != 1 || !list.Views[0].Shared || !strings.Contains(list.Views[0].Query, "view=performance") {
		t.Fatalf("the API lists %+v", list.Views)
	}
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#views-list")))
	if cases() != all {
		t.Fatal("the plain page is filtered")
	}
	follow("#views-list a")
	if got := cases(); got != filtered {
		t.Errorf("the saved view opens with %d cases, saved with %d", got, filtered)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('view').value`)); v != "performance" {
		t.Errorf("the saved view opens in the %s view", v)
	}
	if chips := pageText(t, ctx, "#filter-chips"); !strings.Contains(chips, "channel=Internet") || !strings.Contains(chips, "lasting at least 1h") {
		t.Errorf("the saved view's chips: %q", chips)
	}

	// A viewer of the process is not offered it: it filters on an
	// attribute value, which a report reader may not read.
	viewerPage := func() string {
		t.Helper()
		run(signInSteps(e.url, "viewer")...)
		run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#saved-views")))
		return pageText(t, ctx, "#saved-views")
	}
	if text := viewerPage(); strings.Contains(text, "Internet") || evalInt(t, ctx, `document.querySelectorAll('#view-save').length`) != 0 {
		t.Errorf("the viewer's saved views: %q", text)
	}

	// One by activity and duration only is offered to the viewer.
	maker.json("POST", api+"/views", `{"name":"Long ones","query":"min-duration=1d","shared":true}`, 201, nil)
	if text := viewerPage(); !strings.Contains(text, "Long ones") || strings.Contains(text, "Delete") {
		t.Errorf("the viewer's saved views: %q", text)
	}

	// The analyst deletes the first view.
	run(signInSteps(e.url, "maker")...)
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#views-list")))
	run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`button.view-delete[data-name="Internet, over an hour"]`)))
	waitFor(t, ctx, `document.getElementById('views-status').textContent === 'View Internet, over an hour deleted.'`)
	maker.json("GET", api+"/views", "", 200, &list)
	if len(list.Views) != 1 || list.Views[0].Name != "Long ones" {
		t.Errorf("after the deletion the API lists %+v", list.Views)
	}
}

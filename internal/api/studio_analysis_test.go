package api

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestCompareAndRootCausePagesInABrowser: on receipt, the maker opens the
// compare page (the halves of the log's time by default), sees the key
// figures, the difference map, the tested activities and the variants that
// appeared; the root-cause page explains the longest quarter of the cases
// with factors and a tree, and says what is wrong with a bad threshold. A
// Process Mining User sees both through disclosure control: a note, and
// root causes over activities only.
func TestCompareAndRootCausePagesInABrowser(t *testing.T) {
	ctx := browser(t)
	e := browserServer(t)
	page := viewedProcess(t, e, "Receipt", "csv/receipt.csv")

	run := runner(t, ctx)
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	count := func(js string) int { return evalInt(t, ctx, js) }
	signIn := func(user string) { run(signInSteps(e.url, user)...) }

	signIn("maker")
	// The working calendar is set on the process's page, from a file.
	calFile := filepath.Join(t.TempDir(), "office.json")
	os.WriteFile(calFile, []byte(`{"time_zone": "Europe/Amsterdam", "week": {"monday": ["09:00-17:00"], "friday": ["09:00-12:00", "13:00-17:00"]}, "annual_holidays": ["12-25"]}`), 0o644)
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#no-calendar")),
		chromedp.SetUploadFiles(chromedp.CSS("#calendar-file"), []string{calFile}), chromedp.Click(chromedp.CSS("#calendar-upload button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#calendar-info")))
	if info := text("#calendar-info"); !strings.Contains(info, "Europe/Amsterdam; 15 working hours a week on 2 weekdays; 0 holidays, 1 every year") {
		t.Errorf("calendar: %q", info)
	}
	// It is edited in the page's form: the form starts from it, and a
	// wrong shift is refused with the API's message, the calendar kept.
	run(chromedp.Click(chromedp.CSS("#calendar-editor summary")), chromedp.WaitVisible(chromedp.CSS("#cal-monday")))
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('cal-zone').value + ' ' + document.getElementById('cal-friday').value + ' ' + document.getElementById('cal-annual').value`)); err != nil || v != "Europe/Amsterdam 09:00-12:00, 13:00-17:00 12-25" {
		t.Errorf("the form starts from %q (%v)", v, err)
	}
	run(chromedp.SetValue(chromedp.CSS("#cal-monday"), "08:00-12:00, 13:00-25:00"), chromedp.Click(chromedp.CSS("#calendar-save")),
		chromedp.WaitVisible(chromedp.CSS(`#calendar-edit-status[role=alert]`)))
	if msg := text("#calendar-edit-status"); !strings.Contains(msg, "25:00") {
		t.Errorf("a wrong shift: %q", msg)
	}
	run(chromedp.SetValue(chromedp.CSS("#cal-monday"), "08:00-12:00, 13:00-18:00"), chromedp.SetValue(chromedp.CSS("#cal-holidays"), "2011-12-27"),
		chromedp.Click(chromedp.CSS("#calendar-save")))
	waitFor(t, ctx, `document.readyState === 'complete' && (document.getElementById('calendar-info') || {}).textContent.includes('16 working hours')`)
	if info := text("#calendar-info"); !strings.Contains(info, "Europe/Amsterdam; 16 working hours a week on 2 weekdays; 1 holidays, 1 every year") {
		t.Errorf("calendar after the form: %q", info)
	}
	shot(t, ctx, "studio-calendar-form")
	run(chromedp.Navigate(page), chromedp.Click(chromedp.CSS("#compare-link")), chromedp.WaitVisible(chromedp.CSS("#kpis")))
	if kpis := text("#kpis"); !strings.Contains(kpis, "Median case duration") || !strings.Contains(kpis, "Cases") {
		t.Errorf("key figures: %q", kpis)
	}
	if n := count(`document.querySelectorAll('#activities tbody tr').length`); n < 10 {
		t.Errorf("%d activities compared", n)
	}
	if n := count(`document.querySelectorAll('#diff-map svg g.node').length`); n < 5 {
		t.Errorf("the difference map draws %d activities", n)
	}
	if d := text("#duration-test"); !strings.Contains(d, "Mann-Whitney U") || !strings.Contains(d, "p = ") {
		t.Errorf("duration test: %q", d)
	}
	shot(t, ctx, "studio-compare")
	// A cohort of a single day before the log holds no case.
	run(chromedp.SetValue(chromedp.CSS("#a-from"), "1999-01-01"), chromedp.SetValue(chromedp.CSS("#a-to"), "1999-01-02"),
		chromedp.Click(chromedp.CSS("#compare")), chromedp.WaitVisible(chromedp.CSS("#compare-error")))
	if msg := text("#compare-error"); !strings.Contains(msg, "cohort A has no cases") {
		t.Errorf("an empty cohort: %q", msg)
	}

	run(chromedp.Navigate(page+"/root-causes"), chromedp.WaitVisible(chromedp.CSS("#factors")), chromedp.WaitVisible(chromedp.CSS("#tree")))
	if s := text("#outcome-summary"); !strings.Contains(s, "case longer than") || !strings.Contains(s, "of 1,434") {
		t.Errorf("outcome: %q", s)
	}
	if n := count(`document.querySelectorAll('#factors tbody tr').length`); n < 5 {
		t.Errorf("%d factors", n)
	}
	if n := count(`document.querySelectorAll('#tree li').length`); n < 3 {
		t.Errorf("the tree has %d nodes", n)
	}
	shot(t, ctx, "studio-root-causes")
	run(chromedp.SetValue(chromedp.CSS("#threshold"), "soon"), chromedp.Click(chromedp.CSS("#explain")), chromedp.WaitVisible(chromedp.CSS("#rootcause-error")))
	if msg := text("#rootcause-error"); !strings.Contains(msg, "not a positive duration") {
		t.Errorf("a bad threshold: %q", msg)
	}

	// Durations in working time, by the calendar set above.
	run(chromedp.Navigate(page+"/root-causes"), chromedp.WaitVisible(chromedp.CSS("#working")),
		chromedp.Click(chromedp.CSS("#working")), chromedp.SetValue(chromedp.CSS("#threshold"), "8h"), chromedp.Click(chromedp.CSS("#explain")))
	// The page before the form's answer has an outcome summary too: wait
	// for the answer's (waiting for the element raced the navigation).
	waitFor(t, ctx, `location.search.includes('duration-time=working') && document.readyState === 'complete' && !!document.getElementById('outcome-summary')`)
	if s := text("#outcome-summary"); !strings.Contains(s, "case longer than 8h in working time") {
		t.Errorf("root causes in working time: %q", s)
	}
	run(chromedp.Navigate(page+"/compare?a-from=2010-10-01&a-to=2011-06-01&b-from=2011-06-02&b-to=2012-01-31&duration-time=working"), chromedp.WaitVisible(chromedp.CSS("#working-note")))
	// The process page's performance map and median, in working time.
	run(chromedp.Navigate(page+"?view=performance"), chromedp.WaitVisible(chromedp.CSS("#f-working")))
	elapsed := text("#kpi-median")
	run(chromedp.Click(chromedp.CSS("#f-working")), chromedp.Click(chromedp.CSS("#apply-filters")))
	waitFor(t, ctx, `location.search.includes('duration-time=working') && document.readyState === 'complete' && !!document.querySelector('#map svg')`)
	if legend := text("#map"); !strings.Contains(legend, "Mean working time between activities") {
		t.Errorf("the performance map's legend: %q", legend[:min(len(legend), 200)])
	}
	if label, median := text(".kpis"), text("#kpi-median"); !strings.Contains(label, "Median case (working time)") || median == elapsed || median == "–" {
		t.Errorf("median case: %q in working time, %q elapsed (%q)", median, elapsed, label)
	}
	if n := count(`document.querySelectorAll('#f-working:checked').length`); n != 1 {
		t.Error("the working-time switch is not shown as on")
	}
	shot(t, ctx, "studio-process-working-time")

	// Optimal alignments and precision on the conformance page, the
	// method said beside each figure.
	run(chromedp.Navigate(page+"/conformance"), chromedp.WaitVisible(chromedp.CSS("#method-note")), chromedp.Click(chromedp.CSS("#use-alignments")),
		chromedp.WaitVisible(chromedp.CSS("#alignments")))
	// They ran as a job, whose result the page shows.
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || !strings.Contains(v, "job=") {
		t.Errorf("the alignments were not computed by a job: %q (%v)", v, err)
	}
	if p := text("#align-precision"); !strings.HasPrefix(p, "0.") {
		t.Errorf("precision: %q", p)
	}
	if n := text("#alignments"); !strings.Contains(n, "Method: optimal alignments") || !strings.Contains(text("#method-note"), "token-based replay") {
		t.Errorf("the methods are not said: %q", n)
	}
	shot(t, ctx, "studio-conformance-alignments")

	signIn("viewer")
	// A reader is not offered dates from the log's first and last cases:
	// it chooses the cohorts.
	run(chromedp.Navigate(page+"/compare"), chromedp.WaitVisible(chromedp.CSS("#choose")))
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('a-from').value + document.getElementById('b-to').value`)); err != nil || v != "" {
		t.Errorf("a reader is offered the dates %q (%v)", v, err)
	}
	run(chromedp.Navigate(page+"/compare?a-from=2010-10-01&a-to=2011-06-01&b-from=2011-06-02&b-to=2012-01-31"),
		chromedp.WaitVisible(chromedp.CSS("#disclosure-note")), chromedp.WaitVisible(chromedp.CSS("#kpis")))
	if note := text("#disclosure-note"); !strings.Contains(note, "report reader") {
		t.Errorf("reader's note: %q", note)
	}
	shot(t, ctx, "studio-compare-reader")
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#calendar-info")))
	if n := count(`document.querySelectorAll('#calendar-upload').length`); n != 0 {
		t.Error("a reader is offered to change the calendar")
	}
	// A reader's page in working time goes through disclosure control as
	// in elapsed time.
	run(chromedp.Navigate(page+"?view=performance&duration-time=working"), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	if label, legend := text(".kpis"), text("#map"); !strings.Contains(label, "Median case (working time)") || !strings.Contains(legend, "Mean working time") {
		t.Errorf("a reader's page in working time: %q", label)
	}
	if note := text("#disclosure-note"); !strings.Contains(note, "report reader") {
		t.Errorf("reader's note in working time: %q", note)
	}
	run(chromedp.Navigate(page+"/root-causes"), chromedp.WaitVisible(chromedp.CSS("#disclosure-note")), chromedp.WaitVisible(chromedp.CSS("#tree")))
	if f := text("#factors"); strings.Contains(f, "worked on by") || strings.Contains(f, " = ") {
		t.Errorf("a reader sees resources or attribute values: %q", f)
	}
	shot(t, ctx, "studio-root-causes-reader")
	run(chromedp.Navigate(page+"/conformance?method=alignments"), chromedp.WaitVisible(chromedp.CSS("#alignments")))
	if n := count(`document.querySelectorAll('#align-log-fitness').length`); n != 0 {
		t.Error("a reader gets the log fitness of alignments")
	}
}

// viewedProcess is a process of the maker's, named name, holding the
// shared log rel (imported under its base name), and shared as viewer
// with a Process Mining User called viewer; it returns the process's
// studio page.
func viewedProcess(t *testing.T, e *env, name, rel string) string {
	t.Helper()
	data, err := os.ReadFile(testlogs.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	root, maker, _, prod, base := prodWithMaker(e)
	var p processJSON
	maker.json("POST", base+"/processes", fmt.Sprintf(`{"name":%q}`, name), 201, &p)
	process := fmt.Sprintf("%s/processes/%d", base, p.ID)
	if j := maker.importLog(process+"/data", filepath.Base(rel), data, nil); j.State != "done" {
		t.Fatalf("import: %+v", j)
	}
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)
	maker.json("PUT", process+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)
	return fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, p.ID)
}

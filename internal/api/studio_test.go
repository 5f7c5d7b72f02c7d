package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
	"github.com/procmine/procmine/internal/testlogs"
)

// browser starts Debian's chromium headless and returns a tab. Without
// chromium the test is skipped, and under CI=true it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserWith(t)
}

// browserWith is browser with more options for chromium.
func browserWith(t *testing.T, more ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		msg := "chromium is not installed (scripts/test installs it as root)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	opts = append(opts, more...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	// The first run starts the browser; it takes no timeout of its own.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// runner returns a function that runs browser steps, each batch within a
// minute, failing the test on an error.
func runner(t *testing.T, ctx context.Context) func(...chromedp.Action[chromedp.Void]) {
	return func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
}

// artifacts is where the browser tests save their screenshots.
func artifacts(t *testing.T) string {
	dir := os.Getenv("PROCMINE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A page that has just been reloaded may not be laid out yet: try
	// again for a moment.
	var png []byte
	var err error
	for range 20 {
		if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// activityNodes counts the activities drawn on the map.
const activityNodes = `[...document.querySelectorAll('#map g.node > title')].filter(t => /^n\d+$/.test(t.textContent)).length`

// TestStudioInABrowser: a maker signs in, creates a process, uploads the
// receipt log, watches the import finish, sees the map of 27 activities,
// simplifies it with both sliders, switches to performance, and shares it
// as viewer; the viewer sees the report but no raw data or export; a
// process mining user gets no Create button.
func TestStudioInABrowser(t *testing.T) {
	ctx := browser(t)
	receipt := testlogs.Path(t, "csv/receipt.csv")
	e := browserServer(t)
	root, _, _, prod, base := prodWithMaker(e)
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)

	run := runner(t, ctx)
	count := func() int { return evalInt(t, ctx, activityNodes) }
	signIn := func(user string) { run(signInSteps(e.url, user)...) }

	signIn("maker")
	run(chromedp.WaitVisible(chromedp.CSS("#create")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Receipt"),
		chromedp.Click(chromedp.CSS("#create-process")),
		chromedp.WaitVisible(chromedp.CSS("#upload")))
	// The new process's page opened by its address: chromedp's view of a
	// document reached through a form's redirect could still be changing
	// when the file was set ("Could not find node with given id", once in
	// a clean run); a navigation waits for the page to load.
	created, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(created), chromedp.WaitVisible(chromedp.CSS("#upload")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{receipt}),
		chromedp.Click(chromedp.CSS("#upload button")),
		chromedp.WaitVisible(chromedp.CSS("#map svg")))
	shot(t, ctx, "studio-process-page")
	// A bad file: the user is told which file, line and why; nothing changes.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("case,activity,timestamp\n1,a,2020-01-01\n1,b,tomorrow\n"), 0o644)
	run(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}), chromedp.Click(chromedp.CSS("#upload button")))
	msg, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.getElementById('upload-status').getAttribute('role') === 'alert' && document.getElementById('upload-status').textContent) || null`))
	if err != nil || !strings.Contains(msg, `bad.csv:3: column "timestamp": "tomorrow" is not a timestamp`) {
		t.Errorf("a bad upload shows %q (%v)", msg, err)
	}
	// The first view is the readable one (TestStudioMapsReadable); the
	// sliders at 100% draw all 27 activities.
	run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	if chosen := pageText(t, ctx, "#map-chosen"); !strings.Contains(chosen, "of 27 activities") {
		t.Errorf("the first view says %q", chosen)
	}
	run(chromedp.Navigate(e.url+chromeLocation(t, ctx)+"?activities=1&paths=1"), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	if n := count(); n != 27 {
		t.Fatalf("the map shows %d activities, want 27", n)
	}
	text := pageText(t, ctx, "#kpi-cases")
	if text != "1434" {
		t.Errorf("cases tile %q", text)
	}
	if charts, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart rect').length`)); charts < 20 {
		t.Errorf("the duration histogram and timeline have %d bars", charts)
	}
	// Clicking an activity shows its figures.
	run(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#map g.node')].find(g => g.querySelector('title').textContent === 'n0').querySelector('text').dispatchEvent(new MouseEvent('click', {bubbles: true}))`))
	if fig := pageText(t, ctx, "#figures"); !strings.Contains(fig, "events in") {
		t.Errorf("figures after a click: %q", fig)
	}
	// And by keyboard: a path takes the focus and Enter shows its figures.
	run(chromedp.Focus(chromedp.CSS("#map g.edge")), chromedp.KeyEvent("\r"))
	if fig := pageText(t, ctx, "#figures"); !strings.Contains(fig, "times in") && !strings.Contains(fig, "cases start with") {
		t.Errorf("figures after Enter on a path: %q", fig)
	}
	// The filter panel narrows the report.
	run(chromedp.SendKeys(chromedp.CSS("#f-min"), "30d"), chromedp.Click(chromedp.CSS("#apply-filters")),
		chromedp.WaitReady(chromedp.CSS(`#f-min[value="30d"]`)))
	if text := pageText(t, ctx, "#kpi-cases"); text == "1434" || text == "" {
		t.Errorf("cases lasting 30 days or more: %q", text)
	}
	run(chromedp.Navigate(e.url+chromeLocation(t, ctx)), chromedp.WaitVisible(chromedp.CSS("#map svg")))

	// Both sliders simplify the map.
	run(chromedp.Evaluate[chromedp.Void](`document.getElementById('activities').value = '0.3'; document.getElementById('activities').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(chromedp.CSS(`#map[aria-label="Process map: 9 activities"]`)))
	if n := count(); n != 9 {
		t.Errorf("activities at 30%%: %d drawn, want 9", n)
	}
	edges := `document.querySelectorAll('#map g.edge').length`
	before, _ := chromedp.Run(ctx, chromedp.Evaluate[int](edges))
	run(chromedp.Evaluate[chromedp.Void](`document.getElementById('paths').value = '0.1'; document.getElementById('paths').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(chromedp.CSS(`#paths[value="0.1"]`)))
	after, _ := chromedp.Run(ctx, chromedp.Evaluate[int](edges))
	if after >= before {
		t.Errorf("paths at 10%%: %d edges, before %d", after, before)
	}
	run(chromedp.Evaluate[chromedp.Void](`document.getElementById('view').value = 'performance'; document.getElementById('view').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitReady(chromedp.CSS(`#view option[value="performance"][selected]`)),
		// The option comes before the map: wait for the map's end too.
		chromedp.WaitReady(chromedp.CSS("#figures")))
	labels := pageText(t, ctx, "#map")
	if !strings.Contains(labels, " d") && !strings.Contains(labels, " h") {
		t.Errorf("performance view shows no durations: %q", labels)
	}
	shot(t, ctx, "studio-simplified-performance")

	// Share as viewer.
	run(chromedp.SetValue(chromedp.CSS("#share-user"), fmt.Sprintf("user:%d", viewerID)),
		chromedp.SetValue(chromedp.CSS("#share-access"), "viewer"),
		chromedp.Click(chromedp.CSS("#share-submit")))
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('share-status').textContent || null`))
	if err != nil || status != "Shared as viewer." {
		t.Errorf("share: %q %v", status, err)
	}
	run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#who-has-access")))
	if who := pageText(t, ctx, "#who-has-access"); !strings.Contains(who, "maker: owner") || !strings.Contains(who, "viewer: viewer (shared)") {
		t.Errorf("who has access: %q", who)
	}

	// At 390 px wide the page still fits.
	run(chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); wide > 390 {
		t.Errorf("at 390 px the page is %d px wide", wide)
	}
	shot(t, ctx, "studio-process-390px")
	run(chromedp.EmulateViewport(1280, 800))

	// Administration, for the environment's administrator.
	run(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	signIn("root")
	run(chromedp.Click(chromedp.CSS("#admin-link")), chromedp.WaitVisible(chromedp.CSS("#members")))
	admin := pageText(t, ctx, "main")
	for _, want := range []string{"maker", "Environment Maker", "Process Mining User (fixed)", "process.create", "share.put"} {
		if !strings.Contains(admin, want) {
			t.Errorf("the administration page lacks %q", want)
		}
	}
	run(chromedp.SendKeys(chromedp.CSS("#a-action"), "share.put"), chromedp.Click(chromedp.CSS("#audit-filter")),
		chromedp.WaitReady(chromedp.CSS(`#a-action[value="share.put"]`)))
	if rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#audit tbody tr').length`)); rows != 1 {
		t.Errorf("audit filtered to share.put: %d rows", rows)
	}
	shot(t, ctx, "studio-administration")

	// The viewer: the report, no raw data, no export, no upload, no Create.
	run(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	signIn("viewer")
	if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, "admin-link") {
		t.Error("a process mining user is offered Administration")
	}
	run(chromedp.Click(chromedp.CSS("#processes a")), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	shot(t, ctx, "studio-viewer")
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	for _, absent := range []string{`id="export"`, `id="export-parquet"`, "format=parquet", `id="upload"`, `id="share"`, "case-10011", "Resource21"} {
		if strings.Contains(html, absent) {
			t.Errorf("the viewer's page contains %q", absent)
		}
	}
	// Through disclosure control: the three activities of fewer than
	// five cases are not on a report reader's map, and the page says so.
	// The five of 5 to 7 cases are shown or not on their count with
	// noise (disclosure.Guard.AtLeast); the 19 of 15 cases or more are.
	// The whole map, not the readable first view (which keeps about 20
	// chosen on noisy counts).
	whole, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(whole+"?activities=1&paths=1"), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	if n := count(); n < 19 || n > 24 {
		t.Errorf("the viewer's map shows %d activities; 19 to 24 expected", n)
	}
	if !strings.Contains(html, `id="disclosure-note"`) {
		t.Error("the viewer's page does not say that figures are protected")
	}
	run(chromedp.Navigate(fmt.Sprintf("%s/e/%d", e.url, prod.ID)), chromedp.WaitVisible(chromedp.CSS("#processes")))
	html, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(html, "create-process") {
		t.Error("a process mining user is offered Create process")
	}
}

// browserServer is a server for the browser tests on an embedded store,
// with its job workers running, closed when the test ends.
func browserServer(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.DSNs(t)["sqlite"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sources := t.TempDir()
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap,
		Sources: datasource.Config{PostgresHosts: []string{"127.0.0.1", "localhost"}, SQLiteDir: sources}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	startJobs(t, srv)
	return &env{t: t, store: st, url: ts.URL, now: time.Now(), sources: sources}
}

// signInSteps sign user in to the studio at url, with the tests' password.
func signInSteps(url, user string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.Navigate(url + "/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#processes, main p"))}
}

// pageText is the text of the element sel selects.
//
// It reads the element in the document the browser shows now, polling
// until it is there: chromedp.Text searches the DOM tree chromedp keeps,
// which a form's navigation can leave a step behind (TestTOTPSignInInABrowser
// once read "" from the sign-in page's alert that way).
func pageText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? [e.innerText] : [] })()`, sel)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err == nil && len(got) == 1 {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not on the page (%v)", sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// evalInt evaluates a script that counts something on the page.
func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// chromeLocation returns the tab's path without its query: the process page
// with no filter.
func chromeLocation(t *testing.T, ctx context.Context) string {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(loc, "http://"), "?")
	_, path, _ = strings.Cut(path, "/")
	return "/" + path
}

package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
	"github.com/procmine/procmine/recorder"
)

// The secrets the recorder test types: none of them may reach the server.
const (
	recPassword = "hunter2-PASSWORD-VALUE"
	recPaused   = "PAUSED-TYPING-4242"
	recDenied   = "DENIED-SITE-VALUE"
	recCard     = "4111 1111 1111 1111"
)

// recorderApp is the small web application the recorder test works in: a
// form (name, e-mail, card number, password) that leads to a second page,
// a help page that opens in a new tab, and a page of three buttons.
func recorderApp() http.Handler {
	page := func(title, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>%s</title><style>body{font:16px sans-serif;margin:20px;background:#fff}label,input,textarea,select,button{display:block;margin:6px 0}input{width:320px;height:28px}</style></head><body><h1>%s</h1>%s</body></html>`, title, title, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /form", page("Order form", `<form id="order" aria-label="Order" method="post" action="/confirm">
<label for="name">Full name</label><input id="name" name="name">
<label for="email">E-mail</label><input id="email" name="email" type="email">
<label for="card">Card number</label><input id="card" name="card">
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="button" id="show" onmousedown="event.preventDefault()" onclick="document.getElementById('password').type='text'">Show password</button>
<button type="button" id="check">Check</button>
<button type="submit" id="continue">Continue</button></form>`))
	mux.Handle("POST /confirm", page("Confirm order", `<label for="comment">Comment</label><textarea id="comment"></textarea>
<label for="delivery">Delivery</label><select id="delivery"><option>Standard</option><option>Express</option></select>
<a id="help" href="/help" target="_blank">Help</a>
<button type="button" id="place">Place order</button>`))
	mux.Handle("GET /help", page("Help", `<p>Call us.</p><button type="button" id="gotit">Got it</button>`))
	mux.Handle("GET /buttons", page("Buttons", `<button type="button" id="first">First</button><button type="button" id="second">Second</button><button type="button" id="third">Third</button>`))
	return mux
}

// unpackRecorder packs the extension as `procmine recorder pack` does
// and unzips it where chromium loads it from.
func unpackRecorder(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := recorder.Pack(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// restartable serves a handler on one loopback address that can be taken
// down and brought back, as a server that goes away for a while.
type restartable struct {
	addr string
	h    http.Handler
	srv  *http.Server
}

func (s *restartable) up(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{Handler: s.h}
	go s.srv.Serve(ln)
}

func (s *restartable) down() { s.srv.Close() }

// TestRecorderExtension: the browser recorder, loaded into Debian's
// chromium, records a task on a small web application and publishes it;
// what it must keep out never reaches the server (issue 18, done-when 1,
// 2 and 4).
func TestRecorderExtension(t *testing.T) {
	ext := unpackRecorder(t)
	ctx := browserWith(t, chromedp.Flag("disable-extensions", false),
		chromedp.Flag("load-extension", ext), chromedp.Flag("disable-extensions-except", ext))

	// The server, on the embedded store, sealed, with its log kept.
	dsn := storetest.DSNs(t)["sqlite"]
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := seal.ParseKey(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	st.UseKeys(&seal.Keyring{Current: key})
	e := &env{t: t, store: st, dsn: dsn, now: time.Now().UTC(), logs: &syncBuffer{}, key: key}
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(e.logs, nil)), Password: cheap})
	api := &restartable{addr: "127.0.0.1:0", h: srv.Handler()}
	api.up(t)
	t.Cleanup(api.down)
	e.url = "http://" + api.addr
	startJobs(t, srv)
	_, maker, _, prod, base := prodWithMaker(e)
	var proc processJSON
	maker.json("POST", base+"/processes", `{"name":"Orders"}`, 201, &proc)
	var tok struct {
		Token string `json:"token"`
	}
	maker.json("POST", "/api/v1/tokens", `{"name":"recorder","expires_in_days":30,"password":"a long enough password"}`, 201, &tok)
	if tok.Token == "" {
		t.Fatal("no token")
	}

	app := httptest.NewServer(recorderApp())
	t.Cleanup(app.Close)
	appSite := strings.TrimPrefix(app.URL, "http://")
	_, port, _ := net.SplitHostPort(appSite)
	deniedURL := "http://localhost:" + port

	// The extension's id, from its service worker.
	var id string
	for deadline := time.Now().Add(20 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Type == "service_worker" && strings.HasPrefix(tg.URL, "chrome-extension://") {
				id = strings.Split(strings.TrimPrefix(tg.URL, "chrome-extension://"), "/")[0]
			}
		}
	}
	if id == "" {
		t.Fatal("the extension's service worker did not start")
	}
	extURL := "chrome-extension://" + id + "/"

	// The extension's pages in a window of their own; the application in
	// the first tab.
	ectx, cancel := chromedp.NewContext(ctx, chromedp.WithNewWindow(true))
	t.Cleanup(cancel)
	// The first run opens the window; it takes no timeout of its own.
	if err := chromedp.Do(ectx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	run, erun := runner(t, ctx), runner(t, ectx)

	// Connect: the server and the token in the options.
	// Typed once the page has shown its settings: typing before would
	// race their loading.
	erun(chromedp.Navigate(extURL + "options.html"))
	waitFor(t, ectx, `document.body.dataset.loaded === "true"`)
	erun(chromedp.SendKeys(chromedp.CSS("#server"), e.url),
		chromedp.SendKeys(chromedp.CSS("#token"), tok.Token),
		chromedp.Click(chromedp.CSS("#save-connection")))
	waitFor(t, ectx, `document.getElementById('connection').textContent.includes('Connected')`)
	waitFor(t, ectx, `document.getElementById('env').options.length === 1`)

	var session access.ID
	steps := func() []store.Step {
		t.Helper()
		got, err := st.Steps(context.Background(), session)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	waitSteps := func(n int) []store.Step {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			got := steps()
			if len(got) >= n {
				return got
			}
			if time.Now().After(deadline) {
				names := []string{}
				for _, s := range got {
					names = append(names, s.Name)
				}
				// What the recorder says, to tell why.
				chromedp.Do(ectx, chromedp.Navigate(extURL+"popup.html"), chromedp.Sleep(time.Second))
				body, _ := chromedp.Run(ectx, chromedp.Evaluate[string](`document.body.innerText`))
				t.Fatalf("%d steps arrived, want %d: %q; the recorder's popup: %s", len(got), n, names, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	popup := func(button, state string) {
		t.Helper()
		erun(chromedp.Navigate(extURL+"popup.html"), chromedp.WaitVisible(chromedp.CSS("#"+button)), chromedp.Click(chromedp.CSS("#"+button)))
		waitFor(t, ectx, fmt.Sprintf(`document.getElementById('state').textContent.startsWith(%q)`, state))
	}

	// Record.
	erun(chromedp.Navigate(extURL+"popup.html"), chromedp.WaitVisible(chromedp.CSS("#title")), chromedp.SendKeys(chromedp.CSS("#title"), "Enter an order"))
	erun(chromedp.Click(chromedp.CSS("#start")))
	waitFor(t, ectx, `document.getElementById('state').textContent.startsWith('Recording')`)
	shot(t, ectx, "recorder-popup")
	var sessions struct {
		Sessions []struct {
			ID access.ID `json:"id"`
		} `json:"sessions"`
	}
	maker.json("GET", base+"/recording-sessions", "", 200, &sessions)
	if len(sessions.Sessions) != 1 {
		t.Fatalf("sessions %+v", sessions)
	}
	session = sessions.Sessions[0].ID

	run(chromedp.Navigate(app.URL+"/form"), chromedp.WaitVisible(chromedp.CSS("#name")))
	waitSteps(1) // Open "Order form"
	run(chromedp.SendKeys(chromedp.CSS("#name"), "Jane Roe"),
		chromedp.SendKeys(chromedp.CSS("#email"), "jane.roe@example.com"),
		chromedp.SendKeys(chromedp.CSS("#card"), recCard),
		chromedp.SendKeys(chromedp.CSS("#password"), recPassword),
		chromedp.Click(chromedp.CSS("#check")))
	waitSteps(6) // name, e-mail, card, password, Check
	// "Show password" turns the password field into a text field: it
	// stays a secret, and is black in the next screenshot.
	run(chromedp.Click(chromedp.CSS("#show")), chromedp.Click(chromedp.CSS("#check")))
	waitSteps(8)
	run(chromedp.Click(chromedp.CSS("#continue")), chromedp.WaitVisible(chromedp.CSS("#comment")))
	waitSteps(11) // Continue, the form's submission, Open "Confirm order"

	// Pause, type, resume: the typing is nowhere.
	popup("pause", "Paused")
	run(chromedp.SendKeys(chromedp.CSS("#comment"), recPaused))
	time.Sleep(time.Second)
	popup("resume", "Recording")
	// Typing on in the same field after resuming would send its whole
	// value, the paused part too, when the field is left: that field is
	// not read again.
	run(chromedp.SendKeys(chromedp.CSS("#comment"), " and more"), chromedp.Click(chromedp.CSS("#place")))
	run(chromedp.SendKeys(chromedp.CSS("#delivery"), "E"), chromedp.Click(chromedp.CSS("h1")))
	got := waitSteps(13) // Place order, Select in "Delivery"
	for _, s := range got {
		if strings.Contains(s.Input, recPaused) || strings.Contains(s.Input, "and more") || strings.Contains(s.Name, "Comment") {
			t.Errorf("a step holds what was typed during the pause: %+v", s)
		}
	}
	if last := got[len(got)-1]; last.Name != `Select in "Delivery"` || last.Action != "select" || last.Input != "Express" {
		t.Errorf("the choice in the list: %+v", last)
	}

	// A tab switch: the help opens in a new tab; back to the order.
	before := len(steps())
	run(chromedp.Click(chromedp.CSS("#help")))
	var helpTab target.ID
	for deadline := time.Now().Add(20 * time.Second); helpTab == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		targets, _ := chromedp.Targets(ctx)
		for _, tg := range targets {
			if tg.Type == "page" && strings.HasSuffix(tg.URL, "/help") {
				helpTab = tg.TargetID
			}
		}
	}
	if helpTab == "" {
		t.Fatal("the help tab did not open")
	}
	hctx, hcancel := chromedp.NewContext(ctx, chromedp.WithTargetID(helpTab))
	t.Cleanup(hcancel)
	if _, err := chromedp.Run(hctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	runner(t, hctx)(chromedp.WaitVisible(chromedp.CSS("#gotit")), chromedp.Click(chromedp.CSS("#gotit")))
	waitSteps(before + 2) // Click "Help", Open "Help" or Click "Got it"
	run(chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(c, tg, page.BringToFront, cdp.Empty{})
		return err
	}))
	var switched bool
	for deadline := time.Now().Add(30 * time.Second); !switched && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, s := range steps() {
			switched = switched || (s.Action == "switch" && s.WindowTitle == "Confirm order")
		}
	}
	if !switched {
		t.Fatal("no step for the switch back to the order tab")
	}

	// A denied site: nothing is captured there, not even a step name.
	erun(chromedp.Navigate(extURL + "options.html"))
	waitFor(t, ectx, `document.body.dataset.loaded === "true"`)
	erun(chromedp.SendKeys(chromedp.CSS("#deny"), "localhost"), chromedp.Click(chromedp.CSS("#save-privacy")))
	waitFor(t, ectx, `document.getElementById('privacy-saved').textContent === 'Saved.'`)
	before = len(steps())
	run(chromedp.Navigate(deniedURL+"/form"), chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), recDenied), chromedp.Click(chromedp.CSS("#check")))
	time.Sleep(2 * time.Second)
	// Back on an allowed site, one step more arrives: the denied ones
	// would have come before it.
	run(chromedp.Navigate(app.URL+"/buttons"), chromedp.WaitVisible(chromedp.CSS("#first")))
	got = waitSteps(before + 1)
	for _, s := range got[before:] {
		if s.Application != appSite {
			t.Errorf("a step from a denied site: %+v", s)
		}
	}

	// The server goes away; three clicks are kept and arrive, in order,
	// when it is back.
	before = len(steps())
	api.down()
	for _, b := range []string{"#first", "#second", "#third"} {
		run(chromedp.Click(chromedp.CSS(b)))
		time.Sleep(700 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if n := len(steps()); n != before {
		t.Fatalf("steps stored while the server was down: %d, want %d", n, before)
	}
	erun(chromedp.Navigate(extURL + "popup.html"))
	waitFor(t, ectx, `document.getElementById('outbox').textContent.startsWith('3 waiting')`)
	api.up(t)
	got = waitSteps(before + 3)
	var order []string
	for _, s := range got[before:] {
		order = append(order, s.Name)
	}
	if strings.Join(order, "|") != `Click "First"|Click "Second"|Click "Third"` {
		t.Errorf("after the outage the steps arrived as %q", order)
	}

	// Stop, review: delete a step, edit an input, publish.
	popup("stop", "Not recording")
	erun(chromedp.Navigate(fmt.Sprintf("%sreview.html?env=%d&session=%d", extURL, prod.ID, session)))
	waitFor(t, ectx, `document.querySelectorAll('#steps tbody tr').length > 0 && document.querySelectorAll('#process option').length === 1`)
	all := steps()
	var gotIt, nameStep store.Step
	for _, s := range all {
		switch s.Name {
		case `Click "Got it"`:
			gotIt = s
		case `Type in "Full name"`:
			nameStep = s
		}
	}
	if gotIt.N == 0 || nameStep.N == 0 {
		t.Fatalf("steps %+v", all)
	}
	// Screenshots load into the review page.
	waitFor(t, ectx, `[...document.querySelectorAll('#steps img')].some(i => i.complete && i.naturalWidth > 0)`)
	shot(t, ectx, "recorder-review")
	erun(chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-n="%d"] button.delete`, gotIt.N))))
	waitFor(t, ectx, fmt.Sprintf(`!document.querySelector('tr[data-n="%d"]') && !document.body.dataset.loading`, gotIt.N))
	waitFor(t, ectx, `[...document.querySelectorAll('#steps img')].every(i => i.complete)`)
	erun(chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#input-%d", nameStep.N)), "J. Roe"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label="Save input data of step %d"]`, nameStep.N))))
	waitFor(t, ectx, `document.getElementById('status').textContent === 'Saved.' && !document.body.dataset.loading`)
	waitFor(t, ectx, `!document.getElementById('publish').disabled && !document.body.dataset.loading && [...document.querySelectorAll('#steps img')].every(i => i.complete)`)
	// Pressed from script: a long page of screenshots still settling can
	// move the button from under a mouse click (about one run in ten
	// here lost the click).
	if _, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`(() => { const b = document.getElementById('publish'); b.focus(); b.click(); return true })()`)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		said, _ := chromedp.Run(ectx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		if strings.HasPrefix(said, "Published") {
			break
		}
		if time.Now().After(deadline) {
			var reqs []string
			for _, line := range strings.Split(e.logs.String(), "\n") {
				if strings.Contains(line, "publish") || strings.Contains(line, "/steps/") && strings.Contains(line, "PATCH") {
					reqs = append(reqs, line)
				}
			}
			y, _ := chromedp.Run(ectx, chromedp.Evaluate[string](`JSON.stringify([scrollY, document.getElementById('publish').getBoundingClientRect(), document.activeElement && document.activeElement.id])`))
			t.Fatalf("not published: the page says %q; publish at %s; the server saw %q", said, y, reqs)
		}
	}

	// A draft left recording (another browser, or one that closed) is
	// continued from the popup, paused until resumed; another is
	// discarded.
	var left, other recordingJSON
	maker.json("POST", base+"/recording-sessions", `{"title":"Left open"}`, 201, &left)
	maker.json("POST", base+"/recording-sessions", `{"title":"Not wanted"}`, 201, &other)
	erun(chromedp.Navigate(extURL+"popup.html"), chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Continue Left open"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Continue Left open"]`)))
	waitFor(t, ectx, `document.getElementById('state').textContent.startsWith('Paused "Left open"')`)
	erun(chromedp.Click(chromedp.CSS(`button[aria-label="Discard Not wanted"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Confirm: discard Not wanted and its steps"]`)))
	waitFor(t, ectx, `![...document.querySelectorAll('#drafts li')].some(li => li.textContent.includes('Not wanted'))`)
	if code, _ := maker.do("GET", fmt.Sprintf("%s/recording-sessions/%d", base, other.ID), "", nil); code != 404 {
		t.Errorf("the discarded draft: %d", code)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var cur recordingJSON
		maker.json("GET", fmt.Sprintf("%s/recording-sessions/%d", base, left.ID), "", 200, &cur)
		if cur.State == "paused" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the continued draft is %s on the server, want paused", cur.State)
		}
	}
	popup("stop", "Not recording")

	// What the server holds.
	var pub recordingJSON
	maker.json("GET", fmt.Sprintf("%s/processes/%d/recordings/%d", base, proc.ID, session), "", 200, &pub)
	if pub.State != "published" || len(pub.Steps) != len(all)-1 {
		t.Fatalf("published %s with %d steps, want %d", pub.State, len(pub.Steps), len(all)-1)
	}
	var password, card, check *store.Step
	for i, s := range pub.Steps {
		if s.N == gotIt.N {
			t.Error("the deleted step was published")
		}
		if s.Name == "" || s.Application != appSite || s.WindowTitle == "" {
			t.Errorf("step %d: name %q, application %q, window %q", s.N, s.Name, s.Application, s.WindowTitle)
		}
		if s.Action != "open" && s.Action != "switch" && s.Element.Bounds == nil {
			t.Errorf("step %d (%s) has no bounds", s.N, s.Name)
		}
		switch s.Name {
		case `Type in "Full name"`:
			if s.Input != "J. Roe" {
				t.Errorf("edited input %q", s.Input)
			}
		case `Type in "Password"`:
			password = &pub.Steps[i].Step
		case `Type in "Card number"`:
			card = &pub.Steps[i].Step
		case `Click "Check"`:
			check = &pub.Steps[i].Step
		}
	}
	if password == nil || card == nil || check == nil {
		t.Fatalf("steps %+v", pub.Steps)
	}
	if !password.Element.Password || strings.Contains(password.Input, "hunter") {
		t.Errorf("password step %+v", password)
	}
	if card.Input == recCard || !strings.HasSuffix(card.Input, "1111") || strings.Contains(card.Input, "4111") {
		t.Errorf("card number stored as %q, want it masked", card.Input)
	}
	// In the screenshot of the last click on Check, after "Show password"
	// made the password readable, the password field and the card number
	// are black: the extension blacked them out, as the server blacks out
	// only a step's own element.
	if !check.HasScreenshot {
		t.Fatal(`Click "Check" has no screenshot`)
	}
	code, body := maker.do("GET", fmt.Sprintf("%s/processes/%d/recordings/%d/steps/%d/screenshot", base, proc.ID, session, check.N), "", nil)
	if code != 200 {
		t.Fatalf("screenshot: %d", code)
	}
	img, err := png.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	black := func(b *[4]int) bool {
		r := image.Rect(b[0]+3, b[1]+3, b[0]+b[2]-3, b[1]+b[3]-3)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if cr, cg, cb, _ := img.At(x, y).RGBA(); cr|cg|cb > 0x0101 {
					return false
				}
			}
		}
		return !r.Empty()
	}
	if !black((*[4]int)(password.Element.Bounds)) || !black((*[4]int)(card.Element.Bounds)) {
		t.Errorf("the password field %v or the card number %v is not black in the screenshot", password.Element.Bounds, card.Element.Bounds)
	}
	if name := pub.Steps[1]; name.Element.Bounds == nil || black((*[4]int)(name.Element.Bounds)) {
		t.Errorf("the name field is black too (%v): the test cannot tell", name.Element.Bounds)
	}

	// The secrets are nowhere: not in any step of any recording, the
	// audit log, the server's log or the database's files.
	recs, err := st.Recordings(context.Background(), prod.ID, proc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stored strings.Builder
	for _, r := range recs {
		ss, _ := st.Steps(context.Background(), r.ID)
		b, _ := json.Marshal(ss)
		stored.Write(b)
	}
	_, auditBody := maker.do("GET", base+"/audit", "", nil)
	files := ""
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, _ := os.ReadFile(dsn + suffix)
		files += string(b)
	}
	for _, secret := range []string{recPassword, recPaused, recDenied, recCard, strings.ReplaceAll(recCard, " ", "")} {
		for where, text := range map[string]string{"steps": stored.String(), "audit log": auditBody, "server log": e.logs.String(), "database": files} {
			if strings.Contains(text, secret) {
				t.Errorf("%q is in the %s", secret, where)
			}
		}
	}
	if strings.Contains(e.logs.String(), tok.Token) {
		t.Error("the access token is in the server log")
	}

	// Task mining shows the recorded application and steps.
	run(signInSteps(e.url, "maker")...)
	run(chromedp.Navigate(fmt.Sprintf("%s/e/%d/p/%d/task-mining", e.url, prod.ID, proc.ID)), chromedp.WaitVisible(chromedp.CSS("#applications")))
	if apps := pageText(t, ctx, "#applications"); !strings.Contains(apps, appSite) {
		t.Errorf("applications %q", apps)
	}
	if page := pageText(t, ctx, "main"); !strings.Contains(page, `Type in "E-mail"`) {
		t.Errorf("the task mining page does not name the steps: %q", page)
	}
	shot(t, ctx, "recorder-task-mining")
}

package api

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/taskmining"
)

// The recording tests: one per statement of DESIGN §3 (and the visibility
// rules of §2 for recordings), over real HTTP on both databases.

// testPNG is a white image with a red pixel, w×h.
func testPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stepJSON is a step as a recorder sends it.
type stepJSON map[string]any

func newStep(name string, i int, extra stepJSON) stepJSON {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	s := stepJSON{"name": name, "action": "type", "application": "ERP", "window_title": "Invoices",
		"started_at": at.Format(time.RFC3339), "ended_at": at.Add(20 * time.Second).Format(time.RFC3339)}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// bundle packs steps and screenshots (by bundle path) into a zip.
func bundle(t testing.TB, title string, steps []stepJSON, shots map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rec, _ := json.Marshal(map[string]any{"format": "procmine-recording", "version": 1, "title": title, "steps": steps})
	f, _ := zw.Create("recording.json")
	f.Write(rec)
	for name, data := range shots {
		f, _ := zw.Create(name)
		f.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (c *client) uploadBundle(path string, zipData []byte) (int, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest("POST", c.e.url+path, bytes.NewReader(zipData))
	req.Header.Set("Content-Type", "application/zip")
	return c.send(req)
}

type recordingJSON struct {
	ID           access.ID `json:"id"`
	Process      access.ID `json:"process"`
	Recorder     access.ID `json:"recorder"`
	RecorderName string    `json:"recorder_name"`
	Title        string    `json:"title"`
	State        string    `json:"state"`
	StepCount    int       `json:"step_count"`
	View         string    `json:"view"`
	Steps        []struct {
		store.Step
		Findings map[string][]struct {
			Kind, Action string
			Start, End   int
		} `json:"findings"`
	} `json:"steps"`
}

// recWorld is prod with a process owned by a maker and a member for each
// way of relating to it.
type recWorld struct {
	e       *env
	env     access.ID
	unit    access.ID // the root business unit
	root    *client
	base    string // /api/v1/environments/{prod}
	process string // base + /processes/{id}
	pid     access.ID
	c       map[string]*client
	ids     map[string]access.ID
}

func setupRecordings(t *testing.T, e *env) *recWorld {
	root, owner, ownerID, prod, base := prodWithMaker(e)
	w := &recWorld{e: e, env: prod.ID, unit: prod.Root, root: root, base: base, c: map[string]*client{"owner": owner, "admin": root}, ids: map[string]access.ID{"owner": ownerID}}
	var p processJSON
	owner.json("POST", base+"/processes", `{"name":"invoices"}`, 201, &p)
	w.pid, w.process = p.ID, fmt.Sprintf("%s/processes/%d", base, p.ID)
	members := []struct{ name, role, share string }{
		{"coowner", access.EnvironmentMaker, "co-owner"},
		{"contrib", access.EnvironmentMaker, "contributor"},
		{"contrib2", access.EnvironmentMaker, "contributor"},
		{"viewer", access.EnvironmentMaker, "viewer"},
		{"pmu", access.ProcessMiningUser, "viewer"},
		{"customizer", access.SystemCustomizer, ""},
		{"basic", access.BasicUser, ""},
	}
	for _, m := range members {
		c, id := e.user(m.name, false)
		root.json("PUT", fmt.Sprintf("%s/members/%d", base, id), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, m.role), 200, nil)
		if m.share != "" {
			owner.json("PUT", w.process+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":%q}`, id, m.share), 200, nil)
		}
		w.c[m.name], w.ids[m.name] = c, id
	}
	return w
}

// upload has c upload a bundle into the world's process and returns it.
func (w *recWorld) upload(c *client, zipData []byte) recordingJSON {
	w.e.t.Helper()
	code, body := c.uploadBundle(w.process+"/recordings", zipData)
	if code != 201 {
		w.e.t.Fatalf("upload: %d %s", code, body)
	}
	var r recordingJSON
	json.Unmarshal([]byte(body), &r)
	return r
}

func (w *recWorld) recordingPath(id access.ID) string {
	return fmt.Sprintf("%s/recordings/%d", w.process, id)
}

// TestRecordingBundleUploadKeepsEveryField: DESIGN §3 "Recordings are
// ordered steps … Format: a zip bundle with recording.json … and
// screenshots": every field of every step comes back as it was sent.
func TestRecordingBundleUploadKeepsEveryField(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			shot := testPNG(t, 30, 20)
			steps := []stepJSON{
				newStep("Open invoice", 0, stepJSON{"action": "open", "description": "From the inbox", "screenshot": "screenshots/1.png"}),
				newStep("Enter amount", 1, stepJSON{"element": map[string]any{"name": "Amount", "role": "edit", "bounds": []int{1, 2, 3, 4}}, "input": "1200.00"}),
			}
			r := w.upload(w.c["contrib"], bundle(t, "Approve", steps, map[string][]byte{"screenshots/1.png": shot}))
			if r.StepCount != 2 || r.Process != w.pid || r.RecorderName != "contrib" || r.State != "published" || r.Title != "Approve" {
				t.Fatalf("recording %+v", r)
			}
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(r.ID), "", 200, &got)
			if got.View != "full" || len(got.Steps) != 2 {
				t.Fatalf("read back %+v", got)
			}
			a, b := got.Steps[0], got.Steps[1]
			if a.N != 1 || a.Name != "Open invoice" || a.Action != "open" || a.Description != "From the inbox" || a.Application != "ERP" || a.WindowTitle != "Invoices" || !a.HasScreenshot {
				t.Errorf("step 1 %+v", a)
			}
			if b.N != 2 || b.Input != "1200.00" || b.Element.Name != "Amount" || b.Element.Bounds == nil || b.Element.Bounds[3] != 4 || b.HasScreenshot ||
				!b.StartedAt.Equal(time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)) || b.EndedAt.Sub(b.StartedAt) != 20*time.Second {
				t.Errorf("step 2 %+v", b)
			}
			code, img := w.c["owner"].do("GET", w.recordingPath(r.ID)+"/steps/1/screenshot", "", nil)
			if code != 200 {
				t.Fatalf("screenshot: %d", code)
			}
			if _, err := png.Decode(strings.NewReader(img)); err != nil {
				t.Errorf("screenshot is not a PNG: %v", err)
			}
			var list struct{ Recordings []recordingJSON }
			w.c["owner"].json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 1 || list.Recordings[0].ID != r.ID {
				t.Errorf("list %+v", list)
			}
		})
	}
}

// TestBadBundlesAreRefusedAndChangeNothing: a malformed bundle is refused
// with the file, field and reason, and nothing is stored.
func TestBadBundlesAreRefusedAndChangeNothing(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			good := []stepJSON{newStep("a", 0, nil)}
			before := snapshot(t, e.store, w.env)
			cases := []struct {
				name string
				data []byte
				code int
				want string
			}{
				{"not a zip", []byte("PK nothing"), 422, "bundle: not a zip archive"},
				{"traversal", func() []byte {
					var buf bytes.Buffer
					zw := zip.NewWriter(&buf)
					f, _ := zw.Create("../../etc/cron.d/x")
					f.Write([]byte("x"))
					zw.Close()
					return buf.Bytes()
				}(), 422, "a path outside the bundle"},
				{"bad time", bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"ended_at": "soon"})}, nil), 422, "recording.json: steps[0].ended_at:"},
				{"missing screenshot", bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"screenshot": "screenshots/x.png"})}, nil), 422, "steps[0].screenshot: screenshots/x.png is not in the bundle"},
				{"stray screenshot", bundle(t, "t", good, map[string][]byte{"screenshots/x.png": testPNG(t, 2, 2)}), 422, "screenshots/x.png: no step refers to it"},
			}
			for _, c := range cases {
				code, body := w.c["owner"].uploadBundle(w.process+"/recordings", c.data)
				if code != c.code || !strings.Contains(body, c.want) {
					t.Errorf("%s: %d %s, want %d with %q", c.name, code, body, c.code, c.want)
				}
			}
			// The wrong kind of body says what to send.
			req, _ := http.NewRequest("POST", e.url+w.process+"/recordings", strings.NewReader("--x--"))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			if code, body := w.c["owner"].send(req); code != 415 || !strings.Contains(body, "application/zip") {
				t.Errorf("multipart: %d %s", code, body)
			}
			if after := snapshot(t, e.store, w.env); after != before {
				t.Errorf("refused bundles changed the store:\n%s\n%s", before, after)
			}
			var list struct{ Recordings []recordingJSON }
			w.c["owner"].json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 0 {
				t.Errorf("stored: %+v", list.Recordings)
			}
		})
	}
}

// session starts a session for c and returns its path.
func (w *recWorld) session(c *client, title string) string {
	w.e.t.Helper()
	var r recordingJSON
	c.json("POST", w.base+"/recording-sessions", `{"title":"`+title+`"}`, 201, &r)
	if r.State != "recording" {
		w.e.t.Fatalf("new session %+v", r)
	}
	return fmt.Sprintf("%s/recording-sessions/%d", w.base, r.ID)
}

func (c *client) sendStep(path string, s stepJSON) (int, string) {
	c.e.t.Helper()
	b, _ := json.Marshal(s)
	return c.do("POST", path+"/steps", string(b), nil)
}

// TestRecordingSessionLifecycle: DESIGN §3 "a recording can also be
// captured live through the API as a recording session: start, append
// steps, pause, resume, stop", then publish into a process.
func TestRecordingSessionLifecycle(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			c := w.c["contrib"]
			path := w.session(c, "Monthly close")
			shot := base64.StdEncoding.EncodeToString(testPNG(t, 8, 8))
			for i, s := range []stepJSON{newStep("Open", 0, stepJSON{"screenshot": shot}), newStep("Type", 1, stepJSON{"input": "42"})} {
				code, body := c.sendStep(path, s)
				if code != 201 || body != fmt.Sprintf("{\"n\":%d}\n", i+1) {
					t.Fatalf("step %d: %d %s", i, code, body)
				}
			}
			// Wrong moves in the state machine are conflicts.
			for _, m := range []struct{ verb, body string }{{"resume", ""}, {"publish", `{"process":` + itoa(w.pid) + `}`}} {
				if code, body := c.do("POST", path+"/"+m.verb, m.body, nil); code != 409 {
					t.Errorf("%s while recording: %d %s", m.verb, code, body)
				}
			}
			c.json("POST", path+"/pause", "", 200, nil)
			c.json("POST", path+"/resume", "", 200, nil)
			c.json("POST", path+"/stop", "", 200, nil)
			if code, _ := c.sendStep(path, newStep("Late", 2, nil)); code != 409 {
				t.Errorf("step after stop: %d", code)
			}
			// Someone else's session does not exist for them, not even for
			// the environment's administrator.
			for _, other := range []string{"owner", "admin", "contrib2"} {
				if code, _ := w.c[other].do("GET", path, "", nil); code != 404 {
					t.Errorf("%s reads another's session: %d", other, code)
				}
				if code, _ := w.c[other].do("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, nil); code != 404 {
					t.Errorf("%s publishes another's session: %d", other, code)
				}
			}
			// A viewer of the process may not publish into it; the caller
			// must be able to add recordings there.
			vpath := w.session(w.c["viewer"], "v")
			w.c["viewer"].json("POST", vpath+"/stop", "", 200, nil)
			if code, _ := w.c["viewer"].do("POST", vpath+"/publish", `{"process":`+itoa(w.pid)+`}`, nil); code != 403 {
				t.Errorf("viewer publishes: %d", code)
			}
			if code, _ := w.c["basic"].do("POST", w.base+"/recording-sessions", `{"title":"x"}`, nil); code != 403 {
				t.Errorf("basic user starts a session: %d", code)
			}
			var pub recordingJSON
			c.json("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, 200, &pub)
			if pub.State != "published" || pub.Process != w.pid || pub.StepCount != 2 {
				t.Fatalf("published %+v", pub)
			}
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(pub.ID), "", 200, &got)
			if len(got.Steps) != 2 || !got.Steps[0].HasScreenshot || got.Steps[1].Input != "42" {
				t.Errorf("published steps %+v", got.Steps)
			}
			if code, _ := c.do("GET", path, "", nil); code != 404 {
				t.Errorf("a published recording is still a session: %d", code)
			}
		})
	}
}

// TestStepsDuringPauseAreRefusedAndNotStored: DESIGN §3 "while a session
// is paused, nothing is captured: steps sent during a pause are refused
// and never stored". The database and the server's log are searched for
// the step's text.
func TestStepsDuringPauseAreRefusedAndNotStored(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			c := w.c["contrib"]
			path := w.session(c, "s")
			c.sendStep(path, newStep("BEFORE-PAUSE", 0, nil))
			c.json("POST", path+"/pause", "", 200, nil)
			secret := "PAUSED-SECRET-7731"
			code, body := c.sendStep(path, newStep(secret, 1, stepJSON{"input": secret, "window_title": secret}))
			if code != 409 || errorCode(t, body) != "paused" || strings.Contains(body, secret) {
				t.Fatalf("step during pause: %d %s", code, body)
			}
			c.json("POST", path+"/resume", "", 200, nil)
			code, body = c.sendStep(path, newStep("after", 2, nil))
			if code != 201 || !strings.Contains(body, `"n":2`) {
				t.Errorf("after resume: %d %s (the refused step must not take a number)", code, body)
			}
			var got recordingJSON
			c.json("GET", path, "", 200, &got)
			if len(got.Steps) != 2 || got.Steps[0].Name != "BEFORE-PAUSE" || got.Steps[1].Name != "after" {
				t.Errorf("steps %+v", got.Steps)
			}
			dump, logs := storeDump(t, e), e.logs.String()
			if !strings.Contains(dump, "BEFORE-PAUSE") || !strings.Contains(logs, "/steps") {
				t.Fatal("the dump or the log misses what was stored and requested: the search below would prove nothing")
			}
			if strings.Contains(dump, secret) {
				t.Error("the paused step's text is in the database")
			}
			if strings.Contains(logs, secret) {
				t.Error("the paused step's text is in the server log")
			}
		})
	}
}

// TestDraftEditsBeforePublishing: DESIGN §3 "before import (in the
// session …): delete sensitive steps, modify input data".
func TestDraftEditsBeforePublishing(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			c := w.c["contrib"]
			path := w.session(c, "draft")
			for i, n := range []string{"one", "two", "three"} {
				c.sendStep(path, newStep(n, i, stepJSON{"input": "typed " + n}))
			}
			c.json("POST", path+"/stop", "", 200, nil)
			c.json("DELETE", path+"/steps/2", "", 204, nil)
			c.json("PATCH", path+"/steps/3", `{"input":"edited"}`, 200, nil)
			if code, _ := c.do("PATCH", path+"/steps/2", `{"input":"x"}`, nil); code != 404 {
				t.Errorf("edit of a deleted step: %d", code)
			}
			if code, _ := c.do("PATCH", path+"/steps/3", `{}`, nil); code != 422 {
				t.Errorf("empty edit: %d", code)
			}
			if code, _ := c.do("PATCH", path+"/steps/3", `{"name":""}`, nil); code != 422 {
				t.Errorf("empty name: %d", code)
			}
			var pub recordingJSON
			c.json("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, 200, &pub)
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(pub.ID), "", 200, &got)
			if len(got.Steps) != 2 || got.Steps[0].Input != "typed one" || got.Steps[1].N != 3 || got.Steps[1].Input != "edited" {
				t.Errorf("published %+v", got.Steps)
			}
			if strings.Contains(storeDump(t, e), "typed two") {
				t.Error("the deleted step is still in the database")
			}
		})
	}
}

// storeDump is what the database holds, as text: rawDump, and the texts
// of every recording step, which are sealed, opened with the key as
// someone holding it would read them. A search for what must not have
// been stored searches both.
func storeDump(t *testing.T, e *env) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(rawDump(t, e))
	driver := "pgx"
	if !strings.HasPrefix(e.dsn, "postgres") {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, e.dsn)
	must(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT id FROM recordings ORDER BY id")
	must(t, err)
	var rids []access.ID
	for rows.Next() {
		var rid access.ID
		must(t, rows.Scan(&rid))
		rids = append(rids, rid)
	}
	rows.Close()
	for _, rid := range rids {
		steps, err := e.store.Steps(t.Context(), rid)
		must(t, err)
		fmt.Fprintf(&b, "%+v\n", steps)
	}
	return b.String()
}

// rawDump reads every row of every table of the database directly, not
// through the store, as text (SQLite's files too, byte for byte).
func rawDump(t *testing.T, e *env) string {
	t.Helper()
	driver, dsn, list := "pgx", e.dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
	sqlite := !strings.HasPrefix(e.dsn, "postgres")
	if sqlite {
		driver, dsn, list = "sqlite", e.dsn, "SELECT name FROM sqlite_master WHERE type = 'table'"
	}
	db, err := sql.Open(driver, dsn)
	must(t, err)
	defer db.Close()
	var b strings.Builder
	rows, err := db.Query(list)
	must(t, err)
	var tables []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		must(t, err)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			for _, v := range vals {
				if by, ok := v.([]byte); ok {
					b.Write(by)
				} else {
					fmt.Fprint(&b, v)
				}
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	if sqlite {
		for _, f := range []string{e.dsn, e.dsn + "-wal"} {
			data, _ := os.ReadFile(f)
			b.Write(data)
		}
	}
	return b.String()
}

// TestEditsAfterImport: DESIGN §3 "after import: rename step names or
// descriptions, edit input data, delete screenshots …, delete steps or
// whole recordings".
func TestEditsAfterImport(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			steps := []stepJSON{newStep("Opn invoce", 0, stepJSON{"screenshot": "screenshots/a.png"}), newStep("Type", 1, stepJSON{"input": "old"}), newStep("Save", 2, nil)}
			r := w.upload(w.c["owner"], bundle(t, "t", steps, map[string][]byte{"screenshots/a.png": testPNG(t, 5, 5)}))
			path := w.recordingPath(r.ID)
			o := w.c["owner"]
			o.json("PATCH", path+"/steps/1", `{"name":"Open invoice","description":"from the inbox"}`, 200, nil)
			o.json("PATCH", path+"/steps/2", `{"input":"new"}`, 200, nil)
			o.json("DELETE", path+"/steps/1/screenshot", "", 204, nil)
			o.json("DELETE", path+"/steps/3", "", 204, nil)
			var got recordingJSON
			o.json("GET", path, "", 200, &got)
			if len(got.Steps) != 2 || got.Steps[0].Name != "Open invoice" || got.Steps[0].Description != "from the inbox" || got.Steps[0].HasScreenshot || got.Steps[1].Input != "new" {
				t.Errorf("after edits %+v", got.Steps)
			}
			for _, c := range []struct{ method, path string }{{"GET", path + "/steps/1/screenshot"}, {"DELETE", path + "/steps/1/screenshot"}, {"DELETE", path + "/steps/3"}, {"PATCH", path + "/steps/9"}} {
				if code, _ := o.do(c.method, c.path, `{"name":"x"}`, nil); code != 404 {
					t.Errorf("%s %s: %d", c.method, c.path, code)
				}
			}
			o.json("DELETE", path, "", 204, nil)
			if code, _ := o.do("GET", path, "", nil); code != 404 {
				t.Errorf("deleted recording: %d", code)
			}
			var audit struct {
				Entries []struct{ Action, Detail string }
			}
			w.root.json("GET", w.base+"/audit", "", 200, &audit)
			var actions []string
			for _, a := range audit.Entries {
				if strings.HasPrefix(a.Action, "recording.") {
					actions = append(actions, a.Action)
				}
			}
			for _, want := range []string{"recording.upload", "recording.step.edit", "recording.screenshot.delete", "recording.step.delete", "recording.delete", "recording.read"} {
				if !strings.Contains(strings.Join(actions, " "), want) {
					t.Errorf("audit has no %s: %v", want, actions)
				}
			}
		})
	}
}

// TestDeletedScreenshotIsErasedFromStorage: DESIGN §3 "delete screenshots
// (the image bytes are erased from storage, not just unlinked)", checked
// by reading the database directly (and SQLite's files byte for byte).
func TestDeletedScreenshotIsErasedFromStorage(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			// The image is stored encrypted, so the needle is the stored
			// bytes, read past the server.
			img := testPNG(t, 64, 48)
			r := w.upload(w.c["contrib"], bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"screenshot": "screenshots/a.png"})}, map[string][]byte{"screenshots/a.png": img}))
			path := w.recordingPath(r.ID)
			if code, _ := w.c["contrib"].do("GET", path+"/steps/1/screenshot", "", nil); code != 200 {
				t.Fatal(code)
			}
			stored := rawScreenshot(t, e, r.ID)
			if bytes.Contains(stored, []byte("PNG")) {
				t.Error("the screenshot is stored in clear")
			}
			needle := string(stored[len(stored)/2-32 : len(stored)/2+32])
			if !strings.Contains(storeDump(t, e), needle) {
				t.Fatal("the stored image is not found by reading the database: the check below would prove nothing")
			}
			w.c["contrib"].json("DELETE", path+"/steps/1/screenshot", "", 204, nil)
			if strings.Contains(storeDump(t, e), needle) {
				t.Error("the deleted screenshot's bytes are still in the database")
			}
		})
	}
}

// TestRecordingVisibility: DESIGN §2 "raw data — recording steps with
// their input data, screenshots — is shown only to owners, co-owners and
// administrators/customizers; a contributor sees their own recordings in
// full and others' only as step names. Viewers and process mining users
// never receive raw data"; and every read of raw data is audited.
func TestRecordingVisibility(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			input := "INPUT-DATA-5521"
			mk := func(by string) access.ID {
				return w.upload(w.c[by], bundle(t, by, []stepJSON{newStep("Step of "+by, 0, stepJSON{"input": input, "screenshot": "screenshots/a.png"})},
					map[string][]byte{"screenshots/a.png": testPNG(t, 4, 4)})).ID
			}
			mine, theirs := mk("contrib"), mk("coowner")
			want := map[string]struct {
				list          int
				mine, theirs  string // full, names or a status
				shot          int    // of theirs
				edit, deleteT int    // of theirs
			}{
				"owner":      {200, "full", "full", 200, 200, 204},
				"coowner":    {200, "full", "full", 200, 200, 0},
				"admin":      {200, "full", "full", 200, 200, 0},
				"customizer": {200, "full", "full", 200, 200, 0},
				"contrib":    {200, "full", "names", 403, 403, 403},
				"contrib2":   {200, "names", "names", 403, 403, 403},
				"viewer":     {403, "404", "404", 404, 404, 404}, // a recording they may not open is one that is not there
				"pmu":        {403, "404", "404", 404, 404, 404},
				"basic":      {404, "404", "404", 404, 404, 404},
			}
			for who, wt := range want {
				c := w.c[who]
				if code, body := c.do("GET", w.process+"/recordings", "", nil); code != wt.list || (code != 200 && strings.Contains(body, input)) {
					t.Errorf("%s lists: %d", who, code)
				}
				for _, x := range []struct {
					id   access.ID
					want string
				}{{mine, wt.mine}, {theirs, wt.theirs}} {
					code, body := c.do("GET", w.recordingPath(x.id), "", nil)
					got := fmt.Sprint(code)
					if code == 200 {
						var r recordingJSON
						json.Unmarshal([]byte(body), &r)
						got = r.View
					}
					if got != x.want {
						t.Errorf("%s reads recording %d: %s, want %s", who, x.id, got, x.want)
					}
					if got != "full" && strings.Contains(body, input) {
						t.Errorf("%s received input data without full access", who)
					}
				}
				if code, _ := c.do("GET", w.recordingPath(theirs)+"/steps/1/screenshot", "", nil); code != wt.shot {
					t.Errorf("%s reads another's screenshot: %d, want %d", who, code, wt.shot)
				}
				if code, _ := c.do("PATCH", w.recordingPath(theirs)+"/steps/1", `{"description":"x"}`, nil); code != wt.edit {
					t.Errorf("%s edits another's step: %d, want %d", who, code, wt.edit)
				}
			}
			// The owner deletes last: after that the recording is gone for all.
			for _, who := range []string{"contrib", "contrib2", "viewer", "pmu", "basic", "owner"} {
				wt := want[who]
				if code, _ := w.c[who].do("DELETE", w.recordingPath(theirs), "", nil); code != wt.deleteT {
					t.Errorf("%s deletes another's recording: %d, want %d", who, code, wt.deleteT)
				}
			}
			// A contributor manages their own.
			w.c["contrib"].json("PATCH", w.recordingPath(mine)+"/steps/1", `{"input":"changed"}`, 200, nil)
			w.c["contrib"].json("DELETE", w.recordingPath(mine)+"/steps/1/screenshot", "", 204, nil)
			w.c["contrib"].json("DELETE", w.recordingPath(mine), "", 204, nil)

			// Full reads and screenshot reads are in the audit log, by whom.
			var audit struct {
				Entries []struct{ Actor, Action, Target string }
			}
			w.root.json("GET", w.base+"/audit?action=recording.read", "", 200, &audit)
			readers := map[string]bool{}
			for _, a := range audit.Entries {
				readers[a.Actor] = true
			}
			for _, who := range []string{"maker", "coowner", "root", "customizer", "contrib"} { // the owner is called maker
				if !readers[who] {
					t.Errorf("no recording.read audit entry for %s: %v", who, readers)
				}
			}
			if readers["contrib2"] || readers["viewer"] {
				t.Errorf("names-only or refused reads audited as raw reads: %v", readers)
			}
			w.root.json("GET", w.base+"/audit?action=recording.screenshot.read", "", 200, &audit)
			if len(audit.Entries) != 4 {
				t.Errorf("%d screenshot reads audited, want 4", len(audit.Entries))
			}
		})
	}
}

func (w *recWorld) setPolicy(actions map[string]string, names ...string) {
	w.e.t.Helper()
	body, _ := json.Marshal(map[string]any{"actions": actions, "names": names})
	w.root.json("PUT", w.base+"/privacy-policy", string(body), 200, nil)
}

// TestPrivacyPolicyAppliedAtImport: DESIGN §3 "automatic PII detection …
// in input data, window titles, step names …; per environment policy:
// flag, mask, redact, or pseudonymise", applied before anything is stored,
// to bundles and to session steps alike.
func TestPrivacyPolicyAppliedAtImport(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			// Only System Administrators set it, and only a whole, valid policy.
			for who, want := range map[string]int{"owner": 403, "customizer": 403} {
				if code, _ := w.c[who].do("PUT", w.base+"/privacy-policy", `{"actions":{}}`, nil); code != want {
					t.Errorf("%s sets the policy: %d", who, code)
				}
			}
			for _, bad := range []string{`{"actions":{"email":"mask"}}`, `{"actions":{"email":"shred"}}`, `{"actions":{"passport":"mask"}}`} {
				if code, body := w.root.do("PUT", w.base+"/privacy-policy", bad, nil); code != 422 && code != 400 {
					t.Errorf("policy %s: %d %s", bad, code, body)
				}
			}
			w.setPolicy(map[string]string{"email": "pseudonymise", "card": "mask", "secret": "redact", "phone": "flag", "name": "redact",
				"iban": "mask", "ssn": "redact", "ip": "mask"}, "Ingrid Svensson")
			// Members see the actions; the names, a list of people, only
			// administrators do.
			var got struct {
				Actions    map[string]string
				Names      []string
				NamesCount int `json:"names_count"`
			}
			code, body := w.c["basic"].do("GET", w.base+"/privacy-policy", "", nil)
			json.Unmarshal([]byte(body), &got)
			if code != 200 || got.Actions["email"] != "pseudonymise" || got.NamesCount != 1 || strings.Contains(body, "Svensson") {
				t.Errorf("policy as members see it: %d %s", code, body)
			}
			w.root.json("GET", w.base+"/privacy-policy", "", 200, &got)
			if len(got.Names) != 1 {
				t.Errorf("policy as administrators see it: %+v", got)
			}

			// (The names themselves are in the stored policy, so they are
			// looked for in the steps, above, and not in the whole database.)
			raw := []string{"ingrid@example.com", "4111 1111 1111 1111", "hunter22"}
			s := newStep("Mail Ingrid Svensson", 0, stepJSON{
				"description":  "Card 4111 1111 1111 1111 for ingrid@example.com",
				"window_title": "Inbox - ingrid@example.com",
				"input":        "password: hunter22 call +44 20 7946 0958",
			})
			r := w.upload(w.c["owner"], bundle(t, "t", []stepJSON{s}, nil))
			path := w.session(w.c["contrib"], "s")
			if code, body := w.c["contrib"].sendStep(path, s); code != 201 {
				t.Fatalf("session step: %d %s", code, body)
			}
			var fromBundle, fromSession recordingJSON
			w.c["owner"].json("GET", w.recordingPath(r.ID), "", 200, &fromBundle)
			w.c["contrib"].json("GET", path, "", 200, &fromSession)
			for which, rec := range map[string]recordingJSON{"bundle": fromBundle, "session": fromSession} {
				st := rec.Steps[0]
				if st.Name != "Mail [name]" {
					t.Errorf("%s: name %q", which, st.Name)
				}
				if !strings.HasPrefix(st.Description, "Card •••• •••• •••• 1111 for [email:") {
					t.Errorf("%s: description %q", which, st.Description)
				}
				if !strings.HasPrefix(st.WindowTitle, "Inbox - [email:") {
					t.Errorf("%s: window title %q", which, st.WindowTitle)
				}
				if st.Input != "password: [secret] call +44 20 7946 0958" {
					t.Errorf("%s: input %q", which, st.Input)
				}
				// The flagged phone number is kept and highlighted.
				f := st.Findings["input"]
				if len(f) != 1 || f[0].Kind != "phone" || f[0].Action != "flag" || st.Input[f[0].Start:f[0].End] != "+44 20 7946 0958" {
					t.Errorf("%s: input findings %+v", which, f)
				}
			}
			dump := storeDump(t, e)
			if !strings.Contains(dump, "+44 20 7946 0958") {
				t.Fatal("the flagged value is not found in the database: the search below would prove nothing")
			}
			for _, v := range raw {
				if strings.Contains(dump, v) {
					t.Errorf("%q was stored", v)
				}
			}
		})
	}
}

// TestPseudonymsJoinWithinAnEnvironmentOnly: DESIGN §3 "pseudonymise
// (keyed HMAC, so joins still work)": the same person gives the same token
// in one environment, and another token in another.
func TestPseudonymsJoinWithinAnEnvironmentOnly(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			all := map[string]string{}
			for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
				all[k] = "pseudonymise"
			}
			w.setPolicy(all)
			token := func(base, process string) string {
				var r recordingJSON
				code, body := w.root.uploadBundle(process+"/recordings", bundle(t, "t", []stepJSON{newStep("x", 0, stepJSON{"input": "to JANE.DOE@example.com"})}, nil))
				if code != 201 {
					t.Fatalf("upload: %d %s", code, body)
				}
				json.Unmarshal([]byte(body), &r)
				w.root.json("GET", fmt.Sprintf("%s/recordings/%d", process, r.ID), "", 200, &r)
				return r.Steps[0].Input
			}
			a, b := token(w.base, w.process), token(w.base, w.process)
			if a != b || !strings.HasPrefix(a, "to [email:") {
				t.Errorf("same environment: %q and %q", a, b)
			}
			var dev envJSON
			w.root.json("POST", "/api/v1/environments", `{"name":"dev"}`, 201, &dev)
			devBase := fmt.Sprintf("/api/v1/environments/%d", dev.ID)
			body, _ := json.Marshal(map[string]any{"actions": all, "names": []string{}})
			w.root.json("PUT", devBase+"/privacy-policy", string(body), 200, nil)
			var p processJSON
			w.root.json("POST", devBase+"/processes", `{"name":"p"}`, 201, &p)
			if c := token(devBase, fmt.Sprintf("%s/processes/%d", devBase, p.ID)); c == a {
				t.Errorf("two environments gave the same token %q", c)
			}
		})
	}
}

// TestScreenshotsOfSensitiveElementsAreBlackedOut: DESIGN §3 "screenshot
// regions of sensitive elements (password fields, flagged inputs) are
// blacked out before the image is stored", checked on the stored image.
func TestScreenshotsOfSensitiveElementsAreBlackedOut(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			box := []int{10, 10, 20, 8}
			steps := []stepJSON{
				newStep("Sign in", 0, stepJSON{"input": "s3cret!", "element": map[string]any{"role": "password", "bounds": box}, "screenshot": "screenshots/1.png"}),
				newStep("Mail", 1, stepJSON{"input": "jo@example.com", "element": map[string]any{"role": "edit", "bounds": box}, "screenshot": "screenshots/2.png"}),
				newStep("Search", 2, stepJSON{"input": "PO-1182", "element": map[string]any{"role": "edit", "bounds": box}, "screenshot": "screenshots/3.png"}),
			}
			shots := map[string][]byte{"screenshots/1.png": testPNG(t, 50, 40), "screenshots/2.png": testPNG(t, 50, 40), "screenshots/3.png": testPNG(t, 50, 40)}
			r := w.upload(w.c["owner"], bundle(t, "t", steps, shots))
			for n, wantBlack := range map[int]bool{1: true, 2: true, 3: false} {
				data, err := e.store.Screenshot(t.Context(), r.ID, n)
				must(t, err)
				img, err := png.Decode(bytes.NewReader(data))
				must(t, err)
				inside := color.RGBAModel.Convert(img.At(15, 12)).(color.RGBA)
				outside := color.RGBAModel.Convert(img.At(40, 30)).(color.RGBA)
				if isBlack := inside == (color.RGBA{A: 255}); isBlack != wantBlack {
					t.Errorf("step %d: inside the element %v, want black %v", n, inside, wantBlack)
				}
				if outside != (color.RGBA{255, 255, 255, 255}) {
					t.Errorf("step %d: outside the element %v", n, outside)
				}
			}
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(r.ID), "", 200, &got)
			if got.Steps[0].Input != "[password]" {
				t.Errorf("a password field's input was kept: %q", got.Steps[0].Input)
			}
		})
	}
}

// rawScreenshot reads a recording's first screenshot as stored, past the store.
func rawScreenshot(t *testing.T, e *env, rid access.ID) []byte {
	driver := "pgx"
	if !strings.HasPrefix(e.dsn, "postgres") {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, e.dsn)
	must(t, err)
	defer db.Close()
	q := "SELECT data FROM screenshots WHERE recording_id = ? AND n = 1"
	if driver == "pgx" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var data []byte
	must(t, db.QueryRow(q, rid).Scan(&data))
	return data
}

// TestTaskMiningOverHTTP: the recordings of a process become a map,
// variants, time per step and application usage — aggregates that viewers
// and process mining users read, with no input data in them.
func TestTaskMiningOverHTTP(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			if code, body := w.c["owner"].do("GET", w.process+"/task-mining", "", nil); code != 409 || errorCode(t, body) != "no_recordings" {
				t.Errorf("without recordings: %d %s", code, body)
			}
			input := "TYPED-INPUT-881"
			mk := func(apps ...string) []stepJSON {
				var steps []stepJSON
				for i, a := range apps {
					steps = append(steps, newStep("Step in "+a, i, stepJSON{"application": a, "input": input}))
				}
				return steps
			}
			w.upload(w.c["owner"], bundle(t, "a", mk("Outlook", "ERP", "ERP"), nil))
			w.upload(w.c["contrib"], bundle(t, "b", mk("Outlook", "ERP", "Excel", "ERP"), nil))
			var got struct {
				Usage struct {
					Recordings, Steps, Switches int
					Applications                []struct {
						Application string
						Actions     int
						Seconds     float64
						SwitchesIn  int `json:"switches_in"`
					}
					TimePerStep []struct {
						Step  string
						Count int
					} `json:"time_per_step"`
				}
				Map struct {
					Nodes []struct{ Activity string }
				}
				TotalVariants int `json:"total_variants"`
			}
			// Readers see task mining through disclosure control: two
			// recordings are too few to show them anything.
			for _, who := range []string{"viewer", "pmu", "contrib2"} {
				code, body := w.c[who].do("GET", w.process+"/task-mining", "", nil)
				if code != 422 || errorCode(t, body) != "too_few_cases" || strings.Contains(body, input) {
					t.Fatalf("%s: %d %s", who, code, body)
				}
			}
			code, body := w.c["owner"].do("GET", w.process+"/task-mining", "", nil)
			if code != 200 || strings.Contains(body, input) {
				t.Fatalf("owner: %d (or input data in the answer)", code)
			}
			json.Unmarshal([]byte(body), &got)
			u := got.Usage
			if u.Recordings != 2 || u.Steps != 7 || u.Switches != 4 || got.TotalVariants != 2 || len(got.Map.Nodes) != 3 {
				t.Errorf("task mining %+v", got)
			}
			if a := u.Applications[0]; a.Application != "ERP" || a.Actions != 4 || a.Seconds != 80 || a.SwitchesIn != 3 {
				t.Errorf("applications %+v", u.Applications)
			}
			if code, _ := w.c["basic"].do("GET", w.process+"/task-mining", "", nil); code != 404 {
				t.Errorf("basic user: %d", code)
			}

			// Fourteen more people record like the owner: fifteen people
			// share a path, and a reader sees it (a group is shown on its
			// count with noise: fifteen is always enough, five only half
			// the time), but not the one recording that used Excel.
			more := []string{"coowner"}
			for i := 3; i <= 15; i++ {
				more = append(more, fmt.Sprintf("contrib%d", i))
			}
			w.addContributors(more[1:]...)
			for _, who := range more {
				w.upload(w.c[who], bundle(t, who, mk("Outlook", "ERP", "ERP"), nil))
			}
			// The reviewer's attack: contrib2 records the victim's path
			// (contrib's, with Excel) four times. Five recordings, but two
			// people: a group no reader sees, contrib2 least of all.
			for _, name := range []string{"s1", "s2", "s3", "s4"} {
				w.upload(w.c["contrib2"], bundle(t, name, mk("Outlook", "ERP", "Excel", "ERP"), nil))
			}
			var reader struct {
				Usage struct {
					Recordings   int
					Applications []struct{ Application string }
					TimePerStep  []struct{ Step string } `json:"time_per_step"`
				}
				Variants   []struct{ Cases int }
				Disclosure struct {
					K, Rows, Variants int
				}
			}
			for _, who := range []string{"viewer", "pmu", "contrib2"} {
				code, body := w.c[who].do("GET", w.process+"/task-mining", "", nil)
				if code != 200 || strings.Contains(body, input) || strings.Contains(body, "Excel") {
					t.Fatalf("%s: %d %s", who, code, body)
				}
				json.Unmarshal([]byte(body), &reader)
				if reader.Disclosure.K != 5 || len(reader.Variants) != 1 ||
					reader.Variants[0].Cases < 5 || reader.Usage.Recordings < 5 {
					t.Errorf("%s reads %s", who, body)
				}
			}
			if code, body := w.c["owner"].do("GET", w.process+"/task-mining", "", nil); code != 200 || !strings.Contains(body, "Excel") || strings.Contains(body, `"disclosure"`) {
				t.Errorf("owner: %d %s", code, body)
			}
		})
	}
}

// TestPolicyOnEventLogsAndStoredData: DESIGN §3 "… and event-log
// attributes": on request at upload, and re-applied to stored recordings
// and logs after the policy changed.
func TestPolicyOnEventLogsAndStoredData(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			all := func(act string) map[string]string {
				m := map[string]string{}
				for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
					m[k] = act
				}
				return m
			}
			w.setPolicy(all("flag"))
			csv := "case,activity,time,resource,contact\n" +
				"1,Create,2026-01-01T09:00:00Z,jo@example.com,+44 20 7946 0958\n" +
				"1,Approve,2026-01-01T10:00:00Z,Ahmed,none\n"
			fields := map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}
			events := func() string {
				var ev struct{ Events []map[string]any }
				w.c["owner"].json("GET", w.process+"/events", "", 200, &ev)
				return fmt.Sprint(ev.Events)
			}
			// Flagged: kept.
			w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv), fields)
			if s := events(); !strings.Contains(s, "jo@example.com") {
				t.Fatalf("flagged resource changed: %s", s)
			}
			// On request at upload, under a redacting policy.
			w.setPolicy(all("redact"))
			fields["privacy"] = "apply"
			if job := w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv), fields); job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			if s := events(); strings.Contains(s, "jo@example.com") || strings.Contains(s, "7946") || !strings.Contains(s, "[email]") || !strings.Contains(s, "Ahmed") {
				t.Errorf("upload with privacy=apply: %s", s)
			}
			fields["privacy"] = "sometimes"
			if code, body := w.c["owner"].uploadFile(w.process+"/data", "log.csv", []byte(csv), fields); code != 422 || !strings.Contains(body, "privacy is apply") {
				t.Errorf("bad privacy field: %d %s", code, body)
			}

			// Stored data, after the policy changed: a recording made under
			// flag, then the policy applied again.
			w.setPolicy(all("flag"))
			r := w.upload(w.c["owner"], bundle(t, "t", []stepJSON{newStep("Mail", 0, stepJSON{"input": "to jo@example.com",
				"element": map[string]any{"role": "edit", "bounds": []int{0, 0, 8, 8}}, "screenshot": "screenshots/a.png"})}, map[string][]byte{"screenshots/a.png": testPNG(t, 16, 16)}))
			w.setPolicy(all("pseudonymise"))
			if code, _ := w.c["owner"].do("POST", w.base+"/privacy-policy/apply", `{"recordings":true}`, nil); code != 403 {
				t.Errorf("owner applies the policy: %d", code)
			}
			if code, _ := w.root.do("POST", w.base+"/privacy-policy/apply", `{}`, nil); code != 422 {
				t.Errorf("apply to nothing: %d", code)
			}
			var rep map[string]int
			w.root.json("POST", w.base+"/privacy-policy/apply", `{"recordings":true,"event_logs":true}`, 200, &rep)
			if rep["recording_steps_changed"] != 1 || rep["screenshots_blacked_out"] != 1 || rep["event_log_versions_changed"] != 1 {
				t.Errorf("apply report %v", rep)
			}
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(r.ID), "", 200, &got)
			if !strings.HasPrefix(got.Steps[0].Input, "to [email:") {
				t.Errorf("stored step after apply: %q", got.Steps[0].Input)
			}
			data, err := e.store.Screenshot(t.Context(), r.ID, 1)
			must(t, err)
			img, err := png.Decode(bytes.NewReader(data))
			must(t, err)
			if c := color.RGBAModel.Convert(img.At(4, 4)).(color.RGBA); c != (color.RGBA{A: 255}) {
				t.Errorf("element region after apply: %v", c)
			}
			// Every stored version, the first (flagged) one too.
			versions, err := e.store.LogVersions(t.Context(), w.env)
			must(t, err)
			for _, v := range versions {
				data, err := e.store.VersionData(t.Context(), v.Process, v.Version)
				must(t, err)
				// The whole number: a token's random hex digits may hold "7946".
				if bytes.Contains(data, []byte("jo@example.com")) || bytes.Contains(data, []byte("7946 0958")) {
					t.Errorf("version %d keeps the values after apply", v.Version)
				}
			}
			if len(versions) != 2 {
				t.Errorf("%d versions", len(versions))
			}
			// Applying again changes nothing.
			w.root.json("POST", w.base+"/privacy-policy/apply", `{"recordings":true,"event_logs":true}`, 200, &rep)
			if rep["recording_steps_changed"]+rep["event_log_versions_changed"] != 0 {
				t.Errorf("second apply %v", rep)
			}
		})
	}
}

// TestUploadsAndScreenshotsAreEncryptedAtRest: DESIGN §3 "uploaded raw
// files and screenshots are encrypted at rest with a key the operator
// controls" — every blob row read past the server is sealed, holds none of
// what was uploaded, and a server with another key reads none of it.
func TestUploadsAndScreenshotsAreEncryptedAtRest(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			csv := "case,activity,time,resource\n1,Create,2026-01-01T09:00:00Z,RESOURCE-NAME-4411\n"
			w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"})
			r := w.upload(w.c["owner"], bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"screenshot": "screenshots/a.png"})}, map[string][]byte{"screenshots/a.png": testPNG(t, 40, 30)}))
			w.root.json("GET", w.base+"/privacy-policy", "", 200, nil)

			driver := "pgx"
			if !strings.HasPrefix(e.dsn, "postgres") {
				driver = "sqlite"
			}
			db, err := sql.Open(driver, e.dsn)
			must(t, err)
			defer db.Close()
			blobs := 0
			for _, q := range []string{"SELECT data FROM log_versions", "SELECT data FROM screenshots", "SELECT pseudonym_key FROM privacy_policies"} {
				rows, err := db.Query(q)
				must(t, err)
				for rows.Next() {
					var b []byte
					must(t, rows.Scan(&b))
					blobs++
					if !seal.Sealed(b) || bytes.Contains(b, []byte("RESOURCE-NAME-4411")) || bytes.Contains(b, []byte("PNG")) || bytes.Contains(b, []byte("IHDR")) {
						t.Errorf("%s: a stored blob is not sealed: %q", q, b[:min(len(b), 24)])
					}
				}
				rows.Close()
			}
			if blobs < 3 {
				t.Fatalf("%d blobs found: the check proves nothing", blobs)
			}
			// The same database under another key: nothing reads.
			other, err := store.Open(t.Context(), e.dsn)
			must(t, err)
			defer other.Close()
			k, _ := seal.ParseKey(seal.Generate())
			other.UseKeys(&seal.Keyring{Current: k})
			if _, err := other.Screenshot(t.Context(), r.ID, 1); !errors.Is(err, seal.ErrUnknownKey) {
				t.Errorf("screenshot under another key: %v", err)
			}
		})
	}
}

// TestManyActivitiesAreDrawnCut: a page draws a map of 600 distinct step
// names cut to what lays out quickly (at most FitEdges arrows) and says
// so, rather than failing.
func TestManyActivitiesAreDrawnCut(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var rec taskmining.Recording
	for i := range 600 {
		rec.Steps = append(rec.Steps, recording.Step{Name: fmt.Sprintf("step %03d", i%600), StartedAt: at.Add(time.Duration(i) * time.Second), EndedAt: at.Add(time.Duration(i)*time.Second + 1)})
	}
	m, note, err := report.DrawableMap(taskmining.Log([]taskmining.Recording{rec, rec}), processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}, nil, nil)
	if err != nil || m.Arrows() > processmap.FitEdges || len(m.Nodes) < 50 || !strings.Contains(note, "of 600 activities") {
		t.Fatalf("%d nodes, note %q, %v", len(m.Nodes), note, err)
	}
	if d, err := report.MapSVG(httptest.NewRequest("GET", "/", nil), m); err != nil || d.Note != "" || d.SVG == "" {
		t.Errorf("drawing: %q, %v", d.Note, err)
	}
}

// TestDraftScreenshot: a recorder reads back the screenshots of their own
// unpublished session (the browser recorder's review page); to anyone
// else the session does not exist, and once published its screenshots
// are the recording's, under the process's rules.
func TestDraftScreenshot(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			c := w.c["contrib"]
			path := w.session(c, "Review me")
			img := testPNG(t, 12, 9)
			for i, s := range []stepJSON{newStep("Open", 0, stepJSON{"action": "open", "screenshot": base64.StdEncoding.EncodeToString(img)}), newStep("Type", 1, nil)} {
				if code, body := c.sendStep(path, s); code != 201 {
					t.Fatalf("step %d: %d %s", i, code, body)
				}
			}
			code, body := c.do("GET", path+"/steps/1/screenshot", "", nil)
			// Stored as the privacy policy left it: encoded again.
			if cfg, err := png.DecodeConfig(strings.NewReader(body)); code != 200 || err != nil || cfg.Width != 12 || cfg.Height != 9 {
				t.Fatalf("own screenshot: %d, %d bytes, %v", code, len(body), err)
			}
			for _, p := range []string{path + "/steps/2/screenshot", path + "/steps/3/screenshot", path + "/steps/x/screenshot"} {
				if code, _ := c.do("GET", p, "", nil); code != 404 && code != 400 {
					t.Errorf("%s: %d", p, code)
				}
			}
			for _, other := range []string{"owner", "admin", "contrib2", "viewer"} {
				if code, _ := w.c[other].do("GET", path+"/steps/1/screenshot", "", nil); code != 404 {
					t.Errorf("%s reads another's draft screenshot: %d", other, code)
				}
			}
			var audit struct {
				Entries []struct {
					Action string `json:"action"`
					Detail string `json:"detail"`
				} `json:"entries"`
			}
			w.root.json("GET", w.base+"/audit", "", 200, &audit)
			found := false
			for _, a := range audit.Entries {
				found = found || (a.Action == "recording.screenshot.read" && a.Detail == "own session: step 1")
			}
			if !found {
				t.Error("the read is not audited")
			}
			c.json("POST", path+"/stop", "", 200, nil)
			c.json("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, 200, nil)
			if code, _ := c.do("GET", path+"/steps/1/screenshot", "", nil); code != 404 {
				t.Errorf("a published recording's screenshot through the session route: %d", code)
			}
		})
	}
}

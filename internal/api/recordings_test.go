package api

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
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
	root    *client
	base    string // /api/v1/environments/{prod}
	process string // base + /processes/{id}
	pid     access.ID
	c       map[string]*client
	ids     map[string]access.ID
}

func setupRecordings(t *testing.T, e *env) *recWorld {
	root, owner, ownerID, prod, base := prodWithMaker(e)
	w := &recWorld{e: e, env: prod.ID, root: root, base: base, c: map[string]*client{"owner": owner, "admin": root}, ids: map[string]access.ID{"owner": ownerID}}
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

// storeDump reads every row of every table of the database directly, not
// through the store, as text (SQLite's files too, byte for byte).
func storeDump(t *testing.T, e *env) string {
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

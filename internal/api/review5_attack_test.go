package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/store"
)

// These tests are the fifth review's attacks on recordings, each failing
// on 32907ea. Each failure message says what the attacker learns or keeps.

// TestAttack5RecordingExistenceOracle: a report reader (a viewer, a
// process mining user) may not open a process's recordings; the answer
// for one that exists must be the answer, byte for byte, for one of
// another process or none at all — or they count the recordings and
// learn their ids. Over the API, the screenshots and the studio page.
func TestAttack5RecordingExistenceOracle(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			shots := map[string][]byte{"screenshots/a.png": testPNG(t, 4, 4)}
			step := []stepJSON{newStep("Open", 0, stepJSON{"screenshot": "screenshots/a.png"})}
			here := w.upload(w.c["owner"], bundle(t, "here", step, shots)).ID
			var other processJSON
			w.c["owner"].json("POST", w.base+"/processes", `{"name":"other"}`, 201, &other)
			code, body := w.c["owner"].uploadBundle(fmt.Sprintf("%s/processes/%d/recordings", w.base, other.ID), bundle(t, "elsewhere", step, shots))
			if code != 201 {
				t.Fatalf("upload elsewhere: %d %s", code, body)
			}
			var elsewhere recordingJSON
			if err := json.Unmarshal([]byte(body), &elsewhere); err != nil {
				t.Fatal(err)
			}
			missing := here + elsewhere.ID + 1000

			paths := map[string]func(id access.ID) string{
				"api":        func(id access.ID) string { return w.recordingPath(id) },
				"screenshot": func(id access.ID) string { return w.recordingPath(id) + "/steps/1/screenshot" },
				"studio":     func(id access.ID) string { return fmt.Sprintf("/e/%d/p/%d/recordings/%d", w.env, w.pid, id) },
			}
			for _, who := range []string{"viewer", "pmu"} {
				for kind, path := range paths {
					code, body := w.c[who].do("GET", path(here), "", nil)
					for _, id := range []access.ID{elsewhere.ID, missing} {
						c2, b2 := w.c[who].do("GET", path(id), "", nil)
						if c2 != 404 {
							t.Fatalf("%s %s of recording %d (not of this process): %d, want 404", who, kind, id, c2)
						}
						if code != c2 || body != b2 {
							t.Errorf("%s tells an existing recording (%d) from one that is not there (%d) by the %s: %d %q vs %d %q", who, here, id, kind, code, body, c2, b2)
						}
					}
				}
			}
			// Those who may open it still do; a contributor sees its step
			// names and is refused its screenshot as before.
			for kind, path := range paths {
				if code, body := w.c["owner"].do("GET", path(here), "", nil); code != 200 {
					t.Errorf("owner %s: %d %s", kind, code, body)
				}
			}
			var got recordingJSON
			w.c["contrib2"].json("GET", w.recordingPath(here), "", 200, &got)
			if got.View != "names" {
				t.Errorf("contributor's view %q, want names", got.View)
			}
			if code, _ := w.c["contrib2"].do("GET", paths["screenshot"](here), "", nil); code != 403 {
				t.Errorf("contributor reads another's screenshot: %d, want 403", code)
			}
		})
	}
}

// TestAttack5PasswordInputEdited: what is typed into a password field is
// never stored — the import keeps only privacy.PasswordInput — and an
// edit must not put it back: not in a draft session, not in a published
// recording by its owner. The database is searched too. An ordinary
// step's input is still edited as sent.
func TestAttack5PasswordInputEdited(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			pw := stepJSON{"element": map[string]any{"name": "Password", "password": true}, "input": "hunter2"}
			c := w.c["contrib"]
			path := w.session(c, "sign in")
			for i, s := range []stepJSON{newStep("Type password", 0, pw), newStep("Type user", 1, stepJSON{"input": "alice"})} {
				if code, body := c.sendStep(path, s); code != 201 {
					t.Fatalf("step %d: %d %s", i, code, body)
				}
			}
			c.json("POST", path+"/stop", "", 200, nil)
			r := w.upload(w.c["owner"], bundle(t, "imported", []stepJSON{newStep("Type password", 0, pw)}, nil))
			edits := []struct {
				who  *client
				path string
			}{{c, path + "/steps/1"}, {w.c["owner"], w.recordingPath(r.ID) + "/steps/1"}}
			for i, ed := range edits {
				secret := fmt.Sprintf("hunter2-edited-%d", i)
				var st struct {
					Input string `json:"input"`
				}
				ed.who.json("PATCH", ed.path, `{"input":"`+secret+`"}`, 200, &st)
				if st.Input != privacy.PasswordInput {
					t.Errorf("the edit at %s answers with input %q, want %q", ed.path, st.Input, privacy.PasswordInput)
				}
				_, body := ed.who.do("GET", ed.path[:len(ed.path)-len("/steps/1")], "", nil)
				var full recordingJSON
				json.Unmarshal([]byte(body), &full)
				if len(full.Steps) == 0 {
					t.Fatalf("%s: no steps: %s", ed.path, body)
				}
				if in := full.Steps[0].Input; in != privacy.PasswordInput {
					t.Errorf("a password step's input after an edit at %s is stored as %q, want %q as the import stores it", ed.path, in, privacy.PasswordInput)
				}
				if strings.Contains(storeDump(t, e), secret) {
					t.Errorf("the edited password %q is in the database", secret)
				}
			}
			// An ordinary step is edited as before, and a password step's
			// input may be cleared.
			var st struct {
				Input string `json:"input"`
			}
			c.json("PATCH", path+"/steps/2", `{"input":"bob"}`, 200, &st)
			if st.Input != "bob" {
				t.Errorf("ordinary step's input after an edit: %q", st.Input)
			}
			st.Input = "unset" // an empty input is left out of the answer
			c.json("PATCH", path+"/steps/1", `{"input":""}`, 200, &st)
			if st.Input == "unset" {
				st.Input = ""
			}
			if st.Input != "" {
				t.Errorf("cleared password input: %q", st.Input)
			}
		})
	}
}

// TestAttack5SessionStepLimit: a recording session holds at most
// recording.MaxSteps steps, as a bundle does; the reviewers appended
// 12,001 and published them. The session is filled to one step short
// through the store (10,000 requests would take minutes), then four
// appends race for the last place: exactly one is stored.
func TestAttack5SessionStepLimit(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			c := w.c["contrib"]
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			steps := make([]recording.Step, recording.MaxSteps-2)
			for i := range steps {
				steps[i] = recording.Step{Name: "s", Action: "click", StartedAt: at, EndedAt: at}
			}
			id, err := e.store.CreateRecording(context.Background(), store.Recording{Env: w.env, Recorder: w.ids["contrib"], Title: "long", State: store.StateRecording}, steps, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("%s/recording-sessions/%d", w.base, id)
			// One short of the limit: taken.
			if code, body := c.sendStep(path, newStep("last but one", 0, nil)); code != 201 {
				t.Fatalf("step %d: %d %s", recording.MaxSteps-1, code, body)
			}
			// Four at once for the last place.
			codes := make([]int, 4)
			bodies := make([]string, 4)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i], bodies[i] = c.sendStep(path, newStep("racer", 1, nil))
				}()
			}
			wg.Wait()
			stored := 0
			for i, code := range codes {
				switch {
				case code == 201:
					stored++
				case code == 422 && errorCode(t, bodies[i]) == "too_many_steps" && strings.Contains(bodies[i], "10000"):
				default:
					t.Errorf("append at the limit: %d %s", code, bodies[i])
				}
			}
			if stored != 1 {
				t.Errorf("%d of 4 appends racing for the last place were stored, want 1 (codes %v)", stored, codes)
			}
			if code, body := c.sendStep(path, newStep("over", 2, nil)); code != 422 {
				t.Errorf("append over the limit: %d %s", code, body)
			}
			// Deleting a step makes room; the full session publishes.
			c.json("DELETE", path+"/steps/1", "", 204, nil)
			if code, body := c.sendStep(path, newStep("in its place", 3, nil)); code != 201 {
				t.Errorf("append after a delete: %d %s", code, body)
			}
			c.json("POST", path+"/stop", "", 200, nil)
			var pub recordingJSON
			c.json("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, 200, &pub)
			if pub.StepCount != recording.MaxSteps {
				t.Errorf("published %d steps, want %d", pub.StepCount, recording.MaxSteps)
			}
		})
	}
}

// TestAttack5ContributorListsOnlyOwnRecordings: DESIGN §2 "a contributor
// sees their own recordings in full and others' only as step names"; the
// list gave them others' titles, recorders and times. The API's list and
// the studio's page now show a contributor their own recordings only;
// owners still list them all.
func TestAttack5ContributorListsOnlyOwnRecordings(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			ids := map[string]access.ID{}
			for _, who := range []string{"contrib", "contrib2", "owner"} {
				ids[who] = w.upload(w.c[who], bundle(t, "TITLE-OF-"+who, []stepJSON{newStep("Open", 0, nil)}, nil)).ID
			}
			var list struct {
				Recordings []recordingJSON `json:"recordings"`
			}
			w.c["contrib"].json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 1 || list.Recordings[0].ID != ids["contrib"] || list.Recordings[0].Title != "TITLE-OF-contrib" {
				t.Errorf("a contributor's list: %+v, want their own recording only", list.Recordings)
			}
			_, page := w.c["contrib"].do("GET", fmt.Sprintf("/e/%d/p/%d/recordings", w.env, w.pid), "", nil)
			if !strings.Contains(page, "TITLE-OF-contrib") {
				t.Fatalf("the studio list misses the contributor's own recording: the checks below would prove nothing")
			}
			for _, other := range []string{"TITLE-OF-contrib2", "TITLE-OF-owner", ">contrib2<", ">maker<"} {
				if strings.Contains(page, other) {
					t.Errorf("the contributor's studio list shows %q of another's recording", other)
				}
			}
			w.c["owner"].json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 3 {
				t.Errorf("the owner lists %d recordings, want 3", len(list.Recordings))
			}
		})
	}
}

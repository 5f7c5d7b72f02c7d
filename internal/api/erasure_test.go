package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

// TestRightToErasure: DESIGN §3 "remove every trace of one person (as
// resource in event logs, as the recorder of recordings, in audit-log
// details) in one call, with a report of what was removed" — checked by
// reading the database directly.
func TestRightToErasure(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			sara, saraID := e.user("sara.lind", false)
			w.root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, saraID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, w.unit), 200, nil)
			w.c["owner"].json("PUT", w.process+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"contributor"}`, saraID), 200, nil)

			csv := "case,activity,time,resource,approver,note\n" +
				"1,Create,2026-01-01T09:00:00Z,Sara Lind,Ahmed Khan,\n" +
				"1,Approve,2026-01-01T10:00:00Z,Ahmed Khan,SARA LIND,asked Sara Lind twice\n" +
				"2,Create,2026-01-02T09:00:00Z,Ahmed Khan,Ahmed Khan,\n"
			job := w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"})
			if job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			r := w.upload(sara, bundle(t, "Sara Lind's invoices", []stepJSON{newStep("Ask Sara Lind", 0, stepJSON{"input": "signed sara.lind", "screenshot": "screenshots/1.png"})},
				map[string][]byte{"screenshots/1.png": testPNG(t, 8, 8)}))
			// Another's recording whose step names her: its screenshot shows her too.
			other := w.upload(w.c["owner"], bundle(t, "t", []stepJSON{newStep("Call Sara Lind", 0, stepJSON{"screenshot": "screenshots/1.png"}), newStep("Save", 1, stepJSON{"screenshot": "screenshots/2.png"})},
				map[string][]byte{"screenshots/1.png": testPNG(t, 8, 8), "screenshots/2.png": testPNG(t, 8, 8)}))
			w.c["owner"].json("PATCH", w.recordingPath(r.ID)+"/steps/1", `{"description":"checked with Sara Lind"}`, 200, nil)

			// Event data is stored encrypted: the log is checked through the
			// events route, the rest by reading the database.
			dump := strings.ToLower(storeDump(t, e))
			if !strings.Contains(dump, "sara lind") {
				t.Fatal("the person is not found in the database before erasure: the check below would prove nothing")
			}

			// Only System Administrators erase; the names are checked.
			if code, _ := w.c["owner"].do("POST", w.base+"/erasure", `{"names":["Sara Lind"]}`, nil); code != 403 {
				t.Errorf("owner erases: %d", code)
			}
			for _, bad := range []string{`{"names":[]}`, `{"names":["x"]}`, `{"names":["[erased]"]}`, `{"names":["42"]}`, `{"names":["ROOT"]}`} {
				if code, _ := w.root.do("POST", w.base+"/erasure", bad, nil); code != 422 {
					t.Errorf("%s: %d", bad, code)
				}
			}
			// A member is not erased while still a member: she leaves first.
			if code, body := w.root.do("POST", w.base+"/erasure", `{"names":["Sara Lind","sara.lind"]}`, nil); code != 422 || !strings.Contains(body, "still a member") {
				t.Errorf("erasing a member: %d %s", code, body)
			}
			w.root.json("DELETE", fmt.Sprintf("%s/members/%d", w.base, saraID), "", 204, nil)
			var rep map[string]int
			w.root.json("POST", w.base+"/erasure", `{"names":["Sara Lind","sara.lind"]}`, 200, &rep)
			want := map[string]int{"names": 2, "user_accounts_matched": 1, "event_log_versions_changed": 1, "events_with_the_person_as_resource": 1,
				"attribute_values_changed": 2, "recordings_unlinked_from_their_recorder": 1, "recording_steps_changed": 2, "recording_titles_changed": 1,
				"screenshots_deleted": 2}
			for k, v := range want {
				if rep[k] != v {
					t.Errorf("report %s = %d, want %d (%v)", k, rep[k], v, rep)
				}
			}
			if rep["audit_entries_changed"] < 1 { // sara.lind's upload
				t.Errorf("audit entries changed: %d", rep["audit_entries_changed"])
			}

			dump = strings.ToLower(storeDump(t, e))
			if strings.Contains(dump, "sara lind") {
				i := strings.Index(dump, "sara lind")
				t.Errorf("the name is still in the database: …%s…", dump[max(0, i-80):min(len(dump), i+40)])
			}
			// The account stays (its name is the username), but it is the
			// recorder of nothing and the actor of no entry of this
			// environment's audit log.
			var audit struct {
				Entries []struct{ Actor, Action, Detail, IP string }
			}
			w.root.json("GET", w.base+"/audit", "", 200, &audit)
			erased := 0
			for _, a := range audit.Entries {
				if a.Actor == "sara.lind" || strings.Contains(strings.ToLower(a.Detail), "sara") {
					t.Errorf("audit entry %+v", a)
				}
				if a.Actor == "[erased]" {
					erased++
					if a.IP != "" {
						t.Errorf("erased actor's IP kept: %+v", a)
					}
				}
				if a.Action == "privacy.erasure" && strings.Contains(strings.ToLower(a.Detail), "lind") {
					t.Errorf("the erasure's own entry names the person: %+v", a)
				}
			}
			if erased == 0 {
				t.Error("no entry shows an erased actor")
			}
			var got recordingJSON
			w.c["owner"].json("GET", w.recordingPath(r.ID), "", 200, &got)
			if got.Recorder != 0 || got.RecorderName != "" || got.Title != "[erased]'s invoices" || got.Steps[0].Name != "Ask [erased]" || got.Steps[0].Input != "signed [erased]" {
				t.Errorf("recording after erasure %+v", got)
			}
			// The reports of the process read the rewritten log.
			var events struct{ Events []map[string]any }
			w.c["owner"].json("GET", w.process+"/events", "", 200, &events)
			if s := fmt.Sprint(events); strings.Contains(strings.ToLower(s), "sara") || !strings.Contains(s, "[erased]") || !strings.Contains(s, "Ahmed Khan") {
				t.Errorf("events after erasure: %s", s)
			}
			// Her recording's screenshot and the one of the step that named
			// her are gone; the other step's is not.
			for _, c := range []struct {
				rid  access.ID
				n    int
				kept bool
			}{{r.ID, 1, false}, {other.ID, 1, false}, {other.ID, 2, true}} {
				_, err := e.store.Screenshot(t.Context(), c.rid, c.n)
				if (err == nil) != c.kept {
					t.Errorf("recording %d step %d: screenshot kept %v, want %v", c.rid, c.n, err == nil, c.kept)
				}
			}
			// The erasure's own entry lists the entries it changed.
			var own struct{ Entries []struct{ Detail string } }
			w.root.json("GET", w.base+"/audit?action=privacy.erasure", "", 200, &own)
			if len(own.Entries) != 1 || !strings.Contains(own.Entries[0].Detail, "audit entries changed: [") {
				t.Errorf("erasure entry %+v", own.Entries)
			}
			// Erasing again is refused: neither name is known anywhere any
			// more (she left the environment, and the audit log, the
			// recordings and the event data no longer name her).
			for _, again := range []string{`{"names":["Sara Lind","sara.lind"]}`, `{"names":["sara.lind"]}`} {
				if code, _ := w.root.do("POST", w.base+"/erasure", again, nil); code != 422 {
					t.Errorf("second erasure %s: %d", again, code)
				}
			}
		})
	}
}

package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestUploadAppliesPrivacyPolicyByDefault: issue 14 §3 — an event-log
// upload goes through the environment's privacy policy unless the
// uploader asks for raw data (privacy=raw), which only those allowed to
// read the process's raw data may do, and which the audit log records.
func TestUploadAppliesPrivacyPolicyByDefault(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner := w.c["owner"]
			// The default policy masks e-mail addresses.
			csv := "case,activity,time,resource\n1,Create,2026-01-01T09:00:00Z,jo@example.com\n1,Approve,2026-01-01T10:00:00Z,Ahmed\n"
			fields := map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}
			events := func() string {
				var ev struct{ Events []map[string]any }
				owner.json("GET", w.process+"/events", "", 200, &ev)
				return fmt.Sprint(ev.Events)
			}
			if job := owner.importLog(w.process+"/data", "log.csv", []byte(csv), fields); job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			if s := events(); strings.Contains(s, "jo@example.com") || !strings.Contains(s, "Ahmed") {
				t.Errorf("an upload without a privacy field kept the raw address: %s", s)
			}

			// Someone who may add event data but not read it raw.
			w.root.json("POST", w.base+"/roles", `{"name":"Loader","privileges":{"process":{"read":"organization"},"eventlog":{"create":"organization"}}}`, 201, nil)
			loader, loaderID := e.user("loader", false)
			w.root.json("PUT", fmt.Sprintf("%s/members/%d", w.base, loaderID), fmt.Sprintf(`{"business_unit":%d,"roles":["Loader"]}`, w.unit), 200, nil)
			raw := map[string]string{"privacy": "raw"}
			for k, v := range fields {
				raw[k] = v
			}
			if code, body := loader.uploadFile(w.process+"/data", "log.csv", []byte(csv), raw); code != 403 || !strings.Contains(body, "privacy=raw") {
				t.Errorf("raw upload by someone who may not read raw data: %d %s", code, body)
			}
			if job := loader.importLog(w.process+"/data", "log.csv", []byte(csv), fields); job.State != "done" {
				t.Errorf("the loader's upload under the policy: %+v", job)
			}
			if s := events(); strings.Contains(s, "jo@example.com") {
				t.Errorf("the loader's upload kept the raw address: %s", s)
			}

			// The owner may keep the data raw, and it is audited.
			if job := owner.importLog(w.process+"/data", "raw.csv", []byte(csv), raw); job.State != "done" {
				t.Fatalf("raw import %+v", job)
			}
			if s := events(); !strings.Contains(s, "jo@example.com") {
				t.Errorf("privacy=raw: %s", s)
			}
			var audit struct {
				Entries []struct{ Actor, Detail string }
			}
			w.root.json("GET", w.base+"/audit?action=data.upload", "", 200, &audit)
			skipped := 0
			for _, a := range audit.Entries {
				if strings.Contains(a.Detail, "privacy policy skipped") {
					skipped++
					if a.Actor != "maker" || !strings.HasPrefix(a.Detail, "raw.csv") {
						t.Errorf("audit entry %+v", a)
					}
				}
			}
			if skipped != 1 {
				t.Errorf("%d audit entries say the policy was skipped, want 1: %+v", skipped, audit.Entries)
			}
			raw["privacy"] = "sometimes"
			if code, body := owner.uploadFile(w.process+"/data", "log.csv", []byte(csv), raw); code != 422 || !strings.Contains(body, "privacy is apply") {
				t.Errorf("bad privacy field: %d %s", code, body)
			}
		})
	}
}

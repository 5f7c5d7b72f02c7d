package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/store"
)

// TestErasureLeavesNoTrace: issue 14 §3 — after an erasure the person's
// name is nowhere: not in case ids, activity names, resources, the file
// names of uploads, the reasons failed imports give, the queue's record
// of the upload, the audit log, nor in the bytes of the SQLite files
// (the write-ahead log included); the tokens a pseudonymising policy made
// of the name are gone, and the same name uploaded again gets a token
// that differs from the old one. Words of the product's own cannot be
// erased, and a username that is also such a word leaves the role grants
// of the audit log readable.
func TestErasureLeavesNoTrace(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner := w.c["owner"]
			fields := map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource", "privacy": "raw"}
			csv := "case,activity,time,resource\n" +
				"order of Sara Lind,Create,2026-01-01T09:00:00Z,Sara Lind\n" +
				"order of Sara Lind,Call Sara Lind,2026-01-01T10:00:00Z,Ahmed Khan\n" +
				"order of Ahmed Khan,Create,2026-01-02T09:00:00Z,Ahmed Khan\n" +
				"order of Ahmed Khan,Approve,2026-01-02T10:00:00Z,Ahmed Khan\n"
			if job := owner.importLog(w.process+"/data", "Sara Lind orders.csv", []byte(csv), fields); job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			// A column named after the person, mapped as the resource, in a
			// process of its own: the process remembers the mapping for its
			// next upload.
			var p3 processJSON
			owner.json("POST", w.base+"/processes", `{"name":"hours"}`, 201, &p3)
			named := "case,activity,time,Sara Lind\n1,a,2026-01-01T09:00:00Z,x\n"
			if job := owner.importLog(fmt.Sprintf("%s/processes/%d/data", w.base, p3.ID), "hours.csv", []byte(named), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "Sara Lind"}); job.State != "done" {
				t.Fatalf("import %+v", job)
			}
			if m, err := e.store.UploadMapping(context.Background(), p3.ID); err != nil || m["resource"] != "Sara Lind" {
				t.Fatalf("the remembered mapping does not name the person, the check below would prove nothing: %v %v", m, err)
			}
			// A saved view that selects her cases, named after her; its
			// query URL-encoded as a page's address is.
			views := fmt.Sprintf("%s/processes/%d/views", w.base, p3.ID)
			owner.json("POST", views, `{"name":"Sara Lind's hours","query":"case-attr=org%3Aresource%3DSara+Lind&view=performance","shared":true}`, 201, nil)
			// A failed import: its reason quotes the file's name and the value.
			failed := owner.importLog(w.process+"/data", "Sara Lind hours.csv", []byte("case,activity,time\n1,a,2026-01-01T09:00:00Z\n1,b,Sara Lind\n"), map[string]string{"case": "case", "activity": "activity", "timestamp": "time"})
			if failed.State != "failed" || !strings.Contains(failed.Error, "Sara Lind") {
				t.Fatalf("the failed import does not name the person, the check below would prove nothing: %+v", failed)
			}
			// The person pseudonymised, in a second process.
			w.setPolicy(map[string]string{"email": "mask", "phone": "mask", "card": "mask", "iban": "mask", "ssn": "mask", "ip": "mask", "secret": "redact", "name": "pseudonymise"}, "Sara Lind", "Ahmed Khan")
			var p2 processJSON
			owner.json("POST", w.base+"/processes", `{"name":"calls"}`, 201, &p2)
			second := fmt.Sprintf("%s/processes/%d", w.base, p2.ID)
			pseudo := "case,activity,time,resource\n1,Call,2026-01-01T09:00:00Z,Sara Lind\n1,Call,2026-01-01T10:00:00Z,Ahmed Khan\n"
			pfields := map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"}
			tokens := func() map[string]bool {
				t.Helper()
				if job := owner.importLog(second+"/data", "calls.csv", []byte(pseudo), pfields); job.State != "done" {
					t.Fatalf("import %+v", job)
				}
				var ev struct{ Events []struct{ Resource string } }
				owner.json("GET", second+"/events", "", 200, &ev)
				out := map[string]bool{}
				for _, x := range ev.Events {
					out[x.Resource] = true
				}
				return out
			}
			before := tokens()
			var oldSara, oldAhmed string
			for tok := range before {
				if !regexp.MustCompile(`^\[name:[0-9a-f]{12}\]$`).MatchString(tok) {
					t.Fatalf("not pseudonymised: %q", tok)
				}
			}
			if len(before) != 2 {
				t.Fatalf("tokens %v", before)
			}
			// Which is whose: the policy's key is the store's, so the test
			// tells them apart by the order of the events.
			var ev struct{ Events []struct{ Resource string } }
			owner.json("GET", second+"/events", "", 200, &ev)
			oldSara, oldAhmed = ev.Events[0].Resource, ev.Events[1].Resource

			// A webhook an administrator described after her.
			if _, err := e.store.CreateWebhook(context.Background(), store.Webhook{Env: w.env, URL: "https://hooks.example.com/procmine", Events: []string{"import.finished"},
				Description: "tell Sara Lind's team", CreatedBy: w.ids["owner"]}, []byte("a secret"),
				store.AuditEntry{Env: w.env, At: time.Now().UTC(), Actor: "root", Action: "webhook.created"}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.ToLower(storeDump(t, e)), "sara lind") {
				t.Fatal("the name is not in the database before the erasure: the check below would prove nothing")
			}

			var rep map[string]int
			w.root.json("POST", w.base+"/erasure", `{"names":["Sara Lind"]}`, 200, &rep)
			if rep["case_ids_changed"] != 1 || rep["activity_names_changed"] != 1 || rep["import_file_names_and_errors_changed"] < 3 || rep["pseudonym_keys_renewed"] != 1 {
				t.Errorf("report %v", rep)
			}

			var saved struct {
				Views []struct{ Name, Query string }
			}
			owner.json("GET", views, "", 200, &saved)
			if len(saved.Views) != 1 || strings.Contains(saved.Views[0].Name+saved.Views[0].Query, "Sara") || !strings.Contains(saved.Views[0].Query, "view=performance") {
				t.Errorf("the saved view after the erasure: %+v", saved.Views)
			}
			// Everything a user can read back.
			gone := func(what, body string) {
				t.Helper()
				l := strings.ToLower(body)
				for _, s := range []string{"sara", strings.ToLower(oldSara)} {
					if i := strings.Index(l, s); i >= 0 {
						t.Errorf("%s still holds %q: …%s…", what, s, body[max(0, i-60):min(len(body), i+60)])
					}
				}
			}
			for _, path := range []string{"/report", "/variants", "/events", "/export?format=csv", "/data", "/map", "/statistics"} {
				for _, p := range []string{w.process, second} {
					code, body := owner.do("GET", p+path, "", nil)
					if code != 200 {
						t.Errorf("GET %s%s: %d %s", p, path, code, body)
					}
					gone("GET "+p+path, body)
				}
			}
			_, body := owner.do("GET", fmt.Sprintf("/api/v1/jobs/%d", failed.ID), "", nil)
			gone("the failed job", body)
			_, body = w.root.do("GET", w.base+"/audit", "", nil)
			gone("the audit log", body)
			if !strings.Contains(body, "Environment Maker") {
				t.Error("the audit log lost its role grants")
			}
			var events struct {
				Events []struct{ Case, Activity, Resource string }
			}
			owner.json("GET", w.process+"/events", "", 200, &events)
			got := fmt.Sprint(events.Events)
			for _, want := range []string{"order of [erased]", "Call [erased]", "order of Ahmed Khan", "Ahmed Khan"} {
				if !strings.Contains(got, want) {
					t.Errorf("events after the erasure lack %q: %s", want, got)
				}
			}
			var versions struct{ Versions []struct{ Source string } }
			owner.json("GET", w.process+"/data", "", 200, &versions)
			if len(versions.Versions) != 1 || versions.Versions[0].Source != "[erased] orders.csv" {
				t.Errorf("versions %+v", versions.Versions)
			}
			var second2 struct{ Events []struct{ Resource string } }
			owner.json("GET", second+"/events", "", 200, &second2)
			if second2.Events[0].Resource != "[erased]" || second2.Events[1].Resource != oldAhmed {
				t.Errorf("pseudonymised events after the erasure: %+v (Ahmed's token %s kept)", second2.Events, oldAhmed)
			}

			// Every table, and the SQLite files byte by byte.
			gone("the database", storeDump(t, e))
			if name == "sqlite" {
				for _, f := range []string{e.dsn, e.dsn + "-wal"} {
					data, err := os.ReadFile(f)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					for _, s := range []string{"sara lind", "sara", strings.ToLower(oldSara)} {
						if bytes.Contains(bytes.ToLower(data), []byte(s)) {
							t.Errorf("%s holds %q", f, s)
						}
					}
				}
			}

			// The same name pseudonymised again, once the administrator has
			// put it back on the policy's list (the erasure took it off): a
			// token unlinked to the old one, and Ahmed's token changed too,
			// as the key was renewed.
			w.setPolicy(map[string]string{"email": "mask", "phone": "mask", "card": "mask", "iban": "mask", "ssn": "mask", "ip": "mask", "secret": "redact", "name": "pseudonymise"}, "Sara Lind", "Ahmed Khan")
			after := tokens()
			var ev2 struct{ Events []struct{ Resource string } }
			owner.json("GET", second+"/events", "", 200, &ev2)
			newSara := ev2.Events[0].Resource
			if !regexp.MustCompile(`^\[name:[0-9a-f]{12}\]$`).MatchString(newSara) || newSara == oldSara || after[oldSara] || after[oldAhmed] {
				t.Errorf("tokens before %v, after %v", before, after)
			}
			raw, _ := json.Marshal(after)
			if strings.Contains(string(raw), oldSara) {
				t.Errorf("old token again: %s", raw)
			}

			// Names that are not a person's are refused; a username that is
			// also a word of the product's is a person's, and the role
			// grants of the audit log stay readable.
			for _, bad := range []string{"System Customizer", "Environment Maker", "Process Mining User", "Administrator", "Nobody Known"} {
				if code, body := w.root.do("POST", w.base+"/erasure", fmt.Sprintf(`{"names":[%q]}`, bad), nil); code != 422 {
					t.Errorf("erasing %q: %d %s", bad, code, body)
				}
			}
			// "maker" (the owner) leaves the environment first; the audit
			// log and the recordings still know the name.
			w.root.json("DELETE", fmt.Sprintf("%s/members/%d", w.base, w.ids["owner"]), "", 204, nil)
			w.root.json("POST", w.base+"/erasure", `{"names":["maker"]}`, 200, nil)
			var grants struct {
				Entries []struct{ Action, Detail string }
			}
			w.root.json("GET", w.base+"/audit?action=member.set", "", 200, &grants)
			readable := map[string]bool{}
			for _, g := range grants.Entries {
				if strings.Contains(g.Detail, "[erased]") {
					t.Errorf("a role grant was rewritten: %+v", g)
				}
				for _, role := range []string{"System Customizer", "Environment Maker"} {
					if strings.Contains(g.Detail, role) {
						readable[role] = true
					}
				}
			}
			if !readable["System Customizer"] || !readable["Environment Maker"] {
				t.Errorf("role grants after erasing maker: %+v", grants.Entries)
			}

		})
	}
}

package api

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

// The texts of recording steps at rest: sealed like screenshots, and an
// edit leaves no old text behind on disk, as a deletion leaves none.

// diskBytes is what someone holding the database's files but not the
// blob key reads: every row of every table (SQLite or PostgreSQL, read
// past the store) and, for SQLite, the database file, its write-ahead log
// and its shared memory index, byte for byte.
func diskBytes(t *testing.T, e *env) []byte {
	t.Helper()
	b := []byte(rawDump(t, e))
	if !strings.HasPrefix(e.dsn, "postgres") {
		shm, _ := os.ReadFile(e.dsn + "-shm")
		b = append(b, shm...)
	}
	return b
}

// rawStep reads a step's stored row as it is in the database, column by
// column, past the store.
func rawStep(t *testing.T, e *env, rid access.ID, n int) map[string][]byte {
	t.Helper()
	driver, q := "pgx", "SELECT * FROM recording_steps WHERE recording_id = $1 AND n = $2"
	if !strings.HasPrefix(e.dsn, "postgres") {
		driver, q = "sqlite", "SELECT * FROM recording_steps WHERE recording_id = ? AND n = ?"
	}
	db, err := sql.Open(driver, e.dsn)
	must(t, err)
	defer db.Close()
	rows, err := db.Query(q, rid, n)
	must(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatalf("step %d of recording %d is not stored", n, rid)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	must(t, rows.Scan(ptrs...))
	out := map[string][]byte{}
	for i, c := range cols {
		switch v := vals[i].(type) {
		case []byte:
			out[c] = bytes.Clone(v)
		case string:
			out[c] = []byte(v)
		default:
			out[c] = fmt.Append(nil, v)
		}
	}
	return out
}

// TestStepTextsAreSealedAtRest: issue 14 "recording text (typed input,
// window titles, element and step names, descriptions) is stored in clear
// while event logs and screenshots are sealed". An uploaded recording and
// a live session's steps leave none of their texts readable in the
// database (its rows, and SQLite's files byte for byte), while the owner
// still reads them, recordings still list and task mining still names the
// steps.
func TestStepTextsAreSealedAtRest(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			o := w.c["owner"]
			secret := []string{"STEPNAME-QX7301", "DESCRIPTION-QX7302", "WINDOWTITLE-QX7303", "ELEMENTNAME-QX7304", "TYPEDINPUT-QX7305", "APPLICATION-QX7306"}
			texts := func(suffix string) stepJSON {
				return stepJSON{"description": secret[1] + suffix, "window_title": secret[2] + suffix, "element": map[string]any{"name": secret[3] + suffix, "role": "edit"},
					"input": secret[4] + suffix, "application": secret[5] + suffix}
			}
			r := w.upload(o, bundle(t, "t", []stepJSON{newStep(secret[0]+"-a", 0, texts("-a")), newStep(secret[0]+"-b", 1, texts("-b"))}, nil))

			// A live session, stopped as a draft.
			c := w.c["contrib"]
			path := w.session(c, "draft")
			if code, body := c.sendStep(path, newStep(secret[0]+"-s", 0, texts("-s"))); code != 201 {
				t.Fatalf("session step: %d %s", code, body)
			}
			c.json("POST", path+"/stop", "", 200, nil)

			disk := diskBytes(t, e)
			for _, s := range secret {
				if bytes.Contains(disk, []byte(s)) {
					t.Errorf("%q is stored in clear", s)
				}
			}

			var got recordingJSON
			o.json("GET", w.recordingPath(r.ID), "", 200, &got)
			if len(got.Steps) != 2 {
				t.Fatalf("steps %+v", got.Steps)
			}
			st := got.Steps[1]
			if st.Name != secret[0]+"-b" || st.Description != secret[1]+"-b" || st.WindowTitle != secret[2]+"-b" || st.Element.Name != secret[3]+"-b" ||
				st.Element.Role != "edit" || st.Input != secret[4]+"-b" || st.Application != secret[5]+"-b" {
				t.Errorf("the owner reads %+v", st.Step)
			}
			var draft recordingJSON
			c.json("GET", path, "", 200, &draft)
			if len(draft.Steps) != 1 || draft.Steps[0].Input != secret[4]+"-s" || draft.Steps[0].WindowTitle != secret[2]+"-s" {
				t.Errorf("the recorder reads the draft %+v", draft.Steps)
			}
			var list struct{ Recordings []recordingJSON }
			o.json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 1 || list.Recordings[0].StepCount != 2 {
				t.Errorf("listing %+v", list)
			}
			code, body := o.do("GET", w.process+"/task-mining", "", nil)
			if code != 200 || !strings.Contains(body, secret[0]+"-a") || !strings.Contains(body, secret[5]+"-b") {
				t.Errorf("task mining: %d %s", code, body)
			}
		})
	}
}

// TestStepEditLeavesNoOldTextOnDisk: issue 14 "editing a step's input
// leaves the old text in the SQLite file or its WAL: an edit that removes
// data removes it from storage, as deletions already do". Every stored
// value of the step's row that the edit changed (the clear text before
// sealing, the sealed blob after: it opens with the key) is gone from the
// database file, its write-ahead log and its index, for a published
// recording's step and for a draft's. PostgreSQL keeps dead rows until
// VACUUM (docs/privacy.md): there the rows are checked.
func TestStepEditLeavesNoOldTextOnDisk(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			o := w.c["owner"]
			r := w.upload(o, bundle(t, "t", []stepJSON{newStep("Type", 0, stepJSON{"input": "OLDINPUT-ZK5501", "description": "OLDDESC-ZK5503"})}, nil))
			c := w.c["contrib"]
			path := w.session(c, "draft")
			c.sendStep(path, newStep("Type", 0, stepJSON{"input": "OLDDRAFT-ZK5502"}))
			c.json("POST", path+"/stop", "", 200, nil)
			var draft recordingJSON
			c.json("GET", path, "", 200, &draft)

			edits := []struct {
				what, path string
				by         *client
				rid        access.ID
				body, want string
			}{
				{"published step", w.recordingPath(r.ID) + "/steps/1", o, r.ID, `{"input":"NEWINPUT-ZK5511","name":"Renamed","description":"new"}`, "NEWINPUT-ZK5511"},
				{"draft step", path + "/steps/1", c, draft.ID, `{"input":"NEWDRAFT-ZK5512"}`, "NEWDRAFT-ZK5512"},
			}
			for _, ed := range edits {
				before := rawStep(t, e, ed.rid, 1)
				var st struct{ Input string }
				ed.by.json("PATCH", ed.path, ed.body, 200, &st)
				if st.Input != ed.want {
					t.Errorf("%s: edited input %q", ed.what, st.Input)
				}
				after := rawStep(t, e, ed.rid, 1)
				disk := diskBytes(t, e)
				gone := 0
				for col, old := range before {
					if len(old) < 8 || bytes.Equal(old, after[col]) {
						continue
					}
					gone++
					if bytes.Contains(disk, old) {
						t.Errorf("%s: the old %s (%d bytes) is still on disk", ed.what, col, len(old))
					}
				}
				if gone == 0 {
					t.Fatalf("%s: the edit changed no stored value: the check proves nothing", ed.what)
				}
			}
			for _, old := range []string{"OLDINPUT-ZK5501", "OLDDESC-ZK5503", "OLDDRAFT-ZK5502"} {
				if bytes.Contains(diskBytes(t, e), []byte(old)) {
					t.Errorf("%q is still on disk", old)
				}
			}
		})
	}
}

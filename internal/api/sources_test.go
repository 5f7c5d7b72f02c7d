package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

type sourceJSON struct {
	ID        access.ID `json:"id"`
	Name      string    `json:"name"`
	Target    string    `json:"target"`
	Version   access.ID `json:"version"`
	LastRun   time.Time `json:"last_run_at"`
	LastRows  int       `json:"last_rows"`
	LastError string    `json:"last_error"`
	Watermark string    `json:"watermark"`
	NextRun   time.Time `json:"next_run_at"`
}

// erpEvents fills the table events of the PostgreSQL database at url
// with rows from..to-1 of a generated ERP log: ten events a case, eight
// activities, a second apart, fifty resources. Rows from 1,000,000 on
// are shifted by five, so that the first new rows continue the last
// case of the first million and the others open new cases.
func erpEvents(t testing.TB, db *sql.DB, from, to int) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS events (id BIGINT PRIMARY KEY, case_id TEXT NOT NULL, activity TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, resource TEXT, amount BIGINT, "case:channel" TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO events SELECT i, 'c' || ((i - CASE WHEN i >= 1000000 THEN 5 ELSE 0 END) / 10),
		(ARRAY['Receive','Check','Approve','Reject','Pay','Archive','Notify','Close'])[1 + (i * 7 + i / 10) % 8],
		timestamptz '2020-01-01 00:00:00+00' + i * interval '1 second', 'r' || (i % 50), i % 1000, CASE WHEN i % 3 = 0 THEN 'web' ELSE 'mail' END
		FROM generate_series($1::bigint, $2::bigint - 1) i`, from, to); err != nil {
		t.Fatal(err)
	}
}

// refreshed asks for a refresh of the source at path and waits for it
// to run.
func refreshed(t testing.TB, c *client, path, body string) sourceJSON {
	t.Helper()
	var before sourceJSON
	c.json("GET", path, "", 200, &before)
	// The refresh before this one ended when it wrote its result: this
	// one is queued at once.
	var q struct{ Queued bool }
	code, b := c.do("POST", path+"/refresh", body, nil)
	if err := json.Unmarshal([]byte(b), &q); code != 202 || err != nil || !q.Queued {
		t.Fatalf("the refresh of %s: %d %s", path, code, b)
	}
	return waitRun(t, c, path, before.LastRun)
}

// waitRun waits until the source at path has run after last.
func waitRun(t testing.TB, c *client, path string, last time.Time) sourceJSON {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var s sourceJSON
		c.json("GET", path, "", 200, &s)
		if !s.LastRun.Equal(last) {
			return s
		}
		if time.Now().After(deadline) {
			logs := c.e.logs.String()
			t.Fatalf("%s did not run; the server's log ends:\n%s", path, logs[max(0, len(logs)-3000):])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// versionLog reads a version of a process from the store.
func versionLog(t *testing.T, st *store.Store, process, version access.ID) *eventlog.Log {
	t.Helper()
	data, err := st.VersionData(context.Background(), process, version)
	if err != nil {
		t.Fatal(err)
	}
	var l eventlog.Log
	if err := l.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	return &l
}

// caseMap describes every case of a log by its id: its attributes and
// its events with their times, resources and attributes.
func caseMap(l *eventlog.Log) map[string]string {
	out := make(map[string]string, l.NumCases())
	for c, id := range l.CaseIDs {
		var b strings.Builder
		fmt.Fprint(&b, l.CaseAttrs.Of(int32(c)))
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			fmt.Fprintf(&b, " %s@%d/%s%v", l.ActivityName(e), l.End[e], l.ResourceName(e), l.EventAttrs.Of(int32(e)))
		}
		out[id] = b.String()
	}
	return out
}

// TestDataSourceIncrementalRefresh: a process reads a million rows of a
// PostgreSQL table; after a thousand more rows, an incremental refresh
// reads those thousand alone and gives exactly what a full re-import
// gives. A refresh that fails leaves the last version, and says why on
// the source and in the audit log.
func TestDataSourceIncrementalRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			erp := storetest.PostgresDB(t)
			db, err := sql.Open("pgx", erp)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			erpEvents(t, db, 0, 1_000_000)
			root, maker, _, _, base := prodWithMaker(e)
			var p, q processJSON
			maker.json("POST", base+"/processes", `{"name":"ERP"}`, 201, &p)
			maker.json("POST", base+"/processes", `{"name":"ERP, read whole"}`, 201, &q)
			body := fmt.Sprintf(`{"name":"ERP events","kind":"postgres","connection":%q,"query":"SELECT * FROM events","mapping":{"case":"case_id","activity":"activity","timestamp":"ts","resource":"resource"},"watermark_column":"id"}`, erp)
			var src sourceJSON
			maker.json("POST", fmt.Sprintf("%s/processes/%d/sources", base, p.ID), body, 201, &src)
			path := fmt.Sprintf("%s/processes/%d/sources/%d", base, p.ID, src.ID)

			full := refreshed(t, maker, path, `{}`)
			if full.LastError != "" || full.LastRows != 1_000_000 || full.Version == 0 || full.Watermark != "999999" {
				t.Fatalf("the first refresh: %+v", full)
			}
			erpEvents(t, db, 1_000_000, 1_001_000)
			start := time.Now()
			inc := refreshed(t, maker, path, "")
			took := time.Since(start)
			// Only the new rows were read.
			if inc.LastError != "" || inc.LastRows != 1000 || inc.Version == full.Version || inc.Watermark != "1000999" {
				t.Fatalf("the incremental refresh: %+v", inc)
			}
			t.Logf("incremental refresh of 1,000 rows onto 1,000,000: %v (BENCHMARKS.md has the benchmark)", took)

			// The same query read whole into another process.
			var whole sourceJSON
			maker.json("POST", fmt.Sprintf("%s/processes/%d/sources", base, q.ID), strings.Replace(body, `,"watermark_column":"id"`, "", 1), 201, &whole)
			wpath := fmt.Sprintf("%s/processes/%d/sources/%d", base, q.ID, whole.ID)
			if whole = refreshed(t, maker, wpath, ""); whole.LastRows != 1_001_000 {
				t.Fatalf("the full import: %+v", whole)
			}
			got, want := versionLog(t, e.store, p.ID, inc.Version), versionLog(t, e.store, q.ID, whole.Version)
			if got.NumCases() != 100_100 || got.NumEvents() != 1_001_000 || got.NumCases() != want.NumCases() {
				t.Fatalf("%d cases, %d events; the full import %d, %d", got.NumCases(), got.NumEvents(), want.NumCases(), want.NumEvents())
			}
			if gm, wm := caseMap(got), caseMap(want); !maps.Equal(gm, wm) {
				for id, d := range wm {
					if gm[id] != d {
						t.Fatalf("case %s:\nincremental %s\nfull        %s", id, gm[id], d)
					}
				}
			}
			if c := caseMap(got)["c99999"]; strings.Count(c, "@") != 15 {
				t.Errorf("the case the new rows continue: %s", c)
			}

			// A refresh that fails keeps the last version.
			var versions struct{ Versions []store.Version }
			maker.json("GET", fmt.Sprintf("%s/processes/%d/data", base, p.ID), "", 200, &versions)
			if _, err := db.Exec(`ALTER TABLE events RENAME COLUMN activity TO step`); err != nil {
				t.Fatal(err)
			}
			failed := refreshed(t, maker, path, `{"full":true}`)
			if !strings.Contains(failed.LastError, `source "ERP events"`) || !strings.Contains(failed.LastError, `no column "activity"`) || failed.Version != inc.Version || failed.Watermark != inc.Watermark {
				t.Errorf("the failed refresh: %+v", failed)
			}
			var after struct{ Versions []store.Version }
			maker.json("GET", fmt.Sprintf("%s/processes/%d/data", base, p.ID), "", 200, &after)
			if len(after.Versions) != len(versions.Versions) || after.Versions[0].ID != inc.Version {
				t.Errorf("versions after the failed refresh: %+v, before %+v", after.Versions, versions.Versions)
			}
			var audit struct{ Entries []store.AuditEntry }
			root.json("GET", base+"/audit?action=data.source.refresh.failed", "", 200, &audit)
			if len(audit.Entries) != 1 || !strings.Contains(audit.Entries[0].Detail, `no column "activity"`) {
				t.Errorf("the audit of the failed refresh: %+v", audit.Entries)
			}
		})
	}
}

// TestDataSourceAccess: who may see, create, change, run and delete a
// process's sources, the deny cases first; the connection's password is
// never shown and is sealed in the store; a SQLite source reads a file
// of the sources folder and nothing outside it; a due schedule queues
// its refresh once.
func TestDataSourceAccess(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, prod, base := prodWithMaker(e)
			reader, readerID := e.user("reader", false)
			other, otherID := e.user("other", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, readerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, prod.Root), 200, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, otherID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)
			var p, q processJSON
			maker.json("POST", base+"/processes", `{"name":"ERP"}`, 201, &p)
			other.json("POST", base+"/processes", `{"name":"Other's"}`, 201, &q)
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, readerID), 200, nil)
			list := fmt.Sprintf("%s/processes/%d/sources", base, p.ID)

			// A SQLite file in the sources folder.
			db, err := sql.Open("sqlite", e.sources+"/erp.db")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{`CREATE TABLE events (id INTEGER PRIMARY KEY, case_id TEXT, activity TEXT, ts TEXT)`,
				`INSERT INTO events VALUES (1, 'c1', 'Receive', '2024-01-01T10:00:00Z'), (2, 'c1', 'Pay', '2024-01-02T10:00:00Z'), (3, 'c2', 'Receive', '2024-01-03T10:00:00Z')`} {
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			sqliteBody := `{"name":"ERP file","kind":"sqlite","connection":"erp.db","query":"SELECT * FROM events","mapping":{"case":"case_id","timestamp":"ts"},"watermark_column":"id"}`
			const secret = "s3cret-pw-4711"
			pgBody := `{"name":"ERP db","kind":"postgres","connection":"postgres://ann:` + secret + `@127.0.0.1:1/erp","query":"SELECT 1"}`

			// Denied: a report reader (Process Mining User, viewer share)
			// sees the process but no source; a maker without a share
			// does not see the process at all; a forged source id of
			// another process is not found.
			for _, c := range []struct {
				who          *client
				method, path string
				body         string
				want         int
			}{
				{reader, "GET", list, "", 403},
				{reader, "POST", list, sqliteBody, 403},
				{other, "GET", list, "", 404},
				{other, "POST", list, sqliteBody, 404},
				{maker, "POST", list, `{"name":"x","kind":"sqlite","connection":"../procmine.db","query":"SELECT 1"}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"sqlite","connection":"/etc/passwd","query":"SELECT 1"}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"postgres","connection":"postgres://ann@10.1.2.3/erp","query":"SELECT 1"}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"postgres","connection":"postgres://ann@127.0.0.1/erp?sslkey=/etc/ssl/private/key.pem","query":"SELECT 1"}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"sqlite","connection":"erp.db","query":"SELECT 1","schedule":"every day"}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"sqlite","connection":"erp.db","query":"SELECT 1","mapping":{"colour":"x"}}`, 422},
				{maker, "POST", list, `{"name":"x","kind":"oracle","connection":"erp.db","query":"SELECT 1"}`, 422},
				{maker, "GET", fmt.Sprintf("%s/processes/%d/sources", base, q.ID), "", 404},
			} {
				if code, body := c.who.do(c.method, c.path, c.body, nil); code != c.want {
					t.Errorf("%s %s %.80s: %d %s, want %d", c.method, c.path, c.body, code, body, c.want)
				}
			}
			// A custom role that gives sources but not the process's raw
			// data shows neither: a source's query and last error quote it.
			sourcer, sourcerID := e.user("sourcer", false)
			root.json("POST", base+"/roles", `{"name":"Source reader","privileges":{"process":{"read":"organization"},"reportview":{"read":"organization"},"datasource":{"read":"organization"}}}`, 201, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, sourcerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Source reader"]}`, prod.Root), 200, nil)
			if code, body := sourcer.do("GET", list, "", nil); code != 403 {
				t.Errorf("sources without raw data: %d %s", code, body)
			}
			var none struct{ Sources []sourceJSON }
			maker.json("GET", list, "", 200, &none)
			if len(none.Sources) != 0 {
				t.Fatalf("refused sources were kept: %+v", none.Sources)
			}

			// Allowed: the owner.
			var pg, file sourceJSON
			maker.json("POST", list, pgBody, 201, &pg)
			maker.json("POST", list, sqliteBody, 201, &file)
			code, body := maker.do("GET", list, "", nil)
			if code != 200 || strings.Contains(body, secret) || !strings.Contains(body, `"target":"127.0.0.1:1/erp"`) {
				t.Errorf("the list shows: %d %s", code, body)
			}
			// Sealed: no row of the database holds the password.
			if strings.Contains(rawDump(t, e), secret) {
				t.Error("the connection's password is stored in the clear")
			}
			filePath := fmt.Sprintf("%s/%d", list, file.ID)
			got := refreshed(t, maker, filePath, "")
			if got.LastError != "" || got.LastRows != 3 || got.Watermark != "3" {
				t.Fatalf("the SQLite source's refresh: %+v", got)
			}
			var report struct{ Cases, Events int }
			maker.json("GET", fmt.Sprintf("%s/processes/%d/report", base, p.ID), "", 200, &report)
			if report.Cases != 2 || report.Events != 3 {
				t.Errorf("the report after the refresh: %+v", report)
			}
			// A source without a watermark reads everything each time; what
			// it read unchanged is not stored again.
			var whole sourceJSON
			maker.json("POST", list, strings.Replace(sqliteBody, `,"watermark_column":"id"`, "", 1), 201, &whole)
			wholePath := fmt.Sprintf("%s/%d", list, whole.ID)
			first := refreshed(t, maker, wholePath, "")
			again := refreshed(t, maker, wholePath, "")
			if first.Version == 0 || again.Version != first.Version || again.LastRows != 3 || again.LastError != "" {
				t.Errorf("refreshed twice without a change: %+v, then %+v", first, again)
			}
			maker.json("DELETE", wholePath, "", 204, nil)
			// An unreachable database: the reason is on the source.
			if bad := refreshed(t, maker, fmt.Sprintf("%s/%d", list, pg.ID), ""); !strings.Contains(bad.LastError, "cannot connect") || strings.Contains(bad.LastError, secret) || bad.Version != 0 {
				t.Errorf("the unreachable source: %+v", bad)
			}

			// The reader still cannot run, change or delete a source.
			for _, m := range []struct{ method, path, body string }{
				{"GET", filePath, ""}, {"POST", filePath + "/refresh", ""}, {"PATCH", filePath, `{"name":"mine"}`}, {"DELETE", filePath, ""},
			} {
				if code, body := reader.do(m.method, m.path, m.body, nil); code != 403 {
					t.Errorf("reader %s %s: %d %s", m.method, m.path, code, body)
				}
				if code, body := other.do(m.method, m.path, m.body, nil); code != 404 {
					t.Errorf("other %s %s: %d %s", m.method, m.path, code, body)
				}
			}
			// A co-owner with a maker's role manages them.
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"co-owner"}`, otherID), 200, nil)
			// An editor other than the one the source reads as changes
			// what it reads only with a connection of their own.
			if code, body := other.do("PATCH", filePath, `{"query":"SELECT * FROM events WHERE id > 1"}`, nil); code != 422 || !strings.Contains(body, "takes its connection again") {
				t.Errorf("another's query with the creator's connection: %d %s", code, body)
			}
			for _, bad := range []string{`{"schedule":"* * * * *"}`, `{"query":"SELECT 1\u0000"}`, `{"watermark_column":"id\u0007"}`, `{"kind":"postgres"}`} {
				if code, body := other.do("PATCH", filePath, bad, nil); code != 422 {
					t.Errorf("PATCH %s: %d %s", bad, code, body)
				}
			}
			other.json("PATCH", filePath, `{"schedule":"*/5 * * * *"}`, 200, &got)
			if got.NextRun.IsZero() || got.NextRun.Sub(e.now) > 5*time.Minute {
				t.Errorf("next run %v, now %v", got.NextRun, e.now)
			}

			// The schedule: nothing is due now; ten minutes on, one
			// refresh is queued, and a second scheduler queues none.
			if n, err := e.srv.jobs.ScheduleDue(context.Background()); err != nil || n != 0 {
				t.Fatalf("before it is due: %d %v", n, err)
			}
			e.now = e.now.Add(10 * time.Minute)
			last := got.LastRun
			if n, err := e.srv.jobs.ScheduleDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("when due: %d %v", n, err)
			}
			if n, err := e.srv.jobs.ScheduleDue(context.Background()); err != nil || n != 0 {
				t.Fatalf("once queued: %d %v", n, err)
			}
			if ran := waitRun(t, maker, filePath, last); ran.LastError != "" || ran.LastRows != 0 || !ran.NextRun.After(e.now) {
				t.Errorf("the scheduled refresh: %+v", ran)
			}
			var audit struct{ Entries []store.AuditEntry }
			root.json("GET", base+"/audit?action=data.source.refresh", "", 200, &audit)
			var ofFile []store.AuditEntry
			for _, a := range audit.Entries {
				if strings.HasPrefix(a.Detail, fmt.Sprintf("source %d:", file.ID)) {
					ofFile = append(ofFile, a)
				}
			}
			if len(ofFile) != 2 || ofFile[1].Actor != "the schedule" || !strings.Contains(ofFile[1].Detail, "incremental refresh, 0 rows read") {
				t.Errorf("refresh audit: %+v", ofFile)
			}
			// A refresh asked for while one waits is the same refresh.
			if err := e.store.WithTx(context.Background(), func(tx *sql.Tx) error {
				ok, err := e.store.MarkQueued(context.Background(), tx, file.ID, time.Hour)
				if err == nil && !ok {
					err = fmt.Errorf("not marked")
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var asked struct {
				Queued  bool
				Message string
			}
			for range 3 {
				maker.json("POST", filePath+"/refresh", "", 202, &asked)
				if asked.Queued || !strings.Contains(asked.Message, "already queued or running") {
					t.Errorf("a refresh while one waits: %+v", asked)
				}
			}
			e.store.Unqueued(context.Background(), file.ID)
			// A refresh that read with settings changed since is dropped,
			// and its claim ends.
			claim, err := e.store.ClaimRefresh(context.Background(), file.ID, time.Hour)
			if err != nil || claim == 0 {
				t.Fatalf("claim: %d %v", claim, err)
			}
			stale, err := e.store.DataSourceToRefresh(context.Background(), file.ID)
			if err != nil {
				t.Fatal(err)
			}
			other.json("PATCH", filePath, `{"name":"ERP file, renamed"}`, 200, nil)
			if _, err := e.store.FinishRefresh(context.Background(), store.Refreshed{Source: file.ID, Process: p.ID, From: stale.Watermark, Revision: stale.Revision, Claim: claim}); err != store.ErrRefreshRaced {
				t.Errorf("a refresh of settings changed since: %v", err)
			}
			if running, _ := e.store.RefreshRunning(context.Background(), file.ID, time.Hour); !running {
				t.Error("the claim ended before its refresh did")
			}
			if err := e.store.ReleaseRefresh(context.Background(), file.ID, claim+1); err != nil {
				t.Fatal(err)
			}
			if running, _ := e.store.RefreshRunning(context.Background(), file.ID, time.Hour); !running {
				t.Error("another claim's release ended this one")
			}
			e.store.ReleaseRefresh(context.Background(), file.ID, claim)
			if running, _ := e.store.RefreshRunning(context.Background(), file.ID, time.Hour); running {
				t.Error("the claim was not released")
			}
			// The creator's connection given again: the source reads as
			// the editor now.
			var mine struct {
				RunsAs access.ID `json:"runs_as"`
			}
			other.json("PATCH", filePath, `{"connection":"erp.db","query":"SELECT * FROM events WHERE id > 1"}`, 200, &mine)
			if mine.RunsAs != otherID {
				t.Errorf("runs as %d, want %d", mine.RunsAs, otherID)
			}
			other.json("DELETE", filePath, "", 204, nil)
			if code, _ := maker.do("GET", filePath, "", nil); code != 404 {
				t.Errorf("a deleted source: %d", code)
			}
		})
	}
}

// BenchmarkSourceRefresh reads a million rows of a PostgreSQL table into
// a process (reported as full-ms), then, each iteration, adds a thousand
// rows and times their incremental refresh, from the request to the new
// version (p50-ms, max-ms), on each database the server may keep.
func BenchmarkSourceRefresh(b *testing.B) {
	for name, e := range serversQuiet(b) {
		b.Run(name, func(b *testing.B) {
			erp := storetest.PostgresDB(b)
			db, err := sql.Open("pgx", erp)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			erpEvents(b, db, 0, 1_000_000)
			_, maker, _, _, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"ERP"}`, 201, &p)
			var src sourceJSON
			maker.json("POST", fmt.Sprintf("%s/processes/%d/sources", base, p.ID), fmt.Sprintf(`{"name":"ERP events","kind":"postgres","connection":%q,"query":"SELECT * FROM events","mapping":{"case":"case_id","activity":"activity","timestamp":"ts","resource":"resource"},"watermark_column":"id"}`, erp), 201, &src)
			path := fmt.Sprintf("%s/processes/%d/sources/%d", base, p.ID, src.ID)
			start := time.Now()
			if s := refreshed(b, maker, path, ""); s.LastRows != 1_000_000 {
				b.Fatalf("the full refresh: %+v", s)
			}
			full := time.Since(start)
			next := 1_000_000
			var lat []time.Duration
			for b.Loop() {
				b.StopTimer()
				erpEvents(b, db, next, next+1000)
				next += 1000
				b.StartTimer()
				t0 := time.Now()
				if s := refreshed(b, maker, path, ""); s.LastRows != 1000 || s.LastError != "" {
					b.Fatalf("the incremental refresh: %+v", s)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(full.Milliseconds()), "full-ms")
			b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
		})
	}
}

// TestFolderSource: a folder of CSV exports as a process's source: the
// first refresh reads every file, the next only the file added since.
func TestFolderSource(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			_, maker, _, _, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"Exports"}`, 201, &p)
			dir := filepath.Join(e.sources, "exports")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			// Written a minute ago: a file is read once it has been left
			// alone for a few seconds.
			write := func(name, text string) {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				past := time.Now().Add(-time.Minute)
				os.Chtimes(path, past, past)
			}
			write("day-1.csv", "case,activity,time\n1,a,2024-01-01T10:00:00Z\n1,b,2024-01-01T11:00:00Z\n2,a,2024-01-01T12:00:00Z\n")
			write("day-2.csv", "case,activity,time\n2,b,2024-01-02T10:00:00Z\n")
			if code, body := maker.do("POST", fmt.Sprintf("%s/processes/%d/sources", base, p.ID), `{"name":"x","kind":"folder","connection":"exports","query":"../*.csv"}`, nil); code != 422 {
				t.Errorf("a pattern out of the folder: %d %s", code, body)
			}
			var src sourceJSON
			maker.json("POST", fmt.Sprintf("%s/processes/%d/sources", base, p.ID), `{"name":"Daily exports","kind":"folder","connection":"exports","query":"day-*.csv"}`, 201, &src)
			path := fmt.Sprintf("%s/processes/%d/sources/%d", base, p.ID, src.ID)
			if got := refreshed(t, maker, path, ""); got.LastError != "" || got.LastRows != 4 || got.Watermark != "day-2.csv" || src.Target != "exports/" {
				t.Fatalf("the first refresh: %+v (target %q)", got, src.Target)
			}
			write("day-3.csv", "case,activity,time\n3,a,2024-01-03T10:00:00Z\n3,b,2024-01-03T11:00:00Z\n")
			if got := refreshed(t, maker, path, ""); got.LastError != "" || got.LastRows != 2 || got.Watermark != "day-3.csv" {
				t.Fatalf("the second refresh: %+v", got)
			}
			var report struct{ Cases, Events int }
			maker.json("GET", fmt.Sprintf("%s/processes/%d/report", base, p.ID), "", 200, &report)
			if report.Cases != 3 || report.Events != 6 {
				t.Errorf("the report: %+v", report)
			}
		})
	}
}

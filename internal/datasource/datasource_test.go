package datasource

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// sqliteSource makes a SQLite file in a sources folder with a table of
// events, and returns the folder and the file's name.
func sqliteSource(t *testing.T, stmts ...string) (dir, name string) {
	t.Helper()
	dir = t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "erp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range append([]string{`CREATE TABLE events (id INTEGER PRIMARY KEY, case_id TEXT, activity TEXT, ts TEXT, resource TEXT, amount REAL, "case:region" TEXT, paid BOOLEAN)`,
		`INSERT INTO events VALUES
			(1, 'c1', 'Receive', '2024-01-01T10:00:00Z', 'Ann', 10.5, 'North', 1),
			(2, 'c1', 'Check', '2024-01-01T11:00:00+01:00', 'Bo', NULL, 'North', 0),
			(3, 'c2', 'Receive', '2024-01-02T09:00:00Z', NULL, 3, 'South', NULL),
			(4, 'c1', 'Pay', '2024-01-03T09:00:00Z', 'Ann', 7, 'North', 1)`}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return dir, "erp.db"
}

var mapping = csvlog.Mapping{Case: "case_id", Activity: "activity", Timestamp: "ts", Resource: "resource"}

// TestReadSQLite: a query's rows become events, typed columns kept
// typed, case:KEY a case attribute; the watermark is the largest id; an
// incremental read gets only the rows past it.
func TestReadSQLite(t *testing.T) {
	dir, name := sqliteSource(t)
	c := Config{SQLiteDir: dir}
	q := Query{Kind: SQLite, Connection: name, SQL: "SELECT * FROM events;", Mapping: mapping, WatermarkColumn: "id", Name: "erp"}
	res, err := c.Read(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	l := res.Log
	if res.Rows != 4 || l.NumCases() != 2 || l.NumEvents() != 4 || res.Watermark != (Watermark{Kind: "integer", Int: 4}) {
		t.Fatalf("%d rows, %d cases, %d events, watermark %+v", res.Rows, l.NumCases(), l.NumEvents(), res.Watermark)
	}
	lo, hi := l.Events(0)
	var acts []string
	for e := lo; e < hi; e++ {
		acts = append(acts, l.ActivityName(e))
	}
	// 11:00+01:00 is 10:00Z: Check ties with Receive and keeps row order.
	if strings.Join(acts, ",") != "Receive,Check,Pay" || l.End[lo+1] != l.End[lo] {
		t.Errorf("case c1: %v, times %v", acts, l.End[lo:hi])
	}
	if v, ok := l.CaseAttrs.Get(0, "region"); !ok || v.Str != "North" {
		t.Errorf("case attribute region: %v %v", v, ok)
	}
	if v, ok := l.EventAttrs.Get(int32(lo), "amount"); !ok || v.Kind != eventlog.KindFloat || v.Float() != 10.5 {
		t.Errorf("amount: %+v %v", v, ok)
	}
	if _, ok := l.EventAttrs.Get(int32(lo+1), "amount"); ok {
		t.Error("a NULL became an attribute")
	}
	if v, ok := l.EventAttrs.Get(int32(lo), "id"); !ok || v.Kind != eventlog.KindInt || v.Num != 1 {
		t.Errorf("id: %+v %v", v, ok)
	}

	// Two rows more; an incremental read sees them alone.
	db, _ := sql.Open("sqlite", filepath.Join(dir, name))
	if _, err := db.Exec(`INSERT INTO events VALUES (5, 'c2', 'Check', '2024-01-04T09:00:00Z', 'Bo', 1, 'South', 1), (6, 'c3', 'Receive', '2024-01-05T09:00:00Z', 'Cy', 2, 'East', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	q.After = res.Watermark
	inc, err := c.Read(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Rows != 2 || inc.Watermark.Int != 6 || inc.Log.NumCases() != 2 {
		t.Fatalf("incremental: %d rows, watermark %+v", inc.Rows, inc.Watermark)
	}
	q.After = inc.Watermark
	none, err := c.Read(context.Background(), q)
	if err != nil || none.Log != nil || none.Rows != 0 || none.Watermark != inc.Watermark {
		t.Fatalf("nothing new: %+v %v", none, err)
	}
}

// TestReadRefuses: what a source cannot be read as, each with a message
// that names the row and column, or the rule.
func TestReadRefuses(t *testing.T) {
	dir, name := sqliteSource(t, `CREATE TABLE blobs (c TEXT, a BLOB, t TEXT)`, `INSERT INTO blobs VALUES ('c1', x'ff00', '2024-01-01')`)
	os.WriteFile(filepath.Join(filepath.Dir(dir), "outside.db"), nil, 0o600)
	os.Symlink(filepath.Join(filepath.Dir(dir), "outside.db"), filepath.Join(dir, "link.db"))
	c := Config{SQLiteDir: dir, MaxRows: 3}
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{SQL: "SELECT * FROM events"}, "more than 3 rows"},
		{Query{SQL: "SELECT * FROM events WHERE id < 3", WatermarkColumn: "nope"}, `the watermark column is not among the query's columns`},
		{Query{SQL: "SELECT id, case_id, activity, id AS ts, resource FROM events WHERE id < 3"}, `row 1, column "ts": holds an integer, not a time`},
		{Query{SQL: "SELECT id, case_id, NULL AS activity, ts, resource FROM events WHERE id < 3"}, `row 1, column "activity": has no activity`},
		{Query{SQL: "SELECT id, case_id, activity, 'soon' AS ts, resource FROM events WHERE id < 3"}, `row 1, column "ts": "soon" is not a time`},
		{Query{SQL: "SELECT id, case_id, activity, ts, resource, NULL AS w FROM events WHERE id < 3", WatermarkColumn: "w"}, `row 1, column "w": has no value`},
		{Query{SQL: "SELECT c AS case_id, a AS activity, t AS ts, c AS resource FROM blobs"}, `column "activity": holds binary data`},
		{Query{SQL: "SELECT * FROM nowhere"}, "the query failed: "},
		// A second statement, of any kind, is refused before it runs;
		// what reaches the database may only read.
		{Query{SQL: "SELECT 1 AS c); ATTACH 'other.db' AS s; SELECT * FROM (SELECT 1"}, "one statement, without ';'"},
		{Query{SQL: "SELECT 1 AS c); PRAGMA query_only=0; COMMIT; UPDATE events SET activity = 'x'; SELECT * FROM (SELECT 1"}, "one statement, without ';'"},
		{Query{SQL: "WITH x AS (SELECT 1) SELECT * FROM pragma_table_info('events')"}, "the query failed"},
		{Query{SQL: "  ;"}, "the source has no query"},
		{Query{SQL: "DELETE FROM events"}, "the query failed"},
		{Query{Connection: "../outside.db", SQL: "SELECT 1"}, "a SQLite source names a file within the sources folder"},
		{Query{Connection: "/etc/passwd", SQL: "SELECT 1"}, "a SQLite source names a file within the sources folder"},
		{Query{Connection: "link.db", SQL: "SELECT 1"}, "leads out of the sources folder"},
		{Query{Connection: "missing.db", SQL: "SELECT 1"}, `no file "missing.db"`},
	} {
		q := tc.q
		q.Kind, q.Mapping, q.Name = SQLite, mapping, "erp"
		if q.Connection == "" {
			q.Connection = name
		}
		_, err := c.Read(context.Background(), q)
		var se *Error
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &se) {
			t.Errorf("%s: %v, want %q (a source's fault)", q.SQL, err, tc.want)
		}
	}
	// The rows are the source's, read-only: the DELETE above left them.
	res, err := Config{SQLiteDir: dir}.Read(context.Background(), Query{Kind: SQLite, Connection: name, SQL: "SELECT * FROM events", Mapping: mapping})
	if err != nil || res.Rows != 4 {
		t.Errorf("after the refused DELETE: %d rows, %v", res.Rows, err)
	}
	if _, err := (Config{}).Read(context.Background(), Query{Kind: SQLite, Connection: name, SQL: "SELECT 1"}); err == nil || !strings.Contains(err.Error(), "file sources are not allowed on this server") {
		t.Errorf("no sources folder: %v", err)
	}
}

// TestSQLiteTimeWatermark: a DATETIME column holding ISO text is the
// watermark as stored: the second incremental read finds nothing new
// (the driver would otherwise bind the time back in another text form,
// and every row would compare past it).
func TestSQLiteTimeWatermark(t *testing.T) {
	dir, name := sqliteSource(t, `CREATE TABLE stamped (c TEXT, a TEXT, at DATETIME)`,
		`INSERT INTO stamped VALUES ('c1', 'A', '2024-01-01T10:00:00Z'), ('c1', 'B', '2024-01-01T11:00:00Z')`)
	c := Config{SQLiteDir: dir}
	q := Query{Kind: SQLite, Connection: name, SQL: "SELECT c AS case_id, a AS activity, at AS ts FROM stamped", Mapping: csvlog.Mapping{Case: "case_id", Activity: "activity", Timestamp: "ts"}, WatermarkColumn: "ts"}
	first, err := c.Read(context.Background(), q)
	if err != nil || first.Rows != 2 || first.Watermark.String() != "2024-01-01T11:00:00Z" {
		t.Fatalf("first: %+v %v", first, err)
	}
	if _, ok := first.Log.EventAttrs.Get(0, WatermarkAlias); ok {
		t.Error("the watermark's copy became an attribute")
	}
	q.After = first.Watermark
	again, err := c.Read(context.Background(), q)
	if err != nil || again.Rows != 0 {
		t.Fatalf("again: %d rows, %v", again.Rows, err)
	}
}

// TestCheckPostgres: a PostgreSQL source reaches only the hosts the
// administrator lists, with a user, a host and a database of its own,
// and no parameter that makes the driver read a file of the server.
func TestCheckPostgres(t *testing.T) {
	c := Config{PostgresHosts: []string{"db.example.com", "10.0.0.5:5433"}}
	for _, tc := range []struct{ conn, want string }{
		{"postgres://ann:secret@db.example.com/erp", "db.example.com:5432/erp"},
		{"postgresql://ann@DB.example.com:6000/erp?sslmode=require", "DB.example.com:6000/erp"},
		{"postgres://ann:pw@10.0.0.5:5433/erp", "10.0.0.5:5433/erp"},
		{"postgres://ann:pw@10.0.0.5/erp", "error: the host 10.0.0.5:5432 is not one"},
		{"postgres://ann:pw@127.0.0.1/procmine", "error: the host 127.0.0.1:5432 is not one"},
		{"postgres://db.example.com/erp", "error: must name the user"},
		{"postgres://ann@/erp", "error: must name one host"},
		{"postgres://ann@db.example.com/", "error: must name the database"},
		{"postgres://ann@db.example.com/erp?sslrootcert=/etc/shadow", `error: the connection URL's parameter "sslrootcert" is not allowed`},
		{"postgres://ann@db.example.com/erp?host=/var/run/postgresql", `error: the connection URL's parameter "host" is not allowed`},
		{"mysql://ann@db.example.com/erp", "error: the connection must be a URL postgres://"},
		{"host=db.example.com user=ann", "error: the connection must be a URL postgres://"},
		// Go's parser drops a pair holding ';', which pgx would obey.
		{"postgres://ann:pw@db.example.com/erp?host=127.0.0.1,;", "error: the connection URL's parameters may not contain ';'"},
		{"postgres://ann:pw@db.example.com/erp?sslmode=disable&host=/var/run/postgresql,x;", "error: the connection URL's parameters may not contain ';'"},
		{"postgres://ann:pw@db.example.com/erp#x", "error: the connection must be a URL postgres://"},
	} {
		target, err := c.Check(Postgres, tc.conn)
		got := target
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tc.want) && !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) || (err == nil) != !strings.HasPrefix(tc.want, "error: ") {
			t.Errorf("%s: %q, want %q", tc.conn, got, tc.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("%s: the password is shown: %s", tc.conn, got)
		}
	}
	if _, err := (Config{}).Check(Postgres, "postgres://ann@db.example.com/erp"); err == nil || !strings.Contains(err.Error(), "PostgreSQL sources are not allowed on this server") {
		t.Errorf("no hosts: %v", err)
	}
	if _, err := (Config{PostgresHosts: []string{"*"}}).Check(Postgres, "postgres://ann@anything.example/erp"); err != nil {
		t.Errorf("*: %v", err)
	}
	if _, err := c.Check("oracle", "x"); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

// TestWatermark: the stored form reads back, and times compare as times.
func TestWatermark(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.FixedZone("", 3600))
	for _, w := range []Watermark{{}, {Kind: "time", Time: at}, {Kind: "integer", Int: -4}, {Kind: "number", Float: 2.5}, {Kind: "text", Text: "b"}} {
		got, err := DecodeWatermark(w.Encode())
		if err != nil || !got.Time.Equal(w.Time) || got.Kind != w.Kind || got.Int != w.Int || got.Float != w.Float || got.Text != w.Text {
			t.Errorf("%+v read back as %+v, %v", w, got, err)
		}
	}
	if !(Watermark{Kind: "time", Time: at}).Less(Watermark{Kind: "time", Time: at.Add(time.Nanosecond)}) {
		t.Error("times")
	}
	if _, err := MappingOf(map[string]string{"case": "c", "colour": "x"}); err == nil || !strings.Contains(err.Error(), `unknown mapping field "colour"`) {
		t.Errorf("MappingOf: %v", err)
	}
}

// TestConfine: what the server's environment and files would add to a
// source's connection is taken out: its password, client certificates,
// run-time options; a host other than the one checked is refused.
func TestConfine(t *testing.T) {
	t.Setenv("PGPASSWORD", "the server's own")
	t.Setenv("PGOPTIONS", "-c default_transaction_read_only=off")
	c := Config{PostgresHosts: []string{"db.example.com"}}
	u, err := c.postgresURL("postgres://ann@db.example.com/erp?sslmode=prefer")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig.Certificates = []tls.Certificate{{}}
	if err := c.confine(cfg, u); err != nil {
		t.Fatal(err)
	}
	if cfg.Password != "" || len(cfg.TLSConfig.Certificates) != 0 || cfg.RuntimeParams["default_transaction_read_only"] != "on" || len(cfg.RuntimeParams) != 2 {
		t.Errorf("password %q, certificates %d, parameters %v", cfg.Password, len(cfg.TLSConfig.Certificates), cfg.RuntimeParams)
	}
	cfg.Host = "127.0.0.1"
	if err := c.confine(cfg, u); err == nil {
		t.Error("a host other than the one checked was accepted")
	}
}

// TestFolder: a folder source reads its CSV and Parquet files in name
// order, and an incremental read the files after the last one read;
// links, folders and files that do not match are not read, and a bad
// file is named.
func TestFolder(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	os.Mkdir(exports, 0o700)
	// Files are read once they have been left alone for a few seconds:
	// these were written a minute ago.
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(exports, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-time.Minute)
		os.Chtimes(path, past, past)
	}
	write("2024-01-01.csv", "case_id,activity,ts\nc1,Receive,2024-01-01T10:00:00+01:00\nc1,Check,2024-01-01T11:00:00+01:00\n")
	write("2024-01-02.csv", "case_id,activity,ts\nc1,Pay,2024-01-02T10:00:00+01:00\nc2,Receive,2024-01-02T11:00:00+01:00\n")
	write("notes.txt", "not a log")
	write("2024-01-01.xes", "<log/>") // another pattern's
	os.WriteFile(filepath.Join(dir, "secret.csv"), []byte("case_id,activity,ts\nx,Leak,2024-01-01T00:00:00Z\n"), 0o600)
	os.Symlink(filepath.Join(dir, "secret.csv"), filepath.Join(exports, "2024-01-03.csv"))
	c := Config{SQLiteDir: dir}
	m := csvlog.Mapping{Case: "case_id", Activity: "activity", Timestamp: "ts"}
	q := Query{Kind: Folder, Connection: "exports", SQL: "*.csv", Mapping: m, Name: "exports"}
	if target, err := c.Check(Folder, "exports"); err != nil || target != "exports/" {
		t.Fatalf("check: %q %v", target, err)
	}
	full, err := c.Read(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if full.Rows != 4 || full.Log.NumCases() != 2 || full.Watermark.Text != "2024-01-02.csv" || full.Log.Offset(0) != 60 {
		t.Fatalf("full: %d rows, %d cases, watermark %+v", full.Rows, full.Log.NumCases(), full.Watermark)
	}
	for _, id := range full.Log.CaseIDs {
		if id == "x" {
			t.Error("a link out of the folder was read")
		}
	}
	write("2024-01-04.csv", "case_id,activity,ts\nc2,Check,2024-01-04T10:00:00Z\n")
	q.After = full.Watermark
	inc, err := c.Read(context.Background(), q)
	if err != nil || inc.Rows != 1 || inc.Watermark.Text != "2024-01-04.csv" {
		t.Fatalf("incremental: %+v %v", inc, err)
	}
	write("2024-01-05.csv", "case_id,activity,ts\nc3,Check,yesterday\n")
	q.After = inc.Watermark
	if _, err := c.Read(context.Background(), q); err == nil || !strings.Contains(err.Error(), `2024-01-05.csv:2: column "ts": "yesterday" is not a timestamp`) {
		t.Errorf("a bad file: %v", err)
	}
	// A file just written is left for the next refresh, with every file
	// after it.
	os.WriteFile(filepath.Join(exports, "2024-01-06.csv"), []byte("case_id,activity,ts\nc4,Check,2024-01-06T10:00:00Z\n"), 0o600)
	os.Remove(filepath.Join(exports, "2024-01-05.csv"))
	if fresh, err := c.Read(context.Background(), q); err != nil || fresh.Rows != 0 || fresh.Watermark != inc.Watermark {
		t.Errorf("a file being written: %+v %v", fresh, err)
	}
	if _, err := c.Read(context.Background(), Query{Kind: Folder, Connection: "exports", SQL: "2024-01-01.*", Mapping: m}); err == nil || !strings.Contains(err.Error(), "is not CSV, TSV or Parquet") {
		t.Errorf("an XES file matched: %v", err)
	}
	for _, bad := range []struct{ conn, pattern, want string }{
		{"exports", "../*.csv", "pattern of its files' names"},
		{"exports", "[", "malformed"},
		{"../", "*.csv", "names a file within the sources folder"},
		{"2024", "*.csv", `no file "2024"`},
		{"exports/2024-01-01.csv", "*.csv", "is not a folder"},
	} {
		if _, err := c.Read(context.Background(), Query{Kind: Folder, Connection: bad.conn, SQL: bad.pattern, Mapping: m}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s %s: %v, want %q", bad.conn, bad.pattern, err, bad.want)
		}
	}
}

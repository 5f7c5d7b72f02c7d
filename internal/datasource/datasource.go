// Package datasource reads a process's event data from a database: a SQL
// query against PostgreSQL or a SQLite file, run read-only, bounded in
// rows and time, with only the rows past the last refresh's watermark when
// the refresh is incremental. Which databases may be reached is the
// administrator's (Config): a source cannot be pointed at any host the
// server reaches, nor at any file it may read.
package datasource

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	// and registers the "sqlite" driver
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/sqliteread"
)

// The kinds of source.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Config is what the administrator allows.
type Config struct {
	// PostgresHosts are the hosts ("db.example.com" or
	// "db.example.com:5433") a PostgreSQL source may connect to; "*"
	// allows any. None allows no PostgreSQL source.
	PostgresHosts []string
	// SQLiteDir is the folder SQLite sources' files must be in; "" allows
	// no SQLite source.
	SQLiteDir string
	// MaxRows bounds the rows one refresh reads (DefaultMaxRows when 0).
	MaxRows int
	// Timeout bounds one query (DefaultTimeout when 0).
	Timeout time.Duration
}

// Defaults.
const (
	DefaultMaxRows = 20_000_000
	DefaultTimeout = 10 * time.Minute
)

// Error is a fault of the source (its connection, query or rows), which
// its owner must mend: the refresh fails with it rather than being tried
// again.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Check validates a source's connection against what the administrator
// allows, without connecting, and returns what may be shown of it: the
// host, port and database, or the file's name; never a password.
func (c Config) Check(kind, connection string) (target string, err error) {
	switch kind {
	case Postgres:
		u, err := c.postgresURL(connection)
		if err != nil {
			return "", err
		}
		return u.Host + u.Path, nil
	case SQLite:
		if _, err := c.sqlitePath(connection); err != nil {
			return "", err
		}
		return filepath.Clean(connection), nil
	case Folder:
		if _, err := c.folderPath(connection); err != nil {
			return "", err
		}
		return filepath.Clean(connection) + "/", nil
	}
	return "", errorf("unknown kind of source %q (postgres, sqlite or folder)", kind)
}

// allowedParams are the connection URL's parameters a source may set:
// none that makes the driver read a file of the server (certificates,
// keys, password and service files) or choose other hosts.
var allowedParams = []string{"sslmode", "connect_timeout", "application_name"}

// postgresURL checks a PostgreSQL URL: a user and a host of its own
// (the server's environment must not fill them in), an allowed host,
// and only allowed parameters.
func (c Config) postgresURL(connection string) (*url.URL, error) {
	u, err := url.Parse(connection)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Opaque != "" || u.Fragment != "" {
		return nil, errorf("the connection must be a URL postgres://user:password@host:port/database")
	}
	// Go's URL parser drops a query pair holding ';', which pgx's reads:
	// "?host=elsewhere,;" would pass the checks below and be obeyed.
	if strings.ContainsAny(u.RawQuery, ";") {
		return nil, errorf("the connection URL's parameters may not contain ';'")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, errorf("the connection URL must name the user")
	}
	host := u.Hostname()
	if host == "" || strings.Contains(host, ",") || strings.HasPrefix(host, "/") {
		return nil, errorf("the connection URL must name one host")
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, errorf("the connection URL must name the database")
	}
	for k := range u.Query() {
		if !slices.Contains(allowedParams, k) {
			return nil, errorf("the connection URL's parameter %q is not allowed (only %s)", k, strings.Join(allowedParams, ", "))
		}
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	if !c.hostAllowed(host, port) {
		if len(c.PostgresHosts) == 0 {
			return nil, errorf("PostgreSQL sources are not allowed on this server (the administrator lists the hosts they may reach: serve --source-hosts)")
		}
		return nil, errorf("the host %s is not one PostgreSQL sources may reach on this server (the administrator lists them: serve --source-hosts)", net.JoinHostPort(host, port))
	}
	u.Host = net.JoinHostPort(host, port)
	// What pgx is given is rebuilt from what was checked.
	u.RawQuery = u.Query().Encode()
	return u, nil
}

func (c Config) hostAllowed(host, port string) bool {
	for _, h := range c.PostgresHosts {
		switch {
		case h == "*":
			return true
		case strings.EqualFold(h, host):
			return true
		case strings.EqualFold(h, net.JoinHostPort(host, port)):
			return true
		}
	}
	return false
}

// sqlitePath is the file a SQLite source names, within SQLiteDir.
func (c Config) sqlitePath(name string) (string, error) {
	return c.inSourcesDir(name, "a SQLite source")
}

// inSourcesDir is the path name names within SQLiteDir, links resolved:
// refused when it leads out of it.
func (c Config) inSourcesDir(name, what string) (string, error) {
	if c.SQLiteDir == "" {
		return "", errorf("file sources are not allowed on this server (the administrator names the folder they are in: serve --source-dir)")
	}
	if !filepath.IsLocal(name) || strings.ContainsAny(name, "?#") {
		return "", errorf("%s names a file within the sources folder, by a relative path without '..', '?' or '#'", what)
	}
	dir, err := filepath.EvalSymlinks(c.SQLiteDir)
	if err != nil {
		return "", errorf("the server's sources folder cannot be read: the administrator must mend --source-dir")
	}
	path, err := filepath.EvalSymlinks(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return "", errorf("no file %q in the sources folder", name)
	} else if err != nil {
		return "", errorf("the file %q cannot be read", name)
	}
	if rel, err := filepath.Rel(dir, path); err != nil || !filepath.IsLocal(rel) {
		return "", errorf("the file %q leads out of the sources folder", name)
	}
	return path, nil
}

// Incremental tells whether refreshes of a source of this kind, with
// this watermark column, can read only what is new: a folder's by its
// files' names, a query's by its watermark column.
func Incremental(kind, watermarkColumn string) bool {
	return kind == Folder || watermarkColumn != ""
}

// CheckQuery checks a source's query as far as it can be without running
// it: a folder's pattern.
func CheckQuery(kind, query string) error {
	if kind == Folder {
		return checkPattern(strings.TrimSpace(query))
	}
	return nil
}

// Query is one refresh's read.
type Query struct {
	Kind, Connection, SQL string
	Mapping               csvlog.Mapping
	// WatermarkColumn names the column incremental refreshes go by; ""
	// reads every row each time.
	WatermarkColumn string
	// After reads only the rows whose watermark column is past it; the
	// zero Watermark reads every row.
	After Watermark
	// Name names the source in errors.
	Name string
}

// Result is what a refresh read.
type Result struct {
	Log       *eventlog.Log // nil when no row was read
	Rows      int
	Watermark Watermark // the largest value read; After when none
}

// Read runs the query, read-only, within the configured bounds, and
// reads its rows into a log.
func (c Config) Read(ctx context.Context, q Query) (Result, error) {
	maxRows := c.MaxRows
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if q.Kind == Folder {
		return c.readFolder(ctx, q, maxRows)
	}
	body := strings.TrimSpace(q.SQL)
	for strings.HasSuffix(body, ";") {
		body = strings.TrimSpace(strings.TrimSuffix(body, ";"))
	}
	if body == "" {
		return Result{}, errorf("the source has no query")
	}
	var db *sql.DB
	var conn *sql.Conn
	param := "?"
	switch q.Kind {
	case Postgres:
		u, err := c.postgresURL(q.Connection)
		if err != nil {
			return Result{}, err
		}
		cfg, err := pgx.ParseConfigWithOptions(u.String(), pgx.ParseConfigOptions{ParseConfigOptions: pgconn.ParseConfigOptions{
			ConnStringAllowedKeys: append([]string{"host", "port", "user", "password", "dbname"}, allowedParams...)}})
		if err != nil {
			return Result{}, errorf("the connection URL cannot be read: %v", err)
		}
		if err := c.confine(cfg, u); err != nil {
			return Result{}, err
		}
		db = stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(1)
		param = "$1"
		if conn, err = db.Conn(ctx); err != nil {
			db.Close()
			return Result{}, c.fault(ctx, "cannot connect", err, timeout)
		}
	case SQLite:
		// The driver runs every statement of a text: "…); ATTACH …;
		// UPDATE …" must not get that far.
		if strings.Contains(body, ";") {
			return Result{}, errorf("a SQLite source's query is one statement, without ';'")
		}
		path, err := c.sqlitePath(q.Connection)
		if err != nil {
			return Result{}, err
		}
		// No value longer than a CSV field may be; the file's views are
		// the administrator's, and read.
		if db, conn, err = sqliteread.Open(ctx, path, sqliteread.Options{MaxValue: eventlog.MaxField}); err != nil {
			return Result{}, c.fault(ctx, "cannot open the file", err, timeout)
		}
	default:
		return Result{}, errorf("unknown kind of source %q (postgres, sqlite or folder)", q.Kind)
	}
	defer db.Close()
	defer conn.Close()
	var querier interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	} = conn
	if q.Kind == Postgres {
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return Result{}, c.fault(ctx, "cannot connect", err, timeout)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", timeout.Milliseconds())); err != nil {
			return Result{}, c.fault(ctx, "cannot connect", err, timeout)
		}
		querier = tx
	}
	stmt := "SELECT * FROM (" + body + ") AS procmine_source"
	var args []any
	if q.WatermarkColumn != "" {
		col := quoteIdent(q.WatermarkColumn)
		// The watermark is read as the database stores it, beside the
		// column itself, and bound back so: SQLite's driver would turn a
		// DATETIME column's text into a time it then binds in another
		// text form, and the comparison would not be the column's.
		wm := col
		if q.Kind == SQLite {
			wm = "+" + col // an expression: its value as stored
		}
		stmt = "SELECT *, " + wm + " AS " + WatermarkAlias + " FROM (" + body + ") AS procmine_source"
		if q.After.Kind != "" {
			stmt += " WHERE " + col + " > " + param
			args = append(args, q.After.Arg())
		}
		stmt += " ORDER BY " + col
	}
	stmt += fmt.Sprintf(" LIMIT %d", maxRows+1)
	rows, err := querier.QueryContext(ctx, stmt, args...)
	if err != nil {
		return Result{}, c.fault(ctx, "the query failed", err, timeout)
	}
	defer rows.Close()
	m := q.Mapping
	m.Budget = eventlog.Budget{}
	l, wm, err := Read(rows, q.Name, m, q.WatermarkColumn, maxRows)
	if err != nil {
		var pe *eventlog.ParseError
		if errors.As(err, &pe) {
			return Result{}, &Error{pe.Error()}
		}
		return Result{}, c.fault(ctx, "reading the rows failed", err, timeout)
	}
	res := Result{Log: l, Watermark: wm}
	if l != nil {
		res.Rows = l.NumEvents()
	}
	if res.Watermark.Kind == "" {
		res.Watermark = q.After
	}
	return res, nil
}

// confine makes a parsed configuration what the URL says and nothing
// the server's environment or files add: the password from the URL alone
// (not PGPASSWORD nor a password file), no client certificate (pgx
// loads ~/.postgresql/postgresql.crt and PGSSLCERT, with which a server
// that trusts procmine's certificate would let the source in as
// procmine), no run-time parameters from PGOPTIONS, and every host it
// would try the one checked.
func (c Config) confine(cfg *pgx.ConnConfig, u *url.URL) error {
	cfg.Password, _ = u.User.Password()
	strip := func(t *tls.Config) *tls.Config {
		if t == nil {
			return nil
		}
		t = t.Clone()
		t.Certificates, t.GetClientCertificate = nil, nil
		return t
	}
	cfg.TLSConfig = strip(cfg.TLSConfig)
	for _, fb := range cfg.Fallbacks {
		if fb.Host != cfg.Host || fb.Port != cfg.Port {
			return errorf("the connection URL must name one host")
		}
		fb.TLSConfig = strip(fb.TLSConfig)
	}
	if strings.HasPrefix(cfg.Host, "/") || !c.hostAllowed(cfg.Host, strconv.Itoa(int(cfg.Port))) {
		return errorf("the host %s is not one PostgreSQL sources may reach on this server", cfg.Host)
	}
	app := cfg.RuntimeParams["application_name"]
	if app == "" {
		app = "procmine"
	}
	cfg.RuntimeParams = map[string]string{"default_transaction_read_only": "on", "application_name": app}
	cfg.KerberosSrvName, cfg.KerberosSpn = "", ""
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 30*time.Second {
		cfg.ConnectTimeout = 30 * time.Second
	}
	return nil
}

// fault says what went wrong with the database.
func (c Config) fault(ctx context.Context, what string, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errorf("%s: the query took longer than %s and was stopped", what, timeout)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errorf("%s: %v", what, err)
}

// WatermarkAlias names the copy of the watermark column a refresh's
// query adds; Read takes it for the watermark, and not for an attribute.
const WatermarkAlias = "procmine_watermark"

// quoteIdent quotes a column name for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

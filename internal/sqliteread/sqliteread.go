// Package sqliteread opens a SQLite file to read it and nothing else: a
// file someone else made (an uploaded OCEL log, a data source's
// database), read as SQLite advises for databases from untrusted
// sources. The connection is read-only, with query_only on,
// trusted_schema off (a view runs no function not marked harmless),
// cell_size_check on, no memory mapping, and no attached database.
// An authorizer also refuses, as each statement is compiled, every action
// but reading (no write, PRAGMA, ATTACH or transaction), and no value
// may be longer than a bound.
package sqliteread

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"modernc.org/sqlite" // and registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Options say what more a reader may do, and how far.
type Options struct {
	// MaxValue bounds one value, in bytes (zeroblob(1e9) is one query
	// away); required.
	MaxValue int
	// Pragmas are the pragmas (table-valued functions included) the
	// reader itself asks, such as table_info.
	Pragmas []string
	// NoViews refuses anything reached through a view or trigger of the
	// file, whose built-in functions can make values of any size.
	NoViews bool
	// Immutable opens a file no one else writes (an upload's copy):
	// nothing, not even a WAL file's -wal and -shm, is written beside it.
	Immutable bool
}

// Open opens the file at path for reading alone, on one connection,
// which the caller closes, then the database.
func Open(ctx context.Context, path string, o Options) (*sql.DB, *sql.Conn, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	if o.Immutable {
		q.Set("immutable", "1")
	}
	for _, p := range []string{"query_only(1)", "trusted_schema(0)", "cell_size_check(1)", "mmap_size(0)", "busy_timeout(5000)"} {
		q.Add("_pragma", p)
	}
	// SQLite reads the name as a URI: a ? in it would otherwise start
	// the options and drop mode=ro.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+escaped+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		err = guard(conn, o)
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

// guard installs the limits and the authorizer on the connection.
func guard(conn *sql.Conn, o Options) error {
	if o.MaxValue <= 0 {
		return fmt.Errorf("sqliteread: no bound on values")
	}
	if _, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_ATTACHED, 0); err != nil {
		return err
	}
	if _, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, o.MaxValue); err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("sqliteread: the SQLite driver has no authorizer (%T)", dc)
		}
		return r.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, arg1, _, _, via string) sqlite.AuthorizerReturnCode {
			switch {
			case o.NoViews && via != "":
				return sqlite.AuthorizerDeny
			case action == sqlite.AuthSelect, action == sqlite.AuthRead, action == sqlite.AuthFunction, action == sqlite.AuthRecursive:
				return sqlite.AuthorizerOK
			case action == sqlite.AuthPragma && slices.ContainsFunc(o.Pragmas, func(p string) bool { return strings.EqualFold(p, arg1) }):
				return sqlite.AuthorizerOK
			}
			return sqlite.AuthorizerDeny
		})
	})
}

package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"

	"github.com/procmine/procmine/internal/seal"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Store is procmine's database, SQLite or PostgreSQL.
type Store struct {
	db *sql.DB
	// wdb is the pool every write of the store goes through. On SQLite it
	// is one connection: writers queue for it in Go, for as long as their
	// context allows, instead of polling for the file's write lock with
	// SQLite's busy handler, which under load lets some writers lose
	// again and again until the busy timeout fails them (SQLITE_BUSY).
	// Reads use db, which WAL lets run beside the writer. On PostgreSQL
	// the two are one pool. Nothing may use wdb while holding one of its
	// transactions: store methods pass their *sql.Tx to their helpers.
	wdb      *sql.DB
	postgres bool
	dsn      string // PostgreSQL's, for the notification listener
	now      func() time.Time
	// keys seal blobs (event data, screenshots) at rest; nil stores them
	// as they are.
	keys *seal.Keyring
	// auth keeps what authorization reads (see authcache.go).
	auth authCache
	// objects keeps the large blobs when set (objects.go); nil keeps
	// them in the database.
	objects Objects
}

// UseKeys makes the store seal the blobs it writes with the ring's current
// key and open those it reads with any of its keys. Call it before use.
func (s *Store) UseKeys(k *seal.Keyring) { s.keys = k }

// Blob purposes. What is authenticated with a sealed blob is its purpose
// and its row (blobAD), so that a blob moved to another row, or another
// table, does not open.
const (
	blobEventLog     = "eventlog"
	blobScreenshot   = "screenshot"
	blobPseudonymKey = "pseudonym-key"
	blobKeyCheck     = "key-check"
	blobUpload       = "upload"
	blobModel        = "reference-model"
	blobStepTexts    = "step-texts"
	blobGraph        = "object-centric"
)

// blobAD names a blob's purpose and row: "screenshot:12:3".
func blobAD(purpose string, key ...any) string {
	var b strings.Builder
	b.WriteString(purpose)
	for _, k := range key {
		fmt.Fprintf(&b, ":%v", k)
	}
	return b.String()
}

func (s *Store) seal(purpose string, data []byte) []byte {
	if s.keys == nil || data == nil {
		return data
	}
	return s.keys.Seal(purpose, data)
}

func (s *Store) open(purpose string, data []byte) ([]byte, error) {
	if s.keys == nil {
		if seal.Sealed(data) {
			return nil, fmt.Errorf("store: a %s is encrypted and no key is configured", purpose)
		}
		return data, nil
	}
	// Every blob the store opens was read for this call alone: it is
	// opened where it lies.
	return s.keys.OpenInPlace(purpose, data)
}

// Open connects to a PostgreSQL URL (postgres://…) or opens the SQLite file
// at any other path, and brings the schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{now: func() time.Time { return time.Now().UTC() }}
	var (
		driver  string
		dialect goose.Dialect
		dir     string
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.postgres, driver, dialect, dir = true, "pgx", goose.DialectPostgres, "migrations/postgres"
		s.dsn = dsn
	} else {
		// WAL lets readers work during a write; the busy timeout and
		// immediate transactions keep concurrent writers from failing at
		// once with SQLITE_BUSY; foreign keys are off unless asked for;
		// secure_delete overwrites deleted content, so an erased
		// screenshot's bytes do not stay behind in free pages.
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(5000)", "foreign_keys(1)", "secure_delete(1)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		driver, dialect, dir = "sqlite", goose.DialectSQLite3, "migrations/sqlite"
		dsn = "file:" + dsn + "?" + q.Encode()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	s.db = db
	// database/sql keeps two idle connections unless told: under load
	// every other query would open a connection (a PostgreSQL backend, or
	// the SQLite file with its pragmas) and close it again.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	s.wdb = db
	if !s.postgres {
		if s.wdb, err = sql.Open(driver, dsn); err != nil {
			db.Close()
			return nil, err
		}
		s.wdb.SetMaxOpenConns(1)
		s.wdb.SetMaxIdleConns(1)
		s.wdb.SetConnMaxIdleTime(5 * time.Minute)
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		s.Close()
		return nil, err
	}
	p, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		s.Close()
		return nil, err
	}
	if _, err := p.Up(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: migrating: %w", err)
	}
	if err := s.migrateJobs(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: migrating the job queue: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ….
func (s *Store) rebind(q string) string {
	if !s.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// execer is the database or a transaction of it, to write with.
type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.wdb.ExecContext(ctx, s.rebind(q), args...)
}

// insert runs an INSERT and returns the new row's id.
func (s *Store) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := s.wdb.QueryRowContext(ctx, s.rebind(q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// ErrNotFound is returned for a record that does not exist, or that the
// caller may not see: the two are never told apart.
var ErrNotFound = errors.New("not found")

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Backup writes a consistent copy of the embedded database to path while
// the store is in use (SQLite's VACUUM INTO). PostgreSQL has pg_dump.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.postgres {
		return errors.New("store: back PostgreSQL up with pg_dump (see docs/operations.md)")
	}
	// A copy of the file alone would lack the blobs kept in a blob store.
	if named, err := s.namesObjects(ctx); err != nil {
		return err
	} else if named {
		return errors.New("store: this store keeps its event data and screenshots in a blob store, which a backup of the embedded store does not hold: back the bucket up with the database (see docs/operations.md)")
	}
	_, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

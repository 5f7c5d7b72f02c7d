package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Objects is a blob store beside the database (procmine serve
// --blob-store): it keeps the large blobs, a version's data, a screenshot
// and a chunk of a staged upload, one object each, sealed exactly as they
// would be in the database and bound to their row the same way. The
// database stays the source of truth: a row names its object (its object
// column), and an object no row names is garbage. Every object a row
// stops naming, deleted or replaced, is queued in blob_garbage by a
// trigger, in the transaction that drops it, and deleted from the blob
// store once that commits (collectObjects). Blobs stored before a blob
// store was configured stay in the database and are read from there.
type Objects interface {
	// Put stores data as the object name, which is new.
	Put(ctx context.Context, name string, data []byte) error
	// Get reads an object; one that does not exist is ErrNotFound, and
	// one of more than max bytes is refused before it is read. What it
	// returns is the caller's, made for this call: the store opens it
	// where it lies, overwriting it.
	Get(ctx context.Context, name string, max int64) ([]byte, error)
	// Delete deletes objects; one that does not exist is no error.
	Delete(ctx context.Context, names ...string) error
	// Walk calls fn for every object, with when it was stored.
	Walk(ctx context.Context, fn func(name string, stored time.Time) error) error
}

// UseObjects makes the store keep its large blobs in o from now on. Call
// it before use.
func (s *Store) UseObjects(o Objects) { s.objects = o }

// An object's name is its purpose, its row's key and a random part, so
// that a replaced blob never takes the name of the one it replaces (which
// the garbage queue deletes): "screenshot/12/3/5f0c…".
func objectName(purpose string, key ...any) string {
	var b strings.Builder
	b.WriteString(purpose)
	for _, k := range key {
		fmt.Fprintf(&b, "/%v", k)
	}
	var r [12]byte
	rand.Read(r[:])
	b.WriteByte('/')
	b.WriteString(hex.EncodeToString(r[:]))
	return b.String()
}

// objectAD is what an object's seal is bound to: its row, as a blob's in
// the database, and its name, so that an older object of the same row,
// kept by whoever can write to the bucket, does not open in place of the
// current one (an erased version brought back).
func objectAD(purpose, name string, key ...any) string {
	return blobAD(purpose, key...) + "@" + name
}

// objectMax bounds what reading an object may allocate, by purpose: more
// than the store ever writes (jobs.MaxStored for a version, a screenshot
// of recording.MaxPixels as PNG, a chunk). Whoever can write to the
// bucket cannot make a server allocate at will.
var objectMax = map[string]int64{
	blobEventLog:   1 << 30,
	blobScreenshot: 128 << 20,
	blobUpload:     uploadChunk + 1<<10,
}

// putBlob seals a blob for its row and returns what the row stores: with
// a blob store, an empty data column and the name of the new object that
// holds the blob; without, the sealed blob and no object. A caller whose
// transaction then fails calls unput, so that no object is left that no
// row names.
func (s *Store) putBlob(ctx context.Context, purpose string, data []byte, key ...any) ([]byte, sql.NullString, error) {
	return s.putSealed(ctx, purpose, func(ad string) []byte { return s.seal(ad, data) }, key...)
}

// putSealed is putBlob for a blob that sealFor seals for what it is bound
// to.
func (s *Store) putSealed(ctx context.Context, purpose string, sealFor func(ad string) []byte, key ...any) ([]byte, sql.NullString, error) {
	if s.objects == nil {
		return sealFor(blobAD(purpose, key...)), sql.NullString{}, nil
	}
	name := objectName(purpose, key...)
	sealed := sealFor(objectAD(purpose, name, key...))
	if sealed == nil {
		sealed = []byte{}
	}
	if err := s.objects.Put(ctx, name, sealed); err != nil {
		return nil, sql.NullString{}, fmt.Errorf("store: writing a %s to the blob store: %w", purpose, err)
	}
	return []byte{}, sql.NullString{String: name, Valid: true}, nil
}

// unput deletes an object putBlob stored for a row that was not written:
// the statement meant to write it failed with err. Only a failure that
// is sure to have written nothing (no row matched) deletes it; after any
// other, the row may be there after all (a connection lost during the
// commit), and the object is left to SweepObjects, which checks.
func (s *Store) unput(object sql.NullString, err error) {
	if object.Valid && s.objects != nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrJobEnded)) {
		s.objects.Delete(context.WithoutCancel(context.Background()), object.String)
	}
}

// puts are the objects stored for the rows of one transaction: those of
// a transaction that fails before its commit are deleted; after a failed
// commit, which may have committed all the same, they are left to
// SweepObjects.
//
//	p := &puts{s: s}
//	defer p.undo()
//	… p.put(…) …
//	return p.commit(tx)
type puts struct {
	s          *Store
	objects    []sql.NullString
	committing bool
}

func (p *puts) put(ctx context.Context, purpose string, data []byte, key ...any) ([]byte, sql.NullString, error) {
	return p.putSealed(ctx, purpose, func(ad string) []byte { return p.s.seal(ad, data) }, key...)
}

func (p *puts) putSealed(ctx context.Context, purpose string, sealFor func(ad string) []byte, key ...any) ([]byte, sql.NullString, error) {
	stored, object, err := p.s.putSealed(ctx, purpose, sealFor, key...)
	if object.Valid {
		p.objects = append(p.objects, object)
	}
	return stored, object, err
}

func (p *puts) commit(tx *sql.Tx) error {
	p.committing = true
	return tx.Commit()
}

func (p *puts) undo() {
	if p.committing || p.s.objects == nil {
		return
	}
	for _, o := range p.objects {
		p.s.objects.Delete(context.Background(), o.String)
	}
}

// getBlob returns a row's blob, opened: from its object when it names
// one, else from its data column.
func (s *Store) getBlob(ctx context.Context, purpose string, data []byte, object sql.NullString, key ...any) ([]byte, error) {
	if object.Valid {
		if s.objects == nil {
			return nil, fmt.Errorf("store: a %s is in a blob store and procmine was started without one (--blob-store)", purpose)
		}
		var err error
		if data, err = s.objects.Get(ctx, object.String, objectMax[purpose]); err != nil {
			return nil, fmt.Errorf("store: reading a %s from the blob store: %w", purpose, err)
		}
		return s.open(objectAD(purpose, object.String, key...), data)
	}
	return s.open(blobAD(purpose, key...), data)
}

// collectObjects deletes from the blob store the objects that rows no
// longer name (blob_garbage), and their entries once they are gone. It
// runs after every transaction that may drop an object, to its end even
// if the request that made it goes away, and every minute with the sweep
// of lost jobs, for what a server that stopped left queued. Without a
// blob store the queue waits for a server that has one.
func (s *Store) collectObjects(ctx context.Context) error {
	if s.objects == nil {
		return nil
	}
	// Bounded all the same: a blob store that hangs holds no request for
	// ever, and what is left queued is deleted by the next sweep.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), collectTimeout)
	defer cancel()
	for {
		names, err := s.strings(ctx, "SELECT name FROM blob_garbage ORDER BY name LIMIT 500")
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return nil
		}
		if err := s.objects.Delete(ctx, names...); err != nil {
			return fmt.Errorf("store: deleting objects from the blob store: %w", err)
		}
		args := make([]any, len(names))
		for i, n := range names {
			args[i] = n
		}
		if _, err := s.exec(ctx, "DELETE FROM blob_garbage WHERE name IN (?"+strings.Repeat(", ?", len(names)-1)+")", args...); err != nil {
			return err
		}
		if len(names) < 500 {
			return nil
		}
	}
}

// collectTimeout bounds one collection of queued objects.
const collectTimeout = 5 * time.Minute

// objectRows says, for each purpose kept in objects, where its rows are.
var objectRows = map[string]struct{ table, where string }{
	blobEventLog:   {"log_versions", "id = ?"},
	blobScreenshot: {"screenshots", "recording_id = ? AND n = ?"},
	blobUpload:     {"job_uploads", "job_id = ? AND seq = ?"},
}

// SweepObjects deletes the objects that no row names and that were
// stored before olderThan: those of a server that stopped between storing
// an object and committing its row, and those collectObjects could not
// delete. The age spares objects whose rows are still being written. It
// returns how many it deleted.
func (s *Store) SweepObjects(ctx context.Context, olderThan time.Time) (int, error) {
	if s.objects == nil {
		return 0, nil
	}
	if err := s.collectObjects(ctx); err != nil {
		return 0, err
	}
	var orphans []string
	err := s.objects.Walk(ctx, func(name string, stored time.Time) error {
		if !stored.Before(olderThan) {
			return nil
		}
		named, err := s.objectNamed(ctx, name)
		if err == nil && !named {
			orphans = append(orphans, name)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(orphans) > 0 {
		if err := s.objects.Delete(ctx, orphans...); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}

// objectNamed says whether the row an object's name points to names it.
// A name procmine did not make is not its own, and is left alone.
func (s *Store) objectNamed(ctx context.Context, name string) (bool, error) {
	parts := strings.Split(name, "/")
	rows, ok := objectRows[parts[0]]
	if !ok || len(parts) < 3 || strings.Count(rows.where, "?") != len(parts)-2 {
		return true, nil
	}
	var key []any
	for _, p := range parts[1 : len(parts)-1] {
		k, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return true, nil
		}
		key = append(key, k)
	}
	var object sql.NullString
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT object FROM "+rows.table+" WHERE "+rows.where), key...).Scan(&object)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return object.Valid && object.String == name, nil
}

// ObjectsNamed returns the names of the objects rows name, for operators
// and tests: what the blob store should hold, object for object.
func (s *Store) ObjectsNamed(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	for _, rows := range objectRows {
		names, err := s.strings(ctx, "SELECT object FROM "+rows.table+" WHERE object IS NOT NULL")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			out[n] = true
		}
	}
	return out, nil
}

// strings returns the first column of a query's rows.
func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// namesObjects says whether any row names an object.
func (s *Store) namesObjects(ctx context.Context) (bool, error) {
	for _, rows := range objectRows {
		var one int
		err := s.db.QueryRowContext(ctx, "SELECT 1 FROM "+rows.table+" WHERE object IS NOT NULL LIMIT 1").Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
}

// storeMark is the object that says which database a blob store is of.
const storeMark = "procmine-store"

// CheckObjects is called at start, once the blob store is configured or
// not. Without one, a database whose rows name objects is refused: every
// read of them would fail. With one, the store and the database must be
// each other's: the database keeps a mark (table blob_store) that the
// blob store keeps too (object procmine-store), made on first use of an
// empty one. A server given another bucket or prefix than its database's,
// which would read nothing and, sweeping, delete the other's objects, is
// refused, as is a second database given this one's.
func (s *Store) CheckObjects(ctx context.Context) error {
	if s.objects == nil {
		named, err := s.namesObjects(ctx)
		if err == nil && named {
			err = errors.New("this database keeps its event data and screenshots in a blob store: start procmine with the same --blob-store")
		}
		return err
	}
	var mark string
	err := s.db.QueryRowContext(ctx, "SELECT mark FROM blob_store WHERE id = 1").Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	held, err := s.objects.Get(ctx, storeMark, 1<<10)
	switch {
	case err != nil && !errors.Is(err, ErrNotFound):
		return fmt.Errorf("reading the blob store's mark: %w", err)
	case mark != "" && err == nil && string(held) == mark:
		return nil
	case mark != "" && err != nil:
		return errors.New("the blob store does not hold this database's objects (it has no procmine-store mark): give procmine the bucket and prefix this database was started with")
	case err == nil:
		return errors.New("the blob store belongs to another procmine database (its procmine-store mark is not this database's): give each database a bucket or prefix of its own")
	}
	// Neither has a mark: the blob store is new to procmine, and must be
	// empty.
	errFound := errors.New("found")
	switch err := s.objects.Walk(ctx, func(string, time.Time) error { return errFound }); {
	case errors.Is(err, errFound):
		// Unless another server of this database marked it just now.
		if s.db.QueryRowContext(ctx, "SELECT mark FROM blob_store WHERE id = 1").Scan(&mark) == nil {
			if held, err := s.objects.Get(ctx, storeMark, 1<<10); err == nil && string(held) == mark {
				return nil
			}
		}
		return errors.New("the blob store already holds objects that are not procmine's: give procmine an empty bucket or prefix of its own")
	case err != nil:
		return err
	}
	var r [16]byte
	rand.Read(r[:])
	// Two servers starting at once on a new database agree on the first
	// mark written.
	if _, err := s.exec(ctx, "INSERT INTO blob_store (id, mark) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", hex.EncodeToString(r[:])); err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT mark FROM blob_store WHERE id = 1").Scan(&mark); err != nil {
		return err
	}
	return s.objects.Put(ctx, storeMark, []byte(mark))
}

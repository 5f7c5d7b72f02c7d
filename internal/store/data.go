package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/seal"
)

// Version is one uploaded version of a process's event data.
type Version struct {
	ID      access.ID `json:"id"`
	Created time.Time `json:"created_at"`
	By      access.ID `json:"created_by"`
	Source  string    `json:"source"`
	Cases   int       `json:"cases"`
	Events  int       `json:"events"`
	// Resident is what the version takes in memory once loaded, in
	// bytes (eventlog.Resident of the log and its instance view); 0
	// when not measured yet: imported before procmine measured, or
	// rewritten since (erasure, a privacy policy).
	Resident int64 `json:"-"`
	// ObjectCentric is the graph of the object-centric log the version
	// was flattened from (ocel.Graph in JSON); "" for any other.
	ObjectCentric string `json:"-"`
}

// AddVersion stores a new version of a process's log, encoded.
func (s *Store) AddVersion(ctx context.Context, process access.ID, v Version, data []byte) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	p := &puts{s: s}
	defer p.undo()
	id, err := s.addVersion(ctx, tx, p, process, v, data, false)
	if err != nil {
		return 0, err
	}
	return id, p.commit(tx)
}

// addVersion makes the version's row first and writes its data once its
// id, which the seal binds, is known. With room, data has room for its
// seal around it (Imported.Room) and is sealed where it lies.
func (s *Store) addVersion(ctx context.Context, tx *sql.Tx, p *puts, process access.ID, v Version, data []byte, room bool) (access.ID, error) {
	if err := s.dataChanged(ctx, tx, process); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, s.rebind("INSERT INTO log_versions (process_id, created_at, created_by, source, cases, events, resident, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		process, s.now().UnixNano(), v.By, v.Source, v.Cases, v.Events, v.Resident, []byte{}).Scan(&id)
	if err != nil {
		return 0, err
	}
	if v.ObjectCentric != "" {
		// Sealed as the log is, bound to its version.
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE log_versions SET object_centric = ? WHERE id = ?"), s.seal(blobAD(blobGraph, id), []byte(v.ObjectCentric)), id); err != nil {
			return 0, err
		}
	}
	sealFor := func(ad string) []byte { return s.seal(ad, data) }
	if room {
		sealFor = func(ad string) []byte {
			if s.keys == nil {
				return data[seal.Headroom:]
			}
			return s.keys.SealInPlace(ad, data)
		}
	}
	stored, object, err := p.putSealed(ctx, blobEventLog, sealFor, id)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, s.rebind("UPDATE log_versions SET data = ?, object = ? WHERE id = ?"), stored, object, id)
	return access.ID(id), err
}

// Versions lists a process's versions, newest first.
func (s *Store) Versions(ctx context.Context, process access.ID) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT id, created_at, created_by, source, cases, events, resident FROM log_versions WHERE process_id = ? ORDER BY id DESC"), process)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		var at int64
		if err := rows.Scan(&v.ID, &at, &v.By, &v.Source, &v.Cases, &v.Events, &v.Resident); err != nil {
			return nil, err
		}
		v.Created = time.Unix(0, at).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// loadLatestVersion returns the id of a process's newest version; a process
// without data is ErrNotFound.
func (s *Store) loadLatestVersion(ctx context.Context, process access.ID) (access.ID, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT id FROM log_versions WHERE process_id = ? ORDER BY id DESC LIMIT 1"), process).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return access.ID(id), err
}

// VersionData returns the encoded log of a version of the process.
func (s *Store) VersionData(ctx context.Context, process, version access.ID) ([]byte, error) {
	data, object, err := s.versionBlob(ctx, process, version)
	if err != nil {
		return nil, err
	}
	return s.getBlob(ctx, blobEventLog, data, object, version)
}

// versionBlob reads a version's data column and object. A version's data
// is hundreds of megabytes at the scale procmine is made for, and every
// copy of it is that much memory touched for the first time (about 2 s
// for 260 MB on this project's machines): database/sql's own copy of a
// []byte is skipped by scanning into sql.RawBytes. SQLite's driver
// (modernc.org/sqlite, conn.columnBlob) hands each blob in a slice made
// for it, which the store may keep; PostgreSQL's (pgx) hands its read
// buffer, which is copied.
func (s *Store) versionBlob(ctx context.Context, process, version access.ID) ([]byte, sql.NullString, error) {
	var object sql.NullString
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT data, object FROM log_versions WHERE process_id = ? AND id = ?"), process, version)
	if err != nil {
		return nil, object, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, object, err
		}
		return nil, object, ErrNotFound
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw, &object); err != nil {
		return nil, object, err
	}
	data := []byte(raw)
	if s.postgres {
		data = bytes.Clone(data)
	}
	return data, object, rows.Close()
}

// VersionGraph returns the object-centric graph a version keeps
// (Version.ObjectCentric); "" when it was not flattened from one.
func (s *Store) VersionGraph(ctx context.Context, process, version access.ID) (string, error) {
	var g []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT object_centric FROM log_versions WHERE process_id = ? AND id = ?"), process, version).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil || g == nil {
		return "", err
	}
	plain, err := s.open(blobAD(blobGraph, version), g)
	return string(plain), err
}

// VersionResident returns what a version of the process takes in memory
// once loaded, as measured at its import (Version.Resident; 0 when not
// measured), without reading its data.
func (s *Store) VersionResident(ctx context.Context, process, version access.ID) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT resident FROM log_versions WHERE process_id = ? AND id = ?"), process, version).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return n, err
}

// SetVersionResident records what a version not measured yet takes in
// memory once loaded (see VersionResident).
func (s *Store) SetVersionResident(ctx context.Context, process, version access.ID, n int64) error {
	_, err := s.wdb.ExecContext(ctx, s.rebind("UPDATE log_versions SET resident = ? WHERE process_id = ? AND id = ? AND resident = 0"), n, process, version)
	return err
}

// DeleteVersion deletes a version of the process.
func (s *Store) DeleteVersion(ctx context.Context, process, version access.ID) error {
	if err := s.changeVersion(ctx, version, "DELETE FROM log_versions WHERE process_id = ? AND id = ?", process, version); err != nil {
		return err
	}
	return s.Erased(ctx) // deleting a version is the remedy for a name erasure cannot take
}

// Job is background work: its state, progress and, when it failed, why.
type Job struct {
	ID       access.ID `json:"id"`
	Env      access.ID `json:"environment"`
	Process  access.ID `json:"process"`
	User     access.ID `json:"-"`
	Kind     string    `json:"kind"`
	State    string    `json:"state"` // queued, running, done, failed
	Progress float64   `json:"progress"`
	Error    string    `json:"error,omitempty"`
	Version  access.ID `json:"version,omitempty"`
}

// JobOf returns a job of the user; anyone else's is ErrNotFound.
func (s *Store) JobOf(ctx context.Context, user, id access.ID) (Job, error) {
	var j Job
	var version sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT id, env_id, process_id, user_id, kind, state, progress, error, version_id FROM jobs WHERE id = ? AND user_id = ?"), id, user).
		Scan(&j.ID, &j.Env, &j.Process, &j.User, &j.Kind, &j.State, &j.Progress, &j.Error, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	j.Version = access.ID(version.Int64)
	return j, err
}

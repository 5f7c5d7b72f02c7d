package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// DataSource is a process's database source (see package datasource):
// what it reads, how its columns map, when it refreshes, and how its last
// refresh went. Its connection is sealed in the store and read only by
// the refresh (DataSourceToRefresh), never shown.
type DataSource struct {
	ID      access.ID `json:"id"`
	Process access.ID `json:"process"`
	Env     access.ID `json:"-"`
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	// Target is what may be shown of the connection: host, port and
	// database, or the file's name.
	Target string `json:"target"`
	// Connection is the URL or path, with its credentials: set only by
	// DataSourceToRefresh, and when creating or changing one.
	Connection      string            `json:"-"`
	Query           string            `json:"query"`
	Mapping         map[string]string `json:"mapping"`
	WatermarkColumn string            `json:"watermark_column,omitempty"`
	Schedule        string            `json:"schedule,omitempty"`
	NextRun         time.Time         `json:"next_run_at,omitzero"`
	// Watermark is the largest watermark value read so far, encoded
	// (datasource.Watermark.Encode); "" for none.
	Watermark string    `json:"-"`
	Version   access.ID `json:"version,omitempty"`
	LastRun   time.Time `json:"last_run_at,omitzero"`
	LastRows  int       `json:"last_rows"`
	LastError string    `json:"last_error,omitempty"`
	// CreatedBy is the user the source reads as, with their rights and
	// the connection they gave: its creator, or whoever last gave it a
	// connection.
	CreatedBy access.ID `json:"runs_as"`
	Created   time.Time `json:"created_at"`
	// Revision counts the changes of its settings (UpdateDataSource).
	Revision int64 `json:"-"`
	// Claim is the refresh's claim (ClaimRefresh), for the refresh alone.
	Claim int64 `json:"-"`
}

// MaxDataSources is how many sources one process has.
const MaxDataSources = 20

// ErrTooManySources refuses a source beyond MaxDataSources.
var ErrTooManySources = errors.New("a process has at most 20 data sources: delete one first")

// ErrRefreshRaced is a refresh that finished after another one of the
// same source, or after the source was changed: what it read is dropped.
var ErrRefreshRaced = errors.New("store: the source changed during its refresh")

const blobSourceConnection = "source-connection"

const sourceColumns = "d.id, d.process_id, p.env_id, d.name, d.kind, d.target, d.query, d.mapping, d.watermark_column, d.schedule, d.next_run_at, d.watermark, d.version_id, d.last_run_at, d.last_rows, d.last_error, d.created_by, d.created_at, d.revision"

func scanSource(row interface{ Scan(...any) error }, extra ...any) (DataSource, error) {
	var d DataSource
	var mapping string
	var next, version, lastRun sql.NullInt64
	var created int64
	err := row.Scan(append([]any{&d.ID, &d.Process, &d.Env, &d.Name, &d.Kind, &d.Target, &d.Query, &mapping, &d.WatermarkColumn, &d.Schedule, &next, &d.Watermark, &version, &lastRun, &d.LastRows, &d.LastError, &d.CreatedBy, &created, &d.Revision}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(mapping), &d.Mapping); err != nil {
		return d, err
	}
	if next.Valid {
		d.NextRun = time.Unix(0, next.Int64).UTC()
	}
	if lastRun.Valid {
		d.LastRun = time.Unix(0, lastRun.Int64).UTC()
	}
	d.Version = access.ID(version.Int64)
	d.Created = time.Unix(0, created).UTC()
	return d, nil
}

// CreateDataSource adds a source to a process, its connection sealed, and
// returns it as kept.
func (s *Store) CreateDataSource(ctx context.Context, d DataSource, audit AuditEntry) (DataSource, error) {
	mapping, err := json.Marshal(d.Mapping)
	if err != nil {
		return d, err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return d, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM data_sources WHERE process_id = ?"), d.Process).Scan(&n); err != nil {
		return d, err
	}
	if n >= MaxDataSources {
		return d, ErrTooManySources
	}
	now := s.now()
	err = tx.QueryRowContext(ctx, s.rebind(`INSERT INTO data_sources (process_id, name, kind, target, connection, query, mapping, watermark_column, schedule, next_run_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		d.Process, d.Name, d.Kind, d.Target, []byte{}, d.Query, string(mapping), d.WatermarkColumn, d.Schedule, nullTime(d.NextRun), d.CreatedBy, now.UnixNano()).Scan(&d.ID)
	if err != nil {
		return d, err
	}
	// The seal binds the row: a connection copied to another source does
	// not open.
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET connection = ? WHERE id = ?"), s.seal(blobAD(blobSourceConnection, d.ID), []byte(d.Connection)), d.ID); err != nil {
		return d, err
	}
	audit.Detail = auditSource(d.ID, audit.Detail)
	if err := s.audit(ctx, tx, audit); err != nil {
		return d, err
	}
	d.Created = time.Unix(0, now.UnixNano()).UTC()
	d.Connection = ""
	return d, tx.Commit()
}

func auditSource(id access.ID, detail string) string {
	out := AuditTarget("source", id)
	if detail != "" {
		out += ": " + detail
	}
	return out
}

func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// DataSources lists a process's sources, by name.
func (s *Store) DataSources(ctx context.Context, process access.ID) ([]DataSource, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT "+sourceColumns+" FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE d.process_id = ? ORDER BY d.name, d.id"), process)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DataSource{}
	for rows.Next() {
		d, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DataSource returns a source of the process (without its connection);
// another process's is ErrNotFound.
func (s *Store) DataSource(ctx context.Context, process, id access.ID) (DataSource, error) {
	return scanSource(s.db.QueryRowContext(ctx, s.rebind("SELECT "+sourceColumns+" FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE d.process_id = ? AND d.id = ?"), process, id))
}

// DataSourceToRefresh returns a source with its connection opened, for
// its refresh alone.
func (s *Store) DataSourceToRefresh(ctx context.Context, id access.ID) (DataSource, error) {
	var sealed []byte
	d, err := scanSource(s.db.QueryRowContext(ctx, s.rebind("SELECT "+sourceColumns+", d.connection FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE d.id = ?"), id), &sealed)
	if err != nil {
		return d, err
	}
	conn, err := s.open(blobAD(blobSourceConnection, id), sealed)
	if err != nil {
		return d, err
	}
	d.Connection = string(conn)
	return d, nil
}

// UpdateDataSource writes a source's settings; a Connection, when set,
// replaces the sealed one, and the source then reads as d.CreatedBy. A change of what is read (connection, query,
// mapping or watermark column) forgets the watermark, so that the next
// refresh reads everything again.
func (s *Store) UpdateDataSource(ctx context.Context, d DataSource, reread bool, audit AuditEntry) error {
	mapping, err := json.Marshal(d.Mapping)
	if err != nil {
		return err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.changed(tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET name = ?, target = ?, query = ?, mapping = ?, watermark_column = ?, schedule = ?, next_run_at = ?, revision = revision + 1 WHERE id = ? AND process_id = ?"),
		d.Name, d.Target, d.Query, string(mapping), d.WatermarkColumn, d.Schedule, nullTime(d.NextRun), d.ID, d.Process)); err != nil {
		return err
	}
	if d.Connection != "" {
		// Whoever gives the connection is whom the source reads as.
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET connection = ?, created_by = ? WHERE id = ?"), s.seal(blobAD(blobSourceConnection, d.ID), []byte(d.Connection)), d.CreatedBy, d.ID); err != nil {
			return err
		}
	}
	if reread {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET watermark = '', version_id = NULL WHERE id = ?"), d.ID); err != nil {
			return err
		}
	}
	audit.Detail = auditSource(d.ID, audit.Detail)
	if err := s.audit(ctx, tx, audit); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteDataSource deletes a source of the process.
func (s *Store) DeleteDataSource(ctx context.Context, process, id access.ID, audit AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.changed(tx.ExecContext(ctx, s.rebind("DELETE FROM data_sources WHERE id = ? AND process_id = ?"), id, process)); err != nil {
		return err
	}
	audit.Detail = auditSource(id, audit.Detail)
	if err := s.audit(ctx, tx, audit); err != nil {
		return err
	}
	return tx.Commit()
}

// ClaimRefresh marks a refresh of the source under way, unless one
// already is (0): one refresh of a source runs at a time, on any server.
// A claim older than stale is taken over: its server died. It returns
// the claim, which ends the refresh's own claim and no later one.
func (s *Store) ClaimRefresh(ctx context.Context, source access.ID, stale time.Duration) (int64, error) {
	now := s.now().UnixNano()
	res, err := s.exec(ctx, "UPDATE data_sources SET running_since = ?, queued_at = NULL WHERE id = ? AND (running_since IS NULL OR running_since < ?)",
		now, source, now-int64(stale))
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, err
	}
	return now, nil
}

// MarkQueued notes, in tx (with the queue's entry), that a refresh of the
// source is waiting, unless one already is (false): asking again and
// again queues one refresh, not one each time. A mark older than stale is
// taken over (its entry was lost). ClaimRefresh clears it.
func (s *Store) MarkQueued(ctx context.Context, tx *sql.Tx, source access.ID, stale time.Duration) (bool, error) {
	now := s.now().UnixNano()
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET queued_at = ? WHERE id = ? AND (queued_at IS NULL OR queued_at < ?)"), now, source, now-int64(stale))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Unqueued clears the mark of a waiting refresh that will not run: its
// entry found another refresh of the source under way.
func (s *Store) Unqueued(ctx context.Context, source access.ID) error {
	_, err := s.exec(ctx, "UPDATE data_sources SET queued_at = NULL WHERE id = ?", source)
	return err
}

// ReleaseRefresh ends a claim that neither FinishRefresh nor FailRefresh
// ended (a refresh to be tried again), if it is still this one.
func (s *Store) ReleaseRefresh(ctx context.Context, source access.ID, claim int64) error {
	_, err := s.exec(ctx, "UPDATE data_sources SET running_since = NULL WHERE id = ? AND running_since = ?", source, claim)
	return err
}

// RefreshRunning tells whether a refresh of the source is under way.
func (s *Store) RefreshRunning(ctx context.Context, source access.ID, stale time.Duration) (bool, error) {
	var since sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT running_since FROM data_sources WHERE id = ?"), source).Scan(&since)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	return since.Valid && since.Int64 >= s.now().Add(-stale).UnixNano(), err
}

// DueSource is a source whose scheduled refresh is due.
type DueSource struct {
	ID       access.ID
	Schedule string
	Due      time.Time
}

// DueDataSources returns the sources whose next scheduled refresh is at
// or before now, the longest due first, at most limit of them.
func (s *Store) DueDataSources(ctx context.Context, now time.Time, limit int) ([]DueSource, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT id, schedule, next_run_at FROM data_sources WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at LIMIT ?"), now.UnixNano(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueSource
	for rows.Next() {
		var d DueSource
		var due int64
		if err := rows.Scan(&d.ID, &d.Schedule, &due); err != nil {
			return nil, err
		}
		d.Due = time.Unix(0, due).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// ScheduleDataSource sets when a source refreshes next, in tx (with the
// queue's entry for the refresh that is due), unless it is no longer due
// at due: another server's scheduler then did it first. It reports
// whether it did.
func (s *Store) ScheduleDataSource(ctx context.Context, tx *sql.Tx, id access.ID, due, next time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET next_run_at = ? WHERE id = ? AND next_run_at = ?"), nullTime(next), id, due.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// WithTx runs f in a transaction of the store's database.
func (s *Store) WithTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Refreshed is what a source's refresh read.
type Refreshed struct {
	Source, Process access.ID
	// From and Revision are the watermark and settings the refresh
	// started from: it is kept only if the source still has them
	// (ErrRefreshRaced otherwise); Claim is its claim.
	From, Watermark string
	Revision, Claim int64
	Rows            int
	// Data, when set, is the new version's encoded log, with room for its
	// seal (Imported.Room); nil when the refresh found no new row.
	Data    []byte
	Version Version
	Audit   func(version access.ID) AuditEntry
}

// FinishRefresh stores a refresh's version, and the source's new
// watermark and state, in one transaction: a version without its
// watermark, or the other way round, is never seen.
func (s *Store) FinishRefresh(ctx context.Context, r Refreshed) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	p := &puts{s: s}
	defer p.undo()
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	var from string
	var version, revision, claim sql.NullInt64
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT watermark, version_id, revision, running_since FROM data_sources WHERE id = ? AND process_id = ?"+lock), r.Source, r.Process).Scan(&from, &version, &revision, &claim); errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, err
	}
	if from != r.From || revision.Int64 != r.Revision || claim.Int64 != r.Claim {
		return 0, ErrRefreshRaced
	}
	id := access.ID(version.Int64)
	if r.Data != nil {
		if id, err = s.addVersion(ctx, tx, p, r.Process, r.Version, r.Data, true); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET watermark = ?, version_id = ?, last_run_at = ?, last_rows = ?, last_error = '', running_since = NULL WHERE id = ?"),
		r.Watermark, nullID(id), s.now().UnixNano(), r.Rows, r.Source); err != nil {
		return 0, err
	}
	if r.Audit != nil {
		if err := s.audit(ctx, tx, r.Audit(id)); err != nil {
			return 0, err
		}
	}
	if err := p.commit(tx); err != nil {
		return 0, err
	}
	return id, nil
}

// FailRefresh records why a source's refresh failed, on the source and
// in the audit log; its last version and watermark stay. A refresh whose
// source's settings changed since it started (revision), or whose claim
// was taken over, records nothing (ErrRefreshRaced): its reason is not
// the source's any more.
func (s *Store) FailRefresh(ctx context.Context, source access.ID, revision, claim int64, reason string, audit AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE data_sources SET last_run_at = ?, last_rows = 0, last_error = ?, running_since = NULL WHERE id = ? AND revision = ? AND running_since = ?"), s.now().UnixNano(), reason, source, revision, claim)
	if err := noRowIs(res, err, ErrRefreshRaced); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, audit); err != nil {
		return err
	}
	return tx.Commit()
}

package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/procmine/procmine/internal/access"
)

// The background work itself is queued in River's tables, beside ours:
// its driver is the store's database, so that a job is enqueued in the
// same transaction as the rows it works on, and any server of the
// database may run it. The jobs table is what users see of it: state,
// progress, and why it failed.

// JobDriver is River's driver for the store's database.
func (s *Store) JobDriver() riverdriver.Driver[*sql.Tx] {
	if s.postgres {
		return riverdatabasesql.New(s.db)
	}
	return riversqlite.New(s.db)
}

// migrateJobs brings River's tables up to date.
func (s *Store) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(s.JobDriver(), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// uploadChunk is how much of an upload one row holds.
const uploadChunk = 4 << 20

// ErrJobEnded is returned for work on a job that has already ended, done
// or failed: a retry of a job whose first run did finish.
var ErrJobEnded = errors.New("store: the job has already ended")

// StageImport records a job and the file it is to read, sealed, and
// queues it: the chunks are written one transaction each, so that a large
// upload does not hold the embedded store's only writer for long, while
// the job stays "staging", which nothing runs; then one transaction makes
// it queued and calls enqueue to add the queue's entry, whose id it
// keeps. A job is never queued without its whole file. On failure the job
// and its chunks are deleted; a server that dies mid-staging leaves them
// to FailLostJobs.
func (s *Store) StageImport(ctx context.Context, j Job, file io.Reader, enqueue func(tx *sql.Tx, job access.ID) (int64, error)) (access.ID, error) {
	now := s.now().UnixNano()
	id, err := s.insert(ctx, "INSERT INTO jobs (env_id, process_id, user_id, kind, state, progress, error, created_at, updated_at) VALUES (?, ?, ?, ?, 'staging', 0, '', ?, ?)",
		j.Env, j.Process, j.User, j.Kind, now, now)
	if err != nil {
		return 0, err
	}
	job := access.ID(id)
	if err := s.stage(ctx, job, file, enqueue); err != nil {
		// Its chunks go with it, and their objects after them.
		if _, derr := s.exec(context.WithoutCancel(ctx), "DELETE FROM jobs WHERE id = ?", job); derr != nil {
			err = errors.Join(err, derr)
		} else if derr := s.collectObjects(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
		return 0, err
	}
	return job, nil
}

func (s *Store) stage(ctx context.Context, job access.ID, file io.Reader, enqueue func(tx *sql.Tx, job access.ID) (int64, error)) error {
	buf := make([]byte, uploadChunk)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(file, buf)
		if n > 0 || seq == 0 { // an empty file is one empty chunk
			// Only while the job is still staging: an erasure or a sweep
			// may have failed it meanwhile, and its file must not grow
			// back.
			stored, object, err := s.putBlob(ctx, blobUpload, buf[:n], job, seq)
			if err != nil {
				return err
			}
			if err := s.unended(s.exec(ctx, "INSERT INTO job_uploads (job_id, seq, data, object) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ? AND state = 'staging')", job, seq, stored, object, job)); err != nil {
				s.unput(object, err)
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.unended(tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = 'queued', updated_at = ? WHERE id = ? AND state = 'staging'"), s.now().UnixNano(), job)); err != nil {
		return err
	}
	river, err := enqueue(tx, job)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET river_id = ? WHERE id = ?"), river, job); err != nil {
		return err
	}
	return tx.Commit()
}

// FailLostJobs fails the jobs that nothing will run any more, with reason,
// and deletes their staged files: jobs queued or running whose River job
// has ended without them (its server died on the last attempt), and jobs
// still staging after staleStaging (their server died during the upload).
// It returns how many it failed. Every server calls it now and then.
func (s *Store) FailLostJobs(ctx context.Context, reason string, staleStaging time.Duration) (int, error) {
	now := s.now()
	// An analysis job reads nothing the user gave but its query: it is
	// started again, not uploaded.
	res, err := s.exec(ctx, `UPDATE jobs SET state = 'failed', error = CASE WHEN kind IN `+analysisKinds+` THEN '`+lostAnalysisReason+`' ELSE ? END, updated_at = ?
		WHERE (state IN ('queued', 'running') AND NOT EXISTS (
			SELECT 1 FROM river_job r WHERE r.id = jobs.river_id AND r.state IN ('available', 'pending', 'retryable', 'running', 'scheduled')))
		OR (state = 'staging' AND created_at < ?)`, reason, now.UnixNano(), now.Add(-staleStaging).UnixNano())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err = s.exec(ctx, "DELETE FROM job_uploads WHERE job_id IN (SELECT id FROM jobs WHERE state IN ('failed', 'done'))"); err != nil {
		return int(n), err
	}
	return int(n), s.collectObjects(ctx)
}

// FailPendingImports fails every import of the environment (0: of every
// environment) that has not ended, with reason, and deletes their staged
// files: an erasure does not wait for files that may name the person. An
// import running meanwhile then stores nothing (FinishImport finds it
// ended), and a file being staged stops growing.
func (s *Store) FailPendingImports(ctx context.Context, env access.ID, reason string) (int, error) {
	res, err := s.exec(ctx, "UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE (env_id = ? OR ? = 0) AND kind = 'import' AND state IN ('staging', 'queued', 'running')",
		reason, s.now().UnixNano(), env, env)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err = s.exec(ctx, "DELETE FROM job_uploads WHERE job_id IN (SELECT id FROM jobs WHERE (env_id = ? OR ? = 0) AND state = 'failed')", env, env); err != nil {
		return int(n), err
	}
	return int(n), s.collectObjects(ctx)
}

// StagedUploads counts the chunks of staged files kept, for operators and
// tests: none should outlive its job.
func (s *Store) StagedUploads(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM job_uploads").Scan(&n)
	return n, err
}

// UploadTail returns the last n bytes of a job's staged file (fewer when
// it is shorter), reading its last chunk, and the one before only when
// the last is shorter than n: a gzip file's trailer tells the size of its
// content (eventlog.GzipContentSize).
func (s *Store) UploadTail(ctx context.Context, job access.ID, n int) ([]byte, error) {
	var tail []byte
	seq := -1
	for len(tail) < n && seq != 0 {
		q, args := "SELECT seq, data, object FROM job_uploads WHERE job_id = ? ORDER BY seq DESC LIMIT 1", []any{job}
		if seq > 0 {
			q, args = "SELECT seq, data, object FROM job_uploads WHERE job_id = ? AND seq = ?", []any{job, seq - 1}
		}
		var data []byte
		var object sql.NullString
		err := s.db.QueryRowContext(ctx, s.rebind(q), args...).Scan(&seq, &data, &object)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, err
		}
		if data, err = s.getBlob(ctx, blobUpload, data, object, job, seq); err != nil {
			return nil, err
		}
		tail = append(data[max(0, len(data)-(n-len(tail))):], tail...)
	}
	return tail, nil
}

// Upload reads a job's staged file back, a chunk at a time.
func (s *Store) Upload(ctx context.Context, job access.ID) io.Reader {
	return &uploadReader{ctx: ctx, s: s, job: job}
}

type uploadReader struct {
	ctx context.Context
	s   *Store
	job access.ID
	seq int
	buf bytes.Reader
	err error
}

func (u *uploadReader) Read(p []byte) (int, error) {
	for u.buf.Len() == 0 {
		if u.err != nil {
			return 0, u.err
		}
		var data []byte
		var object sql.NullString
		err := u.s.db.QueryRowContext(u.ctx, u.s.rebind("SELECT data, object FROM job_uploads WHERE job_id = ? AND seq = ?"), u.job, u.seq).Scan(&data, &object)
		switch {
		case errors.Is(err, sql.ErrNoRows) && u.seq == 0:
			u.err = fmt.Errorf("store: job %d has no staged upload", u.job)
		case errors.Is(err, sql.ErrNoRows):
			u.err = io.EOF
		case err != nil:
			u.err = err
		default:
			if data, err = u.s.getBlob(u.ctx, blobUpload, data, object, u.job, u.seq); err != nil {
				u.err = err
				continue
			}
			u.buf.Reset(data)
			u.seq++
		}
	}
	return u.buf.Read(p)
}

// StartJob marks a job running, unless it has ended (ErrJobEnded).
func (s *Store) StartJob(ctx context.Context, job access.ID) error {
	return s.unended(s.exec(ctx, "UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ? AND state IN ('queued', 'running')", s.now().UnixNano(), job))
}

// JobProgress records how far a running job is, from 0 to 1.
func (s *Store) JobProgress(ctx context.Context, job access.ID, progress float64) error {
	return s.unended(s.exec(ctx, "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'running')", progress, s.now().UnixNano(), job))
}

// FailJob ends a job as failed, with the reason a user reads, and drops
// its staged upload.
func (s *Store) FailJob(ctx context.Context, job access.ID, reason string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.endJob(ctx, tx, job, "failed", reason, 0); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.collectObjects(ctx) // the staged upload's
}

// Imported is what an import job that read its file adds.
type Imported struct {
	Job, Process access.ID
	Version      Version
	// Data is the version's encoded log. With Room, it begins with
	// seal.Headroom bytes of room and has seal.Overhead bytes of capacity
	// after it, and the store seals it where it lies (eventlog's
	// AppendBinary writes it so): a version of hundreds of megabytes is
	// not copied to be sealed. The store owns Data from then on.
	Data []byte
	Room bool
	// Mapping, the columns that read the upload, is remembered for the
	// process's next upload; empty keeps the one before.
	Mapping map[string]string
	// Audit, when set, gives the audit entry of the new version.
	Audit func(version access.ID) AuditEntry
}

// FinishImport stores the version a job read and ends the job as done, in
// one transaction with the mapping and the audit entry that go with it, so
// that whoever sees the job done sees them too: a job that has already
// ended (ErrJobEnded) adds nothing, so a retried import never makes a
// second version; a process that is gone is ErrNotFound.
func (s *Store) FinishImport(ctx context.Context, im Imported) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	p := &puts{s: s}
	defer p.undo()
	// The process stays until the version is in (a deletion waits).
	lock := ""
	if s.postgres {
		lock = " FOR KEY SHARE"
	}
	var one int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT 1 FROM processes WHERE id = ?"+lock), im.Process).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, err
	}
	id, err := s.addVersion(ctx, tx, p, im.Process, im.Version, im.Data, im.Room)
	if err != nil {
		return 0, err
	}
	if len(im.Mapping) > 0 {
		if err := s.putUploadMapping(ctx, tx, im.Process, im.Mapping, im.Version.By); err != nil {
			return 0, err
		}
	}
	if im.Audit != nil {
		if err := s.audit(ctx, tx, im.Audit(id)); err != nil {
			return 0, err
		}
	}
	if err := s.endJob(ctx, tx, im.Job, "done", "", id); err != nil {
		return 0, err
	}
	if err := p.commit(tx); err != nil {
		return 0, err
	}
	return id, s.collectObjects(ctx) // the staged upload's
}

func (s *Store) endJob(ctx context.Context, tx *sql.Tx, job access.ID, state, reason string, version access.ID) error {
	progress := 0.0
	if state == "done" {
		progress = 1
	}
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = ?, progress = ?, error = ?, version_id = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'running')"),
		state, progress, reason, nullID(version), s.now().UnixNano(), job)
	if err = s.unended(res, err); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind("DELETE FROM job_uploads WHERE job_id = ?"), job)
	return err
}

// unended turns "no row changed" into ErrJobEnded.
func (s *Store) unended(res sql.Result, err error) error { return noRowIs(res, err, ErrJobEnded) }

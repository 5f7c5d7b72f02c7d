package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/procmine/procmine/internal/access"
)

// An analysis job (kind JobAlignments) reads only what the store holds
// already: it is queued at once, and when it is done it keeps what it
// computed, sealed, for its user to read (job_results). A result is the
// data's as it was when computed, so it must not outlive that data: every
// change of a process's data (a new version, a version deleted or
// rewritten) deletes its results and fails its analysis jobs still under
// way, in the change's own transaction; an erasure does so for its whole
// environment (DropJobResults); a deleted process takes its results with
// it (the foreign key).

// JobAlignments is the kind of a job that aligns a process's view
// against a model.
const JobAlignments = "alignments"

// analysisKinds are the kinds of jobs whose work reads a process's data
// and whose result keeps what they read, as SQL.
const analysisKinds = "('" + JobAlignments + "')"

// MaxJobResult bounds a stored result, in bytes.
const MaxJobResult = 8 << 20

const blobJobResult = "job-result"

// ErrDataChanged is returned for a result computed from a version that
// is no longer the process's current data.
var ErrDataChanged = errors.New("store: the process's data changed while the job ran")

// ErrResultTooLarge is returned for a result larger than MaxJobResult.
var ErrResultTooLarge = fmt.Errorf("store: a job's result may take at most %d MB", MaxJobResult>>20)

// QueueJob records a job whose work needs nothing but what the store
// holds, and calls enqueue to add the queue's entry in the same
// transaction, whose id it keeps: the job is never recorded without its
// entry, nor the entry without the job.
func (s *Store) QueueJob(ctx context.Context, j Job, enqueue func(tx *sql.Tx, job access.ID) (int64, error)) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now().UnixNano()
	var id int64
	if err := tx.QueryRowContext(ctx, s.rebind("INSERT INTO jobs (env_id, process_id, user_id, kind, state, progress, error, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, '', ?, ?) RETURNING id"),
		j.Env, j.Process, j.User, j.Kind, now, now).Scan(&id); err != nil {
		return 0, err
	}
	river, err := enqueue(tx, access.ID(id))
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET river_id = ? WHERE id = ?"), river, id); err != nil {
		return 0, err
	}
	return access.ID(id), tx.Commit()
}

// FinishWithResult ends a job as done with what it computed from the
// process's version: only while that version is still the process's
// latest (else ErrDataChanged; a process that is gone is ErrNotFound),
// and only while the job has not ended (ErrJobEnded: a change of the
// data failed it meanwhile). The body is sealed, bound to the job.
func (s *Store) FinishWithResult(ctx context.Context, job, process, version access.ID, res JobResult) error {
	if len(res.Body) > MaxJobResult {
		return ErrResultTooLarge
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The process's versions stay as they are until the result is in (a
	// new version or a deletion waits; SQLite's writer is alone anyway).
	lock := ""
	if s.postgres {
		lock = " FOR KEY SHARE"
	}
	var env int64
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT env_id FROM processes WHERE id = ?"+lock), process).Scan(&env); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	var latest sql.NullInt64
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT MAX(id) FROM log_versions WHERE process_id = ?"), process).Scan(&latest); err != nil {
		return err
	}
	if access.ID(latest.Int64) != version {
		return ErrDataChanged
	}
	if err := s.endJob(ctx, tx, job, "done", "", version); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO job_results (job_id, env_id, process_id, version_id, exact, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
		job, env, process, version, res.Exact, res.ContentType, s.seal(blobAD(blobJobResult, job), res.Body), s.now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// JobResult is what a job computed, as its user is answered.
type JobResult struct {
	ContentType string
	Body        []byte
	// Exact tells whether the figures are exact, computed for a user who
	// could read the process's raw data, rather than guarded.
	Exact bool
}

// JobResultOf returns a job of the user and its result; a job without
// one (not done, or its result gone with the data it was computed from)
// has a nil Body. Anyone else's job is ErrNotFound.
func (s *Store) JobResultOf(ctx context.Context, user, id access.ID) (Job, JobResult, error) {
	j, err := s.JobOf(ctx, user, id)
	if err != nil {
		return j, JobResult{}, err
	}
	var res JobResult
	var sealed []byte
	err = s.db.QueryRowContext(ctx, s.rebind("SELECT content_type, exact, body FROM job_results WHERE job_id = ?"), id).Scan(&res.ContentType, &res.Exact, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return j, JobResult{}, nil
	}
	if err != nil {
		return j, JobResult{}, err
	}
	if res.Body, err = s.open(blobAD(blobJobResult, id), sealed); err != nil {
		return j, JobResult{}, err
	}
	return j, res, nil
}

// lostAnalysisReason is why FailLostJobs fails an analysis job.
const lostAnalysisReason = "the server running the job stopped and it could not be run again: start it again"

// dataChangedReason is why a change of the data fails a job under way.
const dataChangedReason = "the process's data changed while the job waited or ran: start it again"

// JobResults counts the stored results of a process's jobs (0: of every
// process), for operators and tests.
func (s *Store) JobResults(ctx context.Context, process access.ID) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM job_results WHERE process_id = ? OR ? = 0"), process, process).Scan(&n)
	return n, err
}

// dataChanged deletes, in tx, the results computed from the process's
// data and fails its analysis jobs under way: the data they read is no
// longer the process's.
func (s *Store) dataChanged(ctx context.Context, tx execer, process access.ID) error {
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM job_results WHERE process_id = ?"), process); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE process_id = ? AND kind IN "+analysisKinds+" AND state IN ('queued', 'running')"),
		dataChangedReason, s.now().UnixNano(), process)
	return err
}

// DropJobResults deletes the results of the jobs of the environment (0:
// of every environment) and fails its analysis jobs under way, with
// reason: an erasure leaves nothing computed from the data before it. It
// returns how many results it deleted.
func (s *Store) DropJobResults(ctx context.Context, env access.ID, reason string) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM job_results WHERE env_id = ? OR ? = 0"), env, env)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE (env_id = ? OR ? = 0) AND kind IN "+analysisKinds+" AND state IN ('queued', 'running')"),
		reason, s.now().UnixNano(), env, env); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

// UnendedJobs counts the user's jobs of a kind that are waiting or
// running.
func (s *Store) UnendedJobs(ctx context.Context, user access.ID, kind string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM jobs WHERE user_id = ? AND kind = ? AND state IN ('staging', 'queued', 'running')"), user, kind).Scan(&n)
	return n, err
}

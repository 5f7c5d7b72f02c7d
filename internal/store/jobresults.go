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

// ErrTooManyJobs is a user's job refused: the user has as many of its
// kind waiting or running as one may.
var ErrTooManyJobs = errors.New("store: too many jobs of this kind waiting or running")

// QueueJob records a job whose work needs nothing but what the store
// holds, and calls enqueue to add the queue's entry in the same
// transaction, whose id it keeps: the job is never recorded without its
// entry, nor the entry without the job. A user with limit jobs of the
// kind waiting or running already is refused (ErrTooManyJobs), counted
// in the same transaction, the user's row locked, so that requests side
// by side cannot pass the limit together.
func (s *Store) QueueJob(ctx context.Context, j Job, limit int, enqueue func(tx *sql.Tx, job access.ID) (int64, error)) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if s.postgres {
		if _, err := tx.ExecContext(ctx, s.rebind("SELECT id FROM users WHERE id = ? FOR UPDATE"), j.User); err != nil {
			return 0, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM jobs WHERE user_id = ? AND kind = ? AND state IN ('staging', 'queued', 'running')"), j.User, j.Kind).Scan(&n); err != nil {
		return 0, err
	}
	if n >= limit {
		return 0, ErrTooManyJobs
	}
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
	// The process's row is locked as every change of its data locks it
	// (dataChanged): a change under way keeps the result waiting until it
	// commits, and the version check below then fails; a result stored
	// first is there for the change to delete. (SQLite's writer is alone
	// anyway.)
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
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
	// A user keeps the newest MaxJobResultsPerUser results: what one
	// person's jobs store stays bounded.
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM job_results WHERE job_id IN (
		SELECT r.job_id FROM job_results r JOIN jobs j ON j.id = r.job_id
		WHERE j.user_id = (SELECT user_id FROM jobs WHERE id = ?) AND (
			SELECT COUNT(*) FROM job_results r2 JOIN jobs j2 ON j2.id = r2.job_id
			WHERE j2.user_id = j.user_id AND (r2.created_at > r.created_at OR (r2.created_at = r.created_at AND r2.job_id > r.job_id))) >= ?)`),
		job, MaxJobResultsPerUser); err != nil {
		return err
	}
	return tx.Commit()
}

// MaxJobResultsPerUser is how many job results a user keeps, the newest.
const MaxJobResultsPerUser = 10

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
	// Only while it is of the process's latest version: every change of
	// the data deletes the results computed before it, and this says the
	// same should one ever be left.
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT r.content_type, r.exact, r.body FROM job_results r WHERE r.job_id = ?
		AND r.version_id = (SELECT MAX(v.id) FROM log_versions v WHERE v.process_id = r.process_id)`), id).Scan(&res.ContentType, &res.Exact, &sealed)
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
//
// On PostgreSQL the process's row is locked first, until the change
// commits, as FinishWithResult locks it: a job cannot store a result
// while the data changes. The jobs are failed before the results are
// deleted: a job finishing meanwhile holds its row until it commits, and
// the deletion, a statement started after that, then sees its result.
func (s *Store) dataChanged(ctx context.Context, tx execer, process access.ID) error {
	if s.postgres {
		if _, err := tx.ExecContext(ctx, s.rebind("SELECT id FROM processes WHERE id = ? FOR UPDATE"), process); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE process_id = ? AND kind IN "+analysisKinds+" AND state IN ('queued', 'running')"),
		dataChangedReason, s.now().UnixNano(), process); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.rebind("DELETE FROM job_results WHERE process_id = ?"), process)
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
	// The jobs first, then the results, for the reason dataChanged gives.
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE (env_id = ? OR ? = 0) AND kind IN "+analysisKinds+" AND state IN ('queued', 'running')"),
		reason, s.now().UnixNano(), env, env); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM job_results WHERE env_id = ? OR ? = 0"), env, env)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
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

// QueueArguments are the arguments of the queue's jobs of the
// environment (0: of every environment), as text: what an erasure must
// have reached, for tests and operators to check.
func (s *Store) QueueArguments(ctx context.Context, env access.ID) ([]string, error) {
	read := "json(r.args)"
	if s.postgres {
		read = "r.args::text"
	}
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT "+read+" FROM river_job r JOIN jobs j ON j.river_id = r.id WHERE j.env_id = ? OR ? = 0"), env, env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

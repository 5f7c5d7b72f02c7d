package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/recording"
)

// Recording is a recording's header. It is a live session while State is
// recording or paused, a draft once stopped, and a process's once
// published.
type Recording struct {
	ID      access.ID `json:"id"`
	Env     access.ID `json:"-"`
	Process access.ID `json:"process,omitempty"`
	// Recorder is the user who recorded it; 0 once they were erased.
	Recorder     access.ID `json:"recorder,omitempty"`
	RecorderName string    `json:"recorder_name,omitempty"`
	Title        string    `json:"title"`
	State        string    `json:"state"`
	Created      time.Time `json:"created_at"`
	Updated      time.Time `json:"updated_at"`
	StepCount    int       `json:"step_count"`
}

// The states of a recording.
const (
	StateRecording = "recording"
	StatePaused    = "paused"
	StateStopped   = "stopped"
	StatePublished = "published"
)

// Step is a stored step: its number, which it keeps for life, its
// content and whether it has a screenshot.
type Step struct {
	N int `json:"n"`
	recording.Step
	HasScreenshot bool `json:"has_screenshot"`
}

// ErrState is an operation the recording's state does not allow, such as
// a step sent to a paused session.
var ErrState = errors.New("not in a state that allows this")

const recordingColumns = "r.id, r.env_id, r.process_id, r.recorder_id, COALESCE(u.username, ''), r.title, r.state, r.created_at, r.updated_at, (SELECT COUNT(*) FROM recording_steps s WHERE s.recording_id = r.id)"

func scanRecording(row interface{ Scan(...any) error }) (Recording, error) {
	var r Recording
	var process, recorder sql.NullInt64
	var created, updated int64
	err := row.Scan(&r.ID, &r.Env, &process, &recorder, &r.RecorderName, &r.Title, &r.State, &created, &updated, &r.StepCount)
	r.Process, r.Recorder = access.ID(process.Int64), access.ID(recorder.Int64)
	r.Created, r.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return r, err
}

// CreateRecording stores a recording with its steps and screenshots (by
// index into steps) in one transaction, and returns its id. Steps are
// numbered from 1 in order.
func (s *Store) CreateRecording(ctx context.Context, r Recording, steps []recording.Step, shots map[int][]byte) (access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now().UnixNano()
	var id int64
	err = tx.QueryRowContext(ctx, s.rebind("INSERT INTO recordings (env_id, process_id, recorder_id, title, state, created_at, updated_at, next_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		r.Env, nullID(r.Process), nullID(r.Recorder), r.Title, r.State, now, now, len(steps)+1).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, st := range steps {
		if err := s.insertStep(ctx, tx, access.ID(id), i+1, st, shots[i]); err != nil {
			return 0, err
		}
	}
	return access.ID(id), tx.Commit()
}

func (s *Store) insertStep(ctx context.Context, tx *sql.Tx, rid access.ID, n int, st recording.Step, shot []byte) error {
	bounds := ""
	if b := st.Element.Bounds; b != nil {
		bounds = fmt.Sprintf("%d,%d,%d,%d", b[0], b[1], b[2], b[3])
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO recording_steps (recording_id, n, name, description, action, application, window_title,
		element_name, element_role, element_password, bounds, input, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		rid, n, st.Name, st.Description, st.Action, st.Application, st.WindowTitle, st.Element.Name, st.Element.Role, st.Element.Password,
		bounds, st.Input, st.StartedAt.UnixNano(), st.EndedAt.UnixNano())
	if err != nil || shot == nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind("INSERT INTO screenshots (recording_id, n, data) VALUES (?, ?, ?)"), rid, n, s.seal(blobAD(blobScreenshot, rid, n), shot))
	return err
}

// Recording returns a recording of the environment, in any state.
func (s *Store) Recording(ctx context.Context, env, id access.ID) (Recording, error) {
	r, err := scanRecording(s.db.QueryRowContext(ctx, s.rebind("SELECT "+recordingColumns+" FROM recordings r LEFT JOIN users u ON u.id = r.recorder_id WHERE r.env_id = ? AND r.id = ?"), env, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Recording{}, ErrNotFound
	}
	return r, err
}

// Recordings lists the recordings published into a process, oldest first.
func (s *Store) Recordings(ctx context.Context, env, process access.ID) ([]Recording, error) {
	return s.recordings(ctx, "r.env_id = ? AND r.process_id = ?", env, process)
}

// Sessions lists a user's recordings not yet published, oldest first.
func (s *Store) Sessions(ctx context.Context, env, user access.ID) ([]Recording, error) {
	return s.recordings(ctx, "r.env_id = ? AND r.recorder_id = ? AND r.state <> 'published'", env, user)
}

func (s *Store) recordings(ctx context.Context, where string, args ...any) ([]Recording, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT "+recordingColumns+" FROM recordings r LEFT JOIN users u ON u.id = r.recorder_id WHERE "+where+" ORDER BY r.id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recording{}
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Steps returns a recording's steps in order.
func (s *Store) Steps(ctx context.Context, rid access.ID) ([]Step, error) {
	steps, _, err := s.steps(ctx, "s.recording_id = ?", rid)
	return steps, err
}

// Step returns one step of a recording.
func (s *Store) Step(ctx context.Context, rid access.ID, n int) (Step, error) {
	steps, _, err := s.steps(ctx, "s.recording_id = ? AND s.n = ?", rid, n)
	if err == nil && len(steps) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Step{}, err
	}
	return steps[0], nil
}

// ProcessSteps returns the steps of every recording published into a
// process, in one query: recording ids, and for each its steps in order.
func (s *Store) ProcessSteps(ctx context.Context, env, process access.ID) ([]access.ID, [][]Step, error) {
	steps, rids, err := s.steps(ctx, "s.recording_id IN (SELECT id FROM recordings WHERE env_id = ? AND process_id = ? AND state = 'published')", env, process)
	if err != nil {
		return nil, nil, err
	}
	var ids []access.ID
	var out [][]Step
	for i, st := range steps {
		if i == 0 || rids[i] != rids[i-1] {
			ids = append(ids, rids[i])
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], st)
	}
	return ids, out, nil
}

// steps reads the steps that where selects, with their recordings' ids,
// ordered by recording and number.
func (s *Store) steps(ctx context.Context, where string, args ...any) ([]Step, []access.ID, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT s.recording_id, s.n, s.name, s.description, s.action, s.application, s.window_title, s.element_name, s.element_role,
		s.element_password, s.bounds, s.input, s.started_at, s.ended_at, EXISTS (SELECT 1 FROM screenshots p WHERE p.recording_id = s.recording_id AND p.n = s.n)
		FROM recording_steps s WHERE `+where+` ORDER BY s.recording_id, s.n`), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := []Step{}
	var rids []access.ID
	for rows.Next() {
		var st Step
		var rid access.ID
		var bounds string
		var started, ended int64
		if err := rows.Scan(&rid, &st.N, &st.Name, &st.Description, &st.Action, &st.Application, &st.WindowTitle, &st.Element.Name, &st.Element.Role,
			&st.Element.Password, &bounds, &st.Input, &started, &ended, &st.HasScreenshot); err != nil {
			return nil, nil, err
		}
		if bounds != "" {
			var b recording.Bounds
			if _, err := fmt.Sscanf(bounds, "%d,%d,%d,%d", &b[0], &b[1], &b[2], &b[3]); err != nil {
				return nil, nil, fmt.Errorf("store: step %d bounds %q: %w", st.N, bounds, err)
			}
			st.Element.Bounds = &b
		}
		st.StartedAt, st.EndedAt = time.Unix(0, started).UTC(), time.Unix(0, ended).UTC()
		out = append(out, st)
		rids = append(rids, rid)
	}
	return out, rids, rows.Err()
}

// lockRecording reads a recording's state inside tx, locking its row
// where the database can (PostgreSQL); SQLite's immediate transactions
// already hold the write lock.
func (s *Store) lockRecording(ctx context.Context, tx *sql.Tx, env, id access.ID) (state string, next int, err error) {
	q := "SELECT state, next_step FROM recordings WHERE env_id = ? AND id = ?"
	if s.postgres {
		q += " FOR UPDATE"
	}
	err = tx.QueryRowContext(ctx, s.rebind(q), env, id).Scan(&state, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, ErrNotFound
	}
	return state, next, err
}

// AppendStep adds a step to a session that is recording and returns its
// number. Any other state is ErrState, and nothing is stored.
func (s *Store) AppendStep(ctx context.Context, env, id access.ID, st recording.Step, shot []byte) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	state, n, err := s.lockRecording(ctx, tx, env, id)
	if err != nil {
		return 0, err
	}
	if state != StateRecording {
		return 0, ErrState
	}
	if err := s.insertStep(ctx, tx, id, n, st, shot); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE recordings SET next_step = ?, updated_at = ? WHERE id = ?"), n+1, s.now().UnixNano(), id); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// SetRecordingState moves a recording from one of the states in from to
// the state to; from any other state it is ErrState. Publishing sets the
// process.
func (s *Store) SetRecordingState(ctx context.Context, env, id access.ID, from []string, to string, process access.ID) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	state, _, err := s.lockRecording(ctx, tx, env, id)
	if err != nil {
		return err
	}
	ok := false
	for _, f := range from {
		ok = ok || f == state
	}
	if !ok {
		return ErrState
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE recordings SET state = ?, process_id = ?, updated_at = ? WHERE id = ?"), to, nullID(process), s.now().UnixNano(), id); err != nil {
		return err
	}
	return tx.Commit()
}

// StepEdit is a change to a step's texts; nil fields stay as they are.
type StepEdit struct {
	Name, Description, Input *string
}

// UpdateStep changes a step's texts.
func (s *Store) UpdateStep(ctx context.Context, rid access.ID, n int, e StepEdit) error {
	return s.changed(s.exec(ctx, "UPDATE recording_steps SET name = COALESCE(?, name), description = COALESCE(?, description), input = COALESCE(?, input) WHERE recording_id = ? AND n = ?",
		nullString(e.Name), nullString(e.Description), nullString(e.Input), rid, n))
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

// DeleteStep deletes a step and its screenshot.
func (s *Store) DeleteStep(ctx context.Context, rid access.ID, n int) error {
	if err := s.changed(s.exec(ctx, "DELETE FROM recording_steps WHERE recording_id = ? AND n = ?", rid, n)); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// DeleteRecording deletes a recording, its steps and their screenshots.
func (s *Store) DeleteRecording(ctx context.Context, env, id access.ID) error {
	if err := s.changed(s.exec(ctx, "DELETE FROM recordings WHERE env_id = ? AND id = ?", env, id)); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// Screenshot returns a step's screenshot.
func (s *Store) Screenshot(ctx context.Context, rid access.ID, n int) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT data FROM screenshots WHERE recording_id = ? AND n = ?"), rid, n).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.open(blobAD(blobScreenshot, rid, n), data)
}

// ReplaceScreenshot stores a cleaned image in place of a step's screenshot.
func (s *Store) ReplaceScreenshot(ctx context.Context, rid access.ID, n int, data []byte) error {
	if err := s.changed(s.exec(ctx, "UPDATE screenshots SET data = ? WHERE recording_id = ? AND n = ?", s.seal(blobAD(blobScreenshot, rid, n), data), rid, n)); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// DeleteScreenshot erases a step's screenshot.
func (s *Store) DeleteScreenshot(ctx context.Context, rid access.ID, n int) error {
	if err := s.changed(s.exec(ctx, "DELETE FROM screenshots WHERE recording_id = ? AND n = ?", rid, n)); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// Erased makes deleted or rewritten content leave the disk. SQLite overwrites deleted
// content (secure_delete) in the database file; a checkpoint then copies
// the overwritten pages from the write-ahead log and truncates the log,
// which held the content too. PostgreSQL keeps dead rows until VACUUM
// reclaims them (see docs/privacy.md).
// Callers that change many rows call it once, after the last.
func (s *Store) Erased(ctx context.Context) error {
	if s.postgres {
		return nil
	}
	_, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// PrivacyPolicy returns the environment's policy (JSON; empty when none
// was set) and its pseudonym key, which is made on first use.
func (s *Store) PrivacyPolicy(ctx context.Context, env access.ID) (policy string, key []byte, err error) {
	q := "SELECT policy, pseudonym_key FROM privacy_policies WHERE env_id = ?"
	err = s.db.QueryRowContext(ctx, s.rebind(q), env).Scan(&policy, &key)
	if errors.Is(err, sql.ErrNoRows) {
		// The key is sealed like a blob: with the database alone, nobody
		// can compute a token and match it to a guessed value.
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if _, err := s.exec(ctx, "INSERT INTO privacy_policies (env_id, policy, pseudonym_key) VALUES (?, '', ?) ON CONFLICT (env_id) DO NOTHING", env, s.seal(blobAD(blobPseudonymKey, env), fresh)); err != nil {
			return "", nil, err
		}
		err = s.db.QueryRowContext(ctx, s.rebind(q), env).Scan(&policy, &key)
	}
	if err != nil {
		return "", nil, err
	}
	key, err = s.open(blobAD(blobPseudonymKey, env), key)
	return policy, key, err
}

// SetPrivacyPolicy stores the environment's policy (JSON).
func (s *Store) SetPrivacyPolicy(ctx context.Context, env access.ID, policy string) error {
	if _, _, err := s.PrivacyPolicy(ctx, env); err != nil {
		return err
	}
	return s.changed(s.exec(ctx, "UPDATE privacy_policies SET policy = ? WHERE env_id = ?", policy, env))
}

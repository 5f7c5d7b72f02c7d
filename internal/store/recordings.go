package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
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
	p := &puts{s: s}
	defer p.undo()
	now := s.now().UnixNano()
	var id int64
	err = tx.QueryRowContext(ctx, s.rebind("INSERT INTO recordings (env_id, process_id, recorder_id, title, state, created_at, updated_at, next_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		r.Env, nullID(r.Process), nullID(r.Recorder), r.Title, r.State, now, now, len(steps)+1).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, st := range steps {
		if err := s.insertStep(ctx, tx, p, access.ID(id), i+1, st, shots[i]); err != nil {
			return 0, err
		}
	}
	return access.ID(id), p.commit(tx)
}

func (s *Store) insertStep(ctx context.Context, tx *sql.Tx, p *puts, rid access.ID, n int, st recording.Step, shot []byte) error {
	bounds := ""
	if b := st.Element.Bounds; b != nil {
		bounds = fmt.Sprintf("%d,%d,%d,%d", b[0], b[1], b[2], b[3])
	}
	// The clear text columns stay empty: they only hold the texts of steps
	// stored before texts were sealed, until SealStepTexts seals them.
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO recording_steps (recording_id, n, name, description, action, application, window_title,
		element_name, element_role, element_password, bounds, input, started_at, ended_at, texts) VALUES (?, ?, '', '', ?, '', '', '', ?, ?, ?, '', ?, ?, ?)`),
		rid, n, st.Action, st.Element.Role, st.Element.Password, bounds, st.StartedAt.UnixNano(), st.EndedAt.UnixNano(), s.sealStepTexts(rid, n, textsOf(st)))
	if err != nil || shot == nil {
		return err
	}
	stored, object, err := p.put(ctx, blobScreenshot, shot, rid, n)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind("INSERT INTO screenshots (recording_id, n, data, object) VALUES (?, ?, ?, ?)"), rid, n, stored, object)
	return err
}

// stepTexts are the texts of a step that can tell about a person, sealed
// together as one blob per step. The action, the element's role and
// password flag, its bounds and the times stay in clear columns: they
// name no one, and nothing needs them sealed to be searched.
type stepTexts struct {
	Name, Description, Application, WindowTitle, ElementName, Input string
}

func textsOf(st recording.Step) stepTexts {
	return stepTexts{st.Name, st.Description, st.Application, st.WindowTitle, st.Element.Name, st.Input}
}

// set puts the texts into a step.
func (t stepTexts) set(st *recording.Step) {
	st.Name, st.Description, st.Application, st.WindowTitle, st.Element.Name, st.Input = t.Name, t.Description, t.Application, t.WindowTitle, t.ElementName, t.Input
}

func (t *stepTexts) fields() [6]*string {
	return [6]*string{&t.Name, &t.Description, &t.Application, &t.WindowTitle, &t.ElementName, &t.Input}
}

// stepTextsV1 is the first byte of an encoded stepTexts: the fields in
// order, each as its length (uvarint) and its bytes. Task mining opens
// every step of a process, so the encoding is plain rather than JSON,
// which took about ten times as long to decode (BenchmarkOpenStepTexts).
const stepTextsV1 = 1

func (t stepTexts) encode() []byte {
	b := []byte{stepTextsV1}
	for _, f := range t.fields() {
		b = binary.AppendUvarint(b, uint64(len(*f)))
		b = append(b, *f...)
	}
	return b
}

func (t *stepTexts) decode(data []byte) error {
	if len(data) == 0 || data[0] != stepTextsV1 {
		return errors.New("not a known encoding of step texts")
	}
	// One string holds every field; each is a part of it.
	all := string(data[1:])
	rest := data[1:]
	at := 0
	for _, f := range t.fields() {
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)-w) {
			return errors.New("step texts cut short")
		}
		at += w
		*f = all[at : at+int(n)]
		at += int(n)
		rest = rest[w+int(n):]
	}
	if len(rest) != 0 {
		return errors.New("step texts run on")
	}
	return nil
}

// sealStepTexts seals a step's texts bound to its row, so that a blob
// copied onto another step does not open there.
func (s *Store) sealStepTexts(rid access.ID, n int, t stepTexts) []byte {
	return s.seal(blobAD(blobStepTexts, rid, n), t.encode())
}

// openStepTexts reads a step's texts from its sealed blob or, for a step
// stored before texts were sealed (sealed is NULL), from its clear columns.
func (s *Store) openStepTexts(rid access.ID, n int, sealed []byte, clear stepTexts) (stepTexts, error) {
	if sealed == nil {
		return clear, nil
	}
	data, err := s.open(blobAD(blobStepTexts, rid, n), sealed)
	if err != nil {
		return stepTexts{}, err
	}
	var t stepTexts
	if err := t.decode(data); err != nil {
		return stepTexts{}, fmt.Errorf("store: the texts of step %d of recording %d: %w", n, rid, err)
	}
	return t, nil
}

// stepTextColumns selects what openStepTexts reads, in scanStepTexts'
// order.
const stepTextColumns = "s.texts, s.name, s.description, s.application, s.window_title, s.element_name, s.input"

// scanStepTexts are the destinations of stepTextColumns.
func scanStepTexts(sealed *[]byte, t *stepTexts) []any {
	return []any{sealed, &t.Name, &t.Description, &t.Application, &t.WindowTitle, &t.ElementName, &t.Input}
}

// writeStepTexts seals a step's texts into its row and empties the clear
// columns, which may still hold them (a step stored before sealing).
func (s *Store) writeStepTexts(ctx context.Context, tx *sql.Tx, ref StepRef, t stepTexts) error {
	_, err := tx.ExecContext(ctx, s.rebind("UPDATE recording_steps SET texts = ?, name = '', description = '', application = '', window_title = '', element_name = '', input = '' WHERE recording_id = ? AND n = ?"),
		s.sealStepTexts(ref.Recording, ref.N, t), ref.Recording, ref.N)
	return err
}

// SealStepTexts seals the texts of the steps stored before texts were
// sealed, and empties their clear columns; the server runs it at start.
// Each recording is its own transaction, so a start that stops half-way
// resumes at the next. It returns how many steps it sealed.
func (s *Store) SealStepTexts(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT recording_id FROM recording_steps WHERE texts IS NULL ORDER BY recording_id")
	if err != nil {
		return 0, err
	}
	var rids []access.ID
	for rows.Next() {
		var rid access.ID
		if err := rows.Scan(&rid); err != nil {
			rows.Close()
			return 0, err
		}
		rids = append(rids, rid)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(rids) == 0 {
		return 0, err
	}
	n := 0
	for _, rid := range rids {
		done, err := s.sealRecordingSteps(ctx, rid)
		n += done
		if err != nil {
			return n, err
		}
	}
	// The clear texts leave the file and the write-ahead log.
	return n, s.Erased(ctx)
}

func (s *Store) sealRecordingSteps(ctx context.Context, rid access.ID) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	type clearStep struct {
		ref   StepRef
		texts stepTexts
	}
	var todo []clearStep
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT s.n, "+stepTextColumns+" FROM recording_steps s WHERE s.recording_id = ? AND s.texts IS NULL"+lock), rid)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		c := clearStep{ref: StepRef{Recording: rid}}
		var sealed []byte
		if err := rows.Scan(append([]any{&c.ref.N}, scanStepTexts(&sealed, &c.texts)...)...); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range todo {
		if err := s.writeStepTexts(ctx, tx, c.ref, c.texts); err != nil {
			return 0, err
		}
	}
	return len(todo), tx.Commit()
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
// ordered by recording and number. Their texts are opened here, in Go:
// whatever lists or searches steps does it on what this returns.
func (s *Store) steps(ctx context.Context, where string, args ...any) ([]Step, []access.ID, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT s.recording_id, s.n, s.action, s.element_role, s.element_password, s.bounds, s.started_at, s.ended_at,
		EXISTS (SELECT 1 FROM screenshots p WHERE p.recording_id = s.recording_id AND p.n = s.n), `+stepTextColumns+`
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
		var sealed []byte
		var texts stepTexts
		if err := rows.Scan(append([]any{&rid, &st.N, &st.Action, &st.Element.Role, &st.Element.Password, &bounds, &started, &ended, &st.HasScreenshot},
			scanStepTexts(&sealed, &texts)...)...); err != nil {
			return nil, nil, err
		}
		if texts, err = s.openStepTexts(rid, st.N, sealed, texts); err != nil {
			return nil, nil, err
		}
		texts.set(&st.Step)
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

// ErrTooManySteps is a step appended to a session that holds
// recording.MaxSteps steps already.
var ErrTooManySteps = fmt.Errorf("a recording holds at most %d steps", recording.MaxSteps)

// AppendStep adds a step to a session that is recording and returns its
// number. Any other state is ErrState, a session that holds
// recording.MaxSteps steps is ErrTooManySteps, and nothing is stored. The
// steps are counted inside the transaction that holds the recording's row
// locked, so that two appends at once cannot both pass the limit.
func (s *Store) AppendStep(ctx context.Context, env, id access.ID, st recording.Step, shot []byte) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	p := &puts{s: s}
	defer p.undo()
	state, n, err := s.lockRecording(ctx, tx, env, id)
	if err != nil {
		return 0, err
	}
	if state != StateRecording {
		return 0, ErrState
	}
	var count int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM recording_steps WHERE recording_id = ?"), id).Scan(&count); err != nil {
		return 0, err
	}
	if count >= recording.MaxSteps {
		return 0, ErrTooManySteps
	}
	if err := s.insertStep(ctx, tx, p, id, n, st, shot); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE recordings SET next_step = ?, updated_at = ? WHERE id = ?"), n+1, s.now().UnixNano(), id); err != nil {
		return 0, err
	}
	return n, p.commit(tx)
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

// UpdateStep changes a step's texts. What an edit replaces leaves the
// disk as a deletion's does (Erased): its sealed blob would open with the
// key.
func (s *Store) UpdateStep(ctx context.Context, rid access.ID, n int, e StepEdit) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	var sealed []byte
	var t stepTexts
	err = tx.QueryRowContext(ctx, s.rebind("SELECT "+stepTextColumns+" FROM recording_steps s WHERE s.recording_id = ? AND s.n = ?"+lock), rid, n).Scan(scanStepTexts(&sealed, &t)...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if t, err = s.openStepTexts(rid, n, sealed, t); err != nil {
		return err
	}
	for _, f := range []struct{ to, from *string }{{&t.Name, e.Name}, {&t.Description, e.Description}, {&t.Input, e.Input}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if err := s.writeStepTexts(ctx, tx, StepRef{rid, n}, t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.Erased(ctx)
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
	var object sql.NullString
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT data, object FROM screenshots WHERE recording_id = ? AND n = ?"), rid, n).Scan(&data, &object)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.getBlob(ctx, blobScreenshot, data, object, rid, n)
}

// ReplaceScreenshot stores a cleaned image in place of a step's screenshot.
func (s *Store) ReplaceScreenshot(ctx context.Context, rid access.ID, n int, data []byte) error {
	stored, object, err := s.putBlob(ctx, blobScreenshot, data, rid, n)
	if err != nil {
		return err
	}
	// The object replaced is queued for deletion (Erased collects it).
	if err := s.changed(s.exec(ctx, "UPDATE screenshots SET data = ?, object = ? WHERE recording_id = ? AND n = ?", stored, object, rid, n)); err != nil {
		s.unput(object, err)
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
	// The objects of what was deleted or replaced go too; a blob store
	// that fails them does not keep the database's part from going.
	err := s.collectObjects(ctx)
	if s.postgres {
		return err
	}
	_, cerr := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, cerr)
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

// PseudonymKeys returns the pseudonym keys of the environment (0: of
// every environment that has one), without making one where none is.
func (s *Store) PseudonymKeys(ctx context.Context, env access.ID) ([][]byte, error) {
	where, args := envClause(env, "env_id")
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT env_id, pseudonym_key FROM privacy_policies WHERE "+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys [][]byte
	for rows.Next() {
		var e access.ID
		var sealed []byte
		if err := rows.Scan(&e, &sealed); err != nil {
			return nil, err
		}
		key, err := s.open(blobAD(blobPseudonymKey, e), sealed)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, rows.Err()
}

// RenewPseudonymKey gives the environment (0: every environment that has
// one) a fresh pseudonym key and forgets the old one: tokens made from
// now on differ from the tokens of the same values made before, so that
// no token kept anywhere (an export, a copy, a report someone saved) can
// be linked to what is stored or imported later. An erasure calls it
// after replacing the erased person's own tokens, which only the old key
// could find. The old key leaves the disk with the caller's Erased.
func (s *Store) RenewPseudonymKey(ctx context.Context, env access.ID) error {
	where, args := envClause(env, "env_id")
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT env_id FROM privacy_policies WHERE "+where), args...)
	if err != nil {
		return err
	}
	var envs []access.ID
	for rows.Next() {
		var e access.ID
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		envs = append(envs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range envs {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if err := s.changed(s.exec(ctx, "UPDATE privacy_policies SET pseudonym_key = ? WHERE env_id = ?", s.seal(blobAD(blobPseudonymKey, e), fresh), e)); err != nil {
			return err
		}
	}
	return nil
}

// SetPrivacyPolicy stores the environment's policy (JSON).
func (s *Store) SetPrivacyPolicy(ctx context.Context, env access.ID, policy string) error {
	if _, _, err := s.PrivacyPolicy(ctx, env); err != nil {
		return err
	}
	return s.changed(s.exec(ctx, "UPDATE privacy_policies SET policy = ? WHERE env_id = ?", policy, env))
}

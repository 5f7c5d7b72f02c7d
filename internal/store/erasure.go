package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/procmine/procmine/internal/access"
)

// The right to erasure, in the store: every stored text of an environment
// (0: of every environment, and the installation's audit entries) goes
// through a replacer that erases a person's name. The event logs, which
// are stored encoded, are rewritten by package erasure through
// LogVersions and RewriteVersion.

// Replacer rewrites a text and tells whether it changed it.
type Replacer func(string) (string, bool)

func envClause(env access.ID, column string) (string, []any) {
	if env == 0 {
		return "1 = 1", nil
	}
	return column + " = ?", []any{env}
}

// RecordingErasure is what erasing a person did to recordings.
type RecordingErasure struct {
	Unlinked, Steps, Titles, Screenshots int
}

// EraseFromRecordings removes a person from recordings: the screenshots
// of the recordings the given users recorded are deleted (their desktop
// shows them) and the users unlinked from them; every step's texts and
// every title go through replace, and the screenshots of the steps whose
// texts named the person are deleted too.
func (s *Store) EraseFromRecordings(ctx context.Context, env access.ID, users []access.ID, replace Replacer) (RecordingErasure, error) {
	var e RecordingErasure
	where, args := envClause(env, "env_id")
	for _, u := range users {
		res, err := s.exec(ctx, "DELETE FROM screenshots WHERE recording_id IN (SELECT id FROM recordings WHERE recorder_id = ? AND "+where+")", append([]any{u}, args...)...)
		if err != nil {
			return e, err
		}
		n, _ := res.RowsAffected()
		e.Screenshots += int(n)
		if res, err = s.exec(ctx, "UPDATE recordings SET recorder_id = NULL WHERE recorder_id = ? AND "+where, append([]any{u}, args...)...); err != nil {
			return e, err
		}
		n, _ = res.RowsAffected()
		e.Unlinked += int(n)
	}
	changed, titles, err := s.RewriteRecordings(ctx, env, replace)
	if err != nil {
		return e, err
	}
	e.Steps, e.Titles = len(changed), titles
	for _, ref := range changed {
		res, err := s.exec(ctx, "DELETE FROM screenshots WHERE recording_id = ? AND n = ?", ref.Recording, ref.N)
		if err != nil {
			return e, err
		}
		n, _ := res.RowsAffected()
		e.Screenshots += int(n)
	}
	return e, s.Erased(ctx)
}

// StepRef names a step of a recording.
type StepRef struct {
	Recording access.ID
	N         int
}

// RewriteRecordings runs the texts of every step (name, description,
// window title, element name, input) and every title of the environment's
// recordings (0: all) through replace, in one transaction. It returns the
// steps that changed and how many titles did.
func (s *Store) RewriteRecordings(ctx context.Context, env access.ID, replace Replacer) ([]StepRef, int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	where, args := envClause(env, "env_id")
	type titleChange struct {
		id    int64
		title string
	}
	var tchanges []titleChange
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT id, title FROM recordings WHERE "+where), args...)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var c titleChange
		if err := rows.Scan(&c.id, &c.title); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if t, ok := replace(c.title); ok {
			c.title = t
			tchanges = append(tchanges, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for _, c := range tchanges {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE recordings SET title = ? WHERE id = ?"), c.title, c.id); err != nil {
			return nil, 0, err
		}
	}

	// Rows are read to the end before any is written: one connection
	// carries the transaction.
	type stepChange struct {
		ref   StepRef
		texts [5]string
	}
	var changes []stepChange
	rwhere, _ := envClause(env, "r.env_id")
	rows, err = tx.QueryContext(ctx, s.rebind("SELECT s.recording_id, s.n, s.name, s.description, s.window_title, s.element_name, s.input FROM recording_steps s JOIN recordings r ON r.id = s.recording_id WHERE "+rwhere), args...)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var c stepChange
		if err := rows.Scan(&c.ref.Recording, &c.ref.N, &c.texts[0], &c.texts[1], &c.texts[2], &c.texts[3], &c.texts[4]); err != nil {
			rows.Close()
			return nil, 0, err
		}
		changed := false
		for i, t := range c.texts {
			if m, ok := replace(t); ok {
				c.texts[i], changed = m, true
			}
		}
		if changed {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	refs := make([]StepRef, len(changes))
	for i, c := range changes {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE recording_steps SET name = ?, description = ?, window_title = ?, element_name = ?, input = ? WHERE recording_id = ? AND n = ?"),
			c.texts[0], c.texts[1], c.texts[2], c.texts[3], c.texts[4], c.ref.Recording, c.ref.N); err != nil {
			return nil, 0, err
		}
		refs[i] = c.ref
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, err
	}
	return refs, len(tchanges), s.Erased(ctx)
}

// EraseFromAudit replaces, in the audit entries of the environment (0:
// all), the given users and names as actor by [erased], without their user
// id and IP address, and runs every entry's target and detail through
// replace. It returns the ids of the entries it changed. This is the one
// change the audit log's trigger allows.
func (s *Store) EraseFromAudit(ctx context.Context, env access.ID, users []access.ID, replace Replacer, erased string) ([]access.ID, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	where, args := envClause(env, "env_id")
	type change struct {
		id                    int64
		actor, target, detail string
		ip                    string
		actorGone             bool
	}
	isUser := map[int64]bool{}
	for _, u := range users {
		isUser[int64(u)] = true
	}
	var changes []change
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT id, actor, COALESCE(actor_id, 0), target, detail, ip FROM audit WHERE "+where+" ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c change
		var actorID int64
		if err := rows.Scan(&c.id, &c.actor, &actorID, &c.target, &c.detail, &c.ip); err != nil {
			rows.Close()
			return nil, err
		}
		changed := false
		if _, named := replace(c.actor); named || isUser[actorID] {
			c.actor, c.ip, c.actorGone, changed = erased, "", true, true
		}
		for _, p := range []*string{&c.target, &c.detail} {
			if t, ok := replace(*p); ok {
				*p, changed = t, true
			}
		}
		if changed {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]access.ID, len(changes))
	for i, c := range changes {
		q := "UPDATE audit SET actor = ?, target = ?, detail = ?, ip = ? WHERE id = ?"
		if c.actorGone {
			q = "UPDATE audit SET actor = ?, target = ?, detail = ?, ip = ?, actor_id = NULL WHERE id = ?"
		}
		if _, err := tx.ExecContext(ctx, s.rebind(q), c.actor, c.target, c.detail, c.ip, c.id); err != nil {
			return nil, err
		}
		ids[i] = access.ID(c.id)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return ids, s.Erased(ctx)
}

// LogVersion names a stored version of a process's event log.
type LogVersion struct{ Process, Version access.ID }

// LogVersions lists every stored log version of the environment (0: all).
func (s *Store) LogVersions(ctx context.Context, env access.ID) ([]LogVersion, error) {
	where, args := envClause(env, "p.env_id")
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT v.process_id, v.id FROM log_versions v JOIN processes p ON p.id = v.process_id WHERE "+where+" ORDER BY v.id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LogVersion
	for rows.Next() {
		var v LogVersion
		if err := rows.Scan(&v.Process, &v.Version); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RewriteVersion reads a version's encoded log, gives it to rewrite, and
// stores what rewrite returns (nil: nothing changed), in one transaction
// that holds the version's row: two rewrites (an erasure here, a privacy
// policy applied on another server) never both start from the same data,
// so neither writes back what the other removed. Every server is told as
// it commits. It reports whether the version changed. The old data stays
// in the write-ahead log until the caller calls Erased, once for all.
func (s *Store) RewriteVersion(ctx context.Context, v LogVersion, rewrite func(data []byte) ([]byte, error)) (bool, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	var sealed []byte
	err = tx.QueryRowContext(ctx, s.rebind("SELECT data FROM log_versions WHERE process_id = ? AND id = ?"+lock), v.Process, v.Version).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted meanwhile: nothing left to rewrite
	}
	if err != nil {
		return false, err
	}
	data, err := s.open(blobAD(blobEventLog, v.Version), sealed)
	if err != nil {
		return false, err
	}
	if data, err = rewrite(data); err != nil || data == nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE log_versions SET data = ? WHERE id = ?"), s.seal(blobAD(blobEventLog, v.Version), data), v.Version); err != nil {
		return false, err
	}
	if err := s.notifyIn(ctx, tx, ChangedVersion(v.Version)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

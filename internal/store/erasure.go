package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// application, window title, element name, input) and every title of the environment's
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
	// carries the transaction. The texts are sealed: they are opened and
	// replaced here, in Go.
	type stepChange struct {
		ref   StepRef
		texts stepTexts
	}
	var changes []stepChange
	rwhere, _ := envClause(env, "r.env_id")
	rows, err = tx.QueryContext(ctx, s.rebind("SELECT s.recording_id, s.n, "+stepTextColumns+" FROM recording_steps s JOIN recordings r ON r.id = s.recording_id WHERE "+rwhere), args...)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var c stepChange
		var sealed []byte
		if err := rows.Scan(append([]any{&c.ref.Recording, &c.ref.N}, scanStepTexts(&sealed, &c.texts)...)...); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if c.texts, err = s.openStepTexts(c.ref.Recording, c.ref.N, sealed, c.texts); err != nil {
			rows.Close()
			return nil, 0, err
		}
		changed := false
		for _, p := range c.texts.fields() {
			if m, ok := replace(*p); ok {
				*p, changed = m, true
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
		if err := s.writeStepTexts(ctx, tx, c.ref, c.texts); err != nil {
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
// replace. The file name an upload's or a new version's entry gives (see
// fileName) also goes through uploads, when not nil: names known
// only from event data are erased there and nowhere else in the audit
// log, since anyone who may upload a log could otherwise make any word of
// it such a name. It returns the ids of the entries it changed. This is
// the one change the audit log's trigger allows.
func (s *Store) EraseFromAudit(ctx context.Context, env access.ID, users []access.ID, replace, uploads Replacer, erased string) ([]access.ID, error) {
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
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT id, action, actor, COALESCE(actor_id, 0), target, detail, ip FROM audit WHERE "+where+" ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c change
		var actorID int64
		var action string
		if err := rows.Scan(&c.id, &action, &c.actor, &actorID, &c.target, &c.detail, &c.ip); err != nil {
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
		if lo, hi := fileName(action, c.detail); uploads != nil && hi > lo {
			if t, ok := uploads(c.detail[lo:hi]); ok {
				c.detail, changed = c.detail[:lo]+t+c.detail[hi:], true
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
	var object sql.NullString
	err = tx.QueryRowContext(ctx, s.rebind("SELECT data, object FROM log_versions WHERE process_id = ? AND id = ?"+lock), v.Process, v.Version).Scan(&sealed, &object)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted meanwhile: nothing left to rewrite
	}
	if err != nil {
		return false, err
	}
	data, err := s.getBlob(ctx, blobEventLog, sealed, object, v.Version)
	if err != nil {
		return false, err
	}
	if data, err = rewrite(data); err != nil || data == nil {
		return false, err
	}
	// Rewritten, the log is measured again when next loaded. The object
	// it replaces is queued for deletion, which the caller's Erased does.
	p := &puts{s: s}
	defer p.undo()
	stored, object, err := p.put(ctx, blobEventLog, data, v.Version)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE log_versions SET data = ?, object = ?, resident = 0 WHERE id = ?"), stored, object, v.Version); err != nil {
		return false, err
	}
	if err := s.dataChanged(ctx, tx, v.Process); err != nil {
		return false, err
	}
	if err := s.notifyIn(ctx, tx, ChangedVersion(v.Version)); err != nil {
		return false, err
	}
	return true, p.commit(tx)
}

// EraseFromImports runs through replace what the environment's imports
// (0: every environment's) keep besides the log itself: the file names of
// its data versions, the reasons its failed imports give (which quote
// the file's name and often a line of it), the arguments of their
// queue entries, which hold the file name and the column mapping too, and
// the mapping each process remembers for its next upload (columns may be
// named after a person), the views saved on its processes (their
// names and filters), their data sources (name, query, mapping and
// last error; the watermark is a value of the source's own column, which
// a policy's erasure of names does not reach), and the descriptions of
// the environment's webhooks. It returns how many
// values changed, in one transaction.
func (s *Store) EraseFromImports(ctx context.Context, env access.ID, replace Replacer) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	where, args := envClause(env, "env_id")
	pwhere, _ := envClause(env, "p.env_id")
	// The queue keeps its arguments as JSON (binary JSON in SQLite):
	// they are read as text and written back as JSON.
	readArgs, writeArgs := "json(r.args)", "jsonb(?)"
	if s.postgres {
		readArgs, writeArgs = "r.args::text", "?::jsonb"
	}
	n := 0
	for _, c := range []struct {
		query, update string
		json          bool
	}{
		{"SELECT id, error FROM jobs WHERE " + where, "UPDATE jobs SET error = ? WHERE id = ?", false},
		{"SELECT v.id, v.source FROM log_versions v JOIN processes p ON p.id = v.process_id WHERE " + pwhere, "UPDATE log_versions SET source = ? WHERE id = ?", false},
		{"SELECT r.id, " + readArgs + " FROM river_job r JOIN jobs j ON j.river_id = r.id WHERE " + strings.Replace(where, "env_id", "j.env_id", 1), "UPDATE river_job SET args = " + writeArgs + " WHERE id = ?", true},
		// A remembered upload mapping names columns, which may be named
		// after a person.
		{"SELECT m.process_id, m.mapping FROM upload_mappings m JOIN processes p ON p.id = m.process_id WHERE " + pwhere, "UPDATE upload_mappings SET mapping = ? WHERE process_id = ?", true},
		// A saved view's filters may select a person's cases by name,
		// and its name may say whose they are.
		{"SELECT v.id, v.query FROM saved_views v JOIN processes p ON p.id = v.process_id WHERE " + pwhere, "UPDATE saved_views SET query = ? WHERE id = ?", true},
		{"SELECT v.id, v.name FROM saved_views v JOIN processes p ON p.id = v.process_id WHERE " + pwhere, "UPDATE saved_views SET name = ? WHERE id = ?", false},
		// A data source's query may select a person's rows by name, its
		// mapping name columns after one, and the reason its last
		// refresh failed quote a value of a row.
		{"SELECT d.id, d.name FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE " + pwhere, "UPDATE data_sources SET name = ? WHERE id = ?", false},
		{"SELECT d.id, d.query FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE " + pwhere, "UPDATE data_sources SET query = ? WHERE id = ?", false},
		{"SELECT d.id, d.mapping FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE " + pwhere, "UPDATE data_sources SET mapping = ? WHERE id = ?", true},
		{"SELECT d.id, d.last_error FROM data_sources d JOIN processes p ON p.id = d.process_id WHERE " + pwhere, "UPDATE data_sources SET last_error = ? WHERE id = ?", false},
		// A webhook's description is an administrator's free text. (Its
		// URL is left: a name in it changes where deliveries go.)
		{"SELECT id, description FROM webhooks WHERE " + where, "UPDATE webhooks SET description = ? WHERE id = ?", false},
	} {
		changed, err := s.rewriteColumn(ctx, tx, c.query, c.update, args, replace, c.json)
		if err != nil {
			return n, err
		}
		n += changed
	}
	// An object-centric graph names activities and object types; it is
	// sealed, and its version's cached answers go when it changes.
	graphs, err := s.rewriteGraphs(ctx, tx, pwhere, args, replace)
	if err != nil {
		return n, err
	}
	n += graphs
	if err := tx.Commit(); err != nil {
		return n, err
	}
	return n, s.Erased(ctx)
}

// rewriteGraphs runs through replace the object-centric graphs of the
// versions pwhere selects, opened and sealed again, and tells every
// server which versions changed.
func (s *Store) rewriteGraphs(ctx context.Context, tx *sql.Tx, pwhere string, args []any, replace Replacer) (int, error) {
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT v.id, v.object_centric FROM log_versions v JOIN processes p ON p.id = v.process_id WHERE v.object_centric IS NOT NULL AND "+pwhere), args...)
	if err != nil {
		return 0, err
	}
	type graph struct {
		id   access.ID
		data []byte
	}
	var graphs []graph
	for rows.Next() {
		var g graph
		if err := rows.Scan(&g.id, &g.data); err != nil {
			rows.Close()
			return 0, err
		}
		graphs = append(graphs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, g := range graphs {
		plain, err := s.open(blobAD(blobGraph, g.id), g.data)
		if err != nil {
			return n, err
		}
		text, changed, err := replaceJSON(string(plain), replace)
		if err != nil || !changed {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE log_versions SET object_centric = ? WHERE id = ?"), s.seal(blobAD(blobGraph, g.id), []byte(text)), g.id); err != nil {
			return n, err
		}
		if err := s.notifyIn(ctx, tx, ChangedVersion(g.id)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rewriteColumn reads (id, text) rows with query and writes each text
// that replace changes back with update (text, id). A JSON text is
// rewritten value by value, so that it stays valid JSON.
func (s *Store) rewriteColumn(ctx context.Context, tx *sql.Tx, query, update string, args []any, replace Replacer, isJSON bool) (int, error) {
	type change struct {
		id   int64
		text string
	}
	var changes []change
	rows, err := tx.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.text); err != nil {
			rows.Close()
			return 0, err
		}
		var ok bool
		if isJSON {
			c.text, ok, err = replaceJSON(c.text, replace)
			if err != nil {
				rows.Close()
				return 0, err
			}
		} else {
			c.text, ok = replace(c.text)
		}
		if ok {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, s.rebind(update), c.text, c.id); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

// replaceJSON runs every string of a JSON document, keys aside, through
// replace.
func replaceJSON(text string, replace Replacer) (string, bool, error) {
	var v any
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber() // numbers come back as they were
	if err := d.Decode(&v); err != nil {
		return text, false, err
	}
	changed := false
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			if t, ok := replace(v); ok {
				changed = true
				return t
			}
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = walk(v[k])
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return text, false, nil
	}
	out, err := json.Marshal(v)
	return string(out), true, err
}

// KnownUser tells whether name is, ignoring case, the username of a user
// the environment knows (0: of any user): a member, someone who acted in
// its audit log, or the recorder of one of its recordings.
func (s *Store) KnownUser(ctx context.Context, env access.ID, name string) (bool, error) {
	q := "SELECT 1 FROM users u WHERE lower(u.username) = lower(?)"
	args := []any{name}
	if env != 0 {
		q += ` AND (EXISTS (SELECT 1 FROM members m WHERE m.user_id = u.id AND m.env_id = ?)
			OR EXISTS (SELECT 1 FROM audit a WHERE a.actor_id = u.id AND a.env_id = ?)
			OR EXISTS (SELECT 1 FROM recordings r WHERE r.recorder_id = u.id AND r.env_id = ?))`
		args = append(args, env, env, env)
	}
	var one int
	err := s.db.QueryRowContext(ctx, s.rebind(q+" LIMIT 1"), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Vocabulary lists the names of the environment's roles, teams and
// business units (0: of every environment): words of the product's own
// that an erasure must neither take for a person nor rewrite.
func (s *Store) Vocabulary(ctx context.Context, env access.ID) ([]string, error) {
	where, args := envClause(env, "env_id")
	var out []string
	for _, table := range []string{"roles", "teams", "business_units"} {
		rows, err := s.db.QueryContext(ctx, s.rebind("SELECT name FROM "+table+" WHERE "+where), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EraseFromPolicies removes, from the list of names the privacy policy of
// the environment (0: of every environment) looks for, each name that
// erased says is the person's. It returns how many it removed. Each
// policy is read and written back in one transaction of the writer, its
// row locked on PostgreSQL, so a change saved meanwhile is not undone.
func (s *Store) EraseFromPolicies(ctx context.Context, env access.ID, erased func(string) bool) (int, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	where, args := envClause(env, "env_id")
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT env_id, policy FROM privacy_policies WHERE policy <> '' AND "+where+lock), args...)
	if err != nil {
		return 0, err
	}
	type change struct {
		env    access.ID
		policy string
	}
	var changes []change
	n := 0
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.env, &c.policy); err != nil {
			rows.Close()
			return 0, err
		}
		var p map[string]json.RawMessage
		var names []string
		if err := json.Unmarshal([]byte(c.policy), &p); err != nil {
			rows.Close()
			return 0, fmt.Errorf("privacy policy of environment %d: %w", c.env, err)
		}
		if err := json.Unmarshal(p["names"], &names); err != nil && p["names"] != nil {
			rows.Close()
			return 0, fmt.Errorf("privacy policy of environment %d: %w", c.env, err)
		}
		kept := slices.DeleteFunc(slices.Clone(names), erased)
		if len(kept) == len(names) {
			continue
		}
		n += len(names) - len(kept)
		p["names"], _ = json.Marshal(kept)
		text, err := json.Marshal(p)
		if err != nil {
			rows.Close()
			return 0, err
		}
		c.policy = string(text)
		changes = append(changes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE privacy_policies SET policy = ? WHERE env_id = ?"), c.policy, c.env); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}

// UploadRawNote ends the detail of an upload's audit entry (whose text
// is otherwise the file's name) when the privacy policy was skipped.
const UploadRawNote = "; privacy policy skipped at the uploader's request (privacy=raw)"

// fileName is where the uploaded file's name stands in the detail of an
// audit entry of action: an upload's detail is the name, with
// UploadRawNote after it or not; a new version's ends with it, after the
// fixed "version N: N cases, N events from ". A name is any text, "; "
// and " from " included.
func fileName(action, detail string) (lo, hi int) {
	switch action {
	case "data.upload":
		return 0, len(strings.TrimSuffix(detail, UploadRawNote))
	case "data.version":
		if i := strings.Index(detail, " events from "); i >= 0 {
			return i + len(" events from "), len(detail)
		}
	}
	return 0, 0
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/procmine/procmine/internal/access"
)

// ReadableProcesses lists the ids of the processes of an environment that
// the subject may read, in id order: the SQL twin of
// subject.Can(access.Read, process), evaluated inside the database. units
// are the subject's business unit and every unit below it (the reach of
// parent-child depth; see access.Units.Below).
func (s *Store) ReadableProcesses(ctx context.Context, env access.ID, sub *access.Subject, units []access.ID) ([]access.ID, error) {
	q, args := readableQuery(env, sub, units)
	if q == "" {
		return nil, nil
	}
	return s.ids(ctx, q, args...)
}

// ids runs a query of one column of ids and returns them in its order.
func (s *Store) ids(ctx context.Context, q string, args ...any) ([]access.ID, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []access.ID
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, access.ID(id))
	}
	return ids, rows.Err()
}

// readableQuery follows the resolver's rules step by step; "" means
// nothing is readable. Each way to reach a process is a branch of a UNION
// that an index answers (by unit, owner, owner team, or share), so the
// cost follows the size of the answer rather than of the environment.
func readableQuery(env access.ID, sub *access.Subject, units []access.ID) (string, []any) {
	q, args := readableUnion(env, sub, units)
	if q == "" {
		return "", nil
	}
	return q + " ORDER BY 1", args
}

func readableUnion(env access.ID, sub *access.Subject, units []access.ID) (string, []any) {
	d := sub.Privileges[access.Process][access.Read]
	if sub.Bypass || d == access.Organization {
		return "SELECT id FROM processes WHERE env_id = ?", []any{env}
	}
	if d == access.None {
		return "", nil
	}
	var branches []string
	var args []any
	in := func(ids []access.ID) string {
		marks := make([]string, len(ids))
		for i, id := range ids {
			marks[i] = "?"
			args = append(args, id)
		}
		return "(" + strings.Join(marks, ", ") + ")"
	}
	branch := func(sql string, a ...any) {
		branches = append(branches, sql)
		args = append(args, a...)
	}
	if len(units) == 0 {
		units = []access.ID{sub.Unit}
	}
	switch d {
	case access.ParentChild:
		args = append(args, env)
		branches = append(branches, "SELECT id FROM processes WHERE env_id = ? AND business_unit_id IN "+in(units))
	case access.BusinessUnit:
		branch("SELECT id FROM processes WHERE env_id = ? AND business_unit_id = ?", env, sub.Unit)
	}
	// User depth: owned by the user or one of its teams, or shared with
	// either (every kind of share grants reading a process).
	branch("SELECT id FROM processes WHERE env_id = ? AND owner_user_id = ?", env, sub.User)
	branch("SELECT p.id FROM process_shares s JOIN processes p ON p.id = s.process_id WHERE p.env_id = ? AND s.user_id = ?", env, sub.User)
	if len(sub.Teams) > 0 {
		args = append(args, env)
		branches = append(branches, "SELECT id FROM processes WHERE env_id = ? AND owner_team_id IN "+in(sub.Teams))
		args = append(args, env)
		branches = append(branches, "SELECT p.id FROM process_shares s JOIN processes p ON p.id = s.process_id WHERE p.env_id = ? AND s.team_id IN "+in(sub.Teams))
	}
	return strings.Join(branches, " UNION "), args
}

// ListProcesses returns the processes of the environment the subject may
// read, in id order (ReadableProcesses with the rows).
func (s *Store) ListProcesses(ctx context.Context, env access.ID, sub *access.Subject, units []access.ID) ([]Process, error) {
	q, args := readableUnion(env, sub, units)
	if q == "" {
		return []Process{}, nil
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(
		"SELECT id, name, COALESCE(owner_user_id, 0), COALESCE(owner_team_id, 0), business_unit_id FROM processes WHERE id IN ("+q+") ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Process{}
	for rows.Next() {
		p := Process{Env: env}
		if err := rows.Scan(&p.ID, &p.Name, &p.Owner.User, &p.Owner.Team, &p.Unit); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProcessByID loads a process of the environment.
func (s *Store) ProcessByID(ctx context.Context, env, id access.ID) (Process, error) {
	p := Process{Env: env}
	err := s.db.QueryRowContext(ctx, s.rebind(
		"SELECT id, name, COALESCE(owner_user_id, 0), COALESCE(owner_team_id, 0), business_unit_id FROM processes WHERE env_id = ? AND id = ?"), env, id).
		Scan(&p.ID, &p.Name, &p.Owner.User, &p.Owner.Team, &p.Unit)
	if errors.Is(err, sql.ErrNoRows) {
		return Process{}, ErrNotFound
	}
	return p, err
}

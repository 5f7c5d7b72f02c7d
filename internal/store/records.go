package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/procmine/procmine/internal/access"
)

// CreateEnvironment adds an environment with its root business unit,
// named after it, and the built-in roles, and returns the environment's and
// the unit's ids. A non-zero admin becomes a member, in the root unit, and
// the environment's System Administrator, in the same transaction.
func (s *Store) CreateEnvironment(ctx context.Context, name string, admin access.ID) (env, root access.ID, err error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	var id, unit int64
	if err := tx.QueryRowContext(ctx, s.rebind("INSERT INTO environments (name, created_at) VALUES (?, ?) RETURNING id"), name, s.now()).Scan(&id); isUniqueViolation(err) {
		return 0, 0, ErrConflict
	} else if err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRowContext(ctx, s.rebind("INSERT INTO business_units (env_id, name) VALUES (?, ?) RETURNING id"), id, name).Scan(&unit); err != nil {
		return 0, 0, err
	}
	for _, r := range access.BuiltInRoles() {
		var roleID int64
		if err := tx.QueryRowContext(ctx, s.rebind("INSERT INTO roles (env_id, name, builtin, privileges) VALUES (?, ?, ?, ?) RETURNING id"),
			id, r.Name, true, r.Privileges.String()).Scan(&roleID); err != nil {
			return 0, 0, err
		}
		if admin != 0 && r.Name == access.SystemAdministrator {
			if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO role_assignments (role_id, user_id) VALUES (?, ?)"), roleID, admin); err != nil {
				return 0, 0, err
			}
			if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO members (env_id, user_id, business_unit_id) VALUES (?, ?, ?)"), id, admin, unit); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := tx.Commit(); isUniqueViolation(err) {
		return 0, 0, ErrConflict
	} else if err != nil {
		return 0, 0, err
	}
	return access.ID(id), access.ID(unit), nil
}

// CreateBusinessUnit adds a unit below parent, which must be a unit of
// the same environment (else ErrNotFound). A taken name is ErrConflict.
func (s *Store) CreateBusinessUnit(ctx context.Context, env access.ID, name string, parent access.ID) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO business_units (env_id, name, parent_id) SELECT ?, ?, id FROM business_units WHERE id = ? AND env_id = ?", env, name, parent, env)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, ErrNotFound
	case isUniqueViolation(err):
		return 0, ErrConflict
	}
	return access.ID(id), err
}

// Units loads the business-unit tree of an environment.
func (s *Store) Units(ctx context.Context, env access.ID) (*access.Units, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT id, parent_id FROM business_units WHERE env_id = ?"), env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	parent := map[access.ID]access.ID{}
	for rows.Next() {
		var id int64
		var p sql.NullInt64
		if err := rows.Scan(&id, &p); err != nil {
			return nil, err
		}
		parent[access.ID(id)] = access.ID(p.Int64)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return access.NewUnits(parent)
}

// AddMember makes a user a member of an environment, in a business unit
// of it (else ErrNotFound).
func (s *Store) AddMember(ctx context.Context, env, user, unit access.ID) error {
	return s.changed(s.exec(ctx, "INSERT INTO members (env_id, user_id, business_unit_id) SELECT ?, ?, id FROM business_units WHERE id = ? AND env_id = ?", env, user, unit, env))
}

// CreateTeam adds an owner or access team in a business unit of the
// environment (else ErrNotFound). A taken name is ErrConflict.
func (s *Store) CreateTeam(ctx context.Context, env access.ID, name, kind string, unit access.ID) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO teams (env_id, name, kind, business_unit_id) SELECT ?, ?, ?, id FROM business_units WHERE id = ? AND env_id = ?", env, name, kind, unit, env)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, ErrNotFound
	case isUniqueViolation(err):
		return 0, ErrConflict
	}
	return access.ID(id), err
}

// AddTeamMember puts a user in a team. Adding a member twice changes nothing.
func (s *Store) AddTeamMember(ctx context.Context, team, user access.ID) error {
	_, err := s.exec(ctx, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", team, user)
	if isUniqueViolation(err) {
		return nil
	}
	return err
}

// TeamMember adds (or with remove, takes out) a member of the environment
// to a team of it; a team or user outside the environment is ErrNotFound.
func (s *Store) TeamMember(ctx context.Context, env, team, user access.ID, remove bool) error {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM teams t JOIN members m ON m.env_id = t.env_id
		WHERE t.id = ? AND t.env_id = ? AND m.user_id = ?`), team, env, user).Scan(&n)
	if err != nil || n == 0 {
		return cmpErr(err, ErrNotFound)
	}
	if remove {
		return s.changed(s.exec(ctx, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", team, user))
	}
	return s.AddTeamMember(ctx, team, user)
}

// Process is a process record.
type Process struct {
	ID    access.ID
	Env   access.ID
	Name  string
	Owner access.Principal
	Unit  access.ID
}

// CreateProcess adds a process owned by a user or a team.
func (s *Store) CreateProcess(ctx context.Context, p Process) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO processes (env_id, name, owner_user_id, owner_team_id, business_unit_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		p.Env, p.Name, nullID(p.Owner.User), nullID(p.Owner.Team), p.Unit, s.now())
	return access.ID(id), err
}

// PutShare shares a process with a principal, replacing an earlier share
// with the same principal (SetShare).
func (s *Store) PutShare(ctx context.Context, process access.ID, sh access.ProcessShare) error {
	_, err := s.SetShare(ctx, process, sh)
	return err
}

// SetShare shares a process with a principal, replacing an earlier share
// with the same principal, and tells whether that changed anything (a
// new share, or another access): share.granted is told only then. It is
// one upsert, so concurrent calls cannot collide.
func (s *Store) SetShare(ctx context.Context, process access.ID, sh access.ProcessShare) (changed bool, err error) {
	q := `INSERT INTO process_shares (process_id, user_id, team_id, access) VALUES (?, ?, ?, ?)
		ON CONFLICT (process_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET access = excluded.access WHERE process_shares.access <> excluded.access`
	if sh.To.Team != 0 {
		q = `INSERT INTO process_shares (process_id, user_id, team_id, access) VALUES (?, ?, ?, ?)
		ON CONFLICT (process_id, team_id) WHERE team_id IS NOT NULL DO UPDATE SET access = excluded.access WHERE process_shares.access <> excluded.access`
	}
	res, err := s.exec(ctx, q, process, nullID(sh.To.User), nullID(sh.To.Team), int(sh.Access))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// loadProcessRecord loads what the resolver needs to decide on a process of an
// environment. A process of another environment is ErrNotFound.
func (s *Store) loadProcessRecord(ctx context.Context, env, id access.ID) (*access.Record, error) {
	var owner, team sql.NullInt64
	var unit int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT owner_user_id, owner_team_id, business_unit_id FROM processes WHERE id = ? AND env_id = ?"), id, env).
		Scan(&owner, &team, &unit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rec := &access.Record{Table: access.Process, Owner: access.Principal{User: access.ID(owner.Int64), Team: access.ID(team.Int64)}, Unit: access.ID(unit)}
	rec.Shares, err = s.processShares(ctx, id)
	return rec, err
}

func (s *Store) processShares(ctx context.Context, id access.ID) ([]access.ProcessShare, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT user_id, team_id, access FROM process_shares WHERE process_id = ? ORDER BY user_id, team_id"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []access.ProcessShare{}
	for rows.Next() {
		var u, t sql.NullInt64
		var a int
		if err := rows.Scan(&u, &t, &a); err != nil {
			return nil, err
		}
		out = append(out, access.ProcessShare{To: access.Principal{User: access.ID(u.Int64), Team: access.ID(t.Int64)}, Access: access.ShareAccess(a)})
	}
	return out, rows.Err()
}

func nullID(id access.ID) sql.NullInt64 { return sql.NullInt64{Int64: int64(id), Valid: id != 0} }

// RenameProcess changes a process's name.
func (s *Store) RenameProcess(ctx context.Context, env, id access.ID, name string) error {
	return s.changed(s.exec(ctx, "UPDATE processes SET name = ? WHERE env_id = ? AND id = ?", name, env, id))
}

// DeleteProcess deletes a process, its shares, its data and its recordings.
func (s *Store) DeleteProcess(ctx context.Context, env, id access.ID) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		"DELETE FROM process_shares WHERE process_id = ? AND process_id IN (SELECT id FROM processes WHERE env_id = ?)",
		"DELETE FROM log_versions WHERE process_id = ? AND process_id IN (SELECT id FROM processes WHERE env_id = ?)",
		"DELETE FROM recordings WHERE process_id = ? AND env_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, s.rebind(q), id, env); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM processes WHERE env_id = ? AND id = ?"), env, id)
	if err := s.changed(res, err); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// SetProcessOwner gives a process to a user or team of its environment;
// the process moves to the new owner's business unit.
func (s *Store) SetProcessOwner(ctx context.Context, env, id access.ID, owner access.Principal) error {
	unit, err := s.PrincipalUnit(ctx, env, owner)
	if err != nil {
		return err
	}
	return s.changed(s.exec(ctx, "UPDATE processes SET owner_user_id = ?, owner_team_id = ?, business_unit_id = ? WHERE env_id = ? AND id = ?",
		nullID(owner.User), nullID(owner.Team), unit, env, id))
}

// PrincipalUnit returns the business unit of a member or a team of the
// environment; anyone or anything else is ErrNotFound.
func (s *Store) PrincipalUnit(ctx context.Context, env access.ID, p access.Principal) (access.ID, error) {
	var q string
	var arg access.ID
	switch {
	case p.User != 0 && p.Team == 0:
		q, arg = "SELECT business_unit_id FROM members WHERE env_id = ? AND user_id = ?", p.User
	case p.Team != 0 && p.User == 0:
		q, arg = "SELECT business_unit_id FROM teams WHERE env_id = ? AND id = ?", p.Team
	default:
		return 0, ErrNotFound
	}
	var unit int64
	err := s.db.QueryRowContext(ctx, s.rebind(q), env, arg).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return access.ID(unit), err
}

// DeleteShare removes a principal's share of a process.
func (s *Store) DeleteShare(ctx context.Context, process access.ID, to access.Principal) error {
	return s.changed(s.exec(ctx, "DELETE FROM process_shares WHERE process_id = ? AND (user_id = ? OR team_id = ?)",
		process, nullID(to.User), nullID(to.Team)))
}

// changed turns "no row affected" into ErrNotFound.
func (s *Store) changed(res sql.Result, err error) error { return noRowIs(res, err, ErrNotFound) }

// noRowIs is err, or none when the statement changed no row.
func noRowIs(res sql.Result, err, none error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return none
	}
	return nil
}

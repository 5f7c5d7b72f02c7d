package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/procmine/procmine/internal/access"
)

// Member is a user's membership of an environment.
type Member struct {
	User     access.ID `json:"user"`
	Username string    `json:"username"`
	Unit     access.ID `json:"business_unit"`
	Roles    []string  `json:"roles"`
}

// Members lists an environment's members with their direct roles.
func (s *Store) Members(ctx context.Context, env access.ID) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`
		SELECT m.user_id, u.username, m.business_unit_id, COALESCE(r.name, '')
		FROM members m JOIN users u ON u.id = m.user_id
		LEFT JOIN role_assignments a ON a.user_id = m.user_id AND a.role_id IN (SELECT id FROM roles WHERE env_id = m.env_id)
		LEFT JOIN roles r ON r.id = a.role_id
		WHERE m.env_id = ? ORDER BY m.user_id, r.name`), env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		var role string
		if err := rows.Scan(&m.User, &m.Username, &m.Unit, &role); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].User == m.User {
			out[n-1].Roles = append(out[n-1].Roles, role)
			continue
		}
		m.Roles = []string{}
		if role != "" {
			m.Roles = append(m.Roles, role)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetMember makes a user a member in a unit of the environment, or moves
// them there, and replaces their direct roles, in one transaction. A unit
// or role not of the environment, or an unknown user, is ErrNotFound.
func (s *Store) SetMember(ctx context.Context, env, user, unit access.ID, roles []string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM business_units WHERE id = ? AND env_id = ?"), unit, env).Scan(&n); err != nil || n == 0 {
		return cmpErr(err, ErrNotFound)
	}
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM users WHERE id = ?"), user).Scan(&n); err != nil || n == 0 {
		return cmpErr(err, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO members (env_id, user_id, business_unit_id) VALUES (?, ?, ?)
		ON CONFLICT (env_id, user_id) DO UPDATE SET business_unit_id = excluded.business_unit_id`), env, user, unit); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM role_assignments WHERE user_id = ? AND role_id IN (SELECT id FROM roles WHERE env_id = ?)"), user, env); err != nil {
		return err
	}
	for _, name := range roles {
		var role int64
		err := tx.QueryRowContext(ctx, s.rebind("SELECT id FROM roles WHERE env_id = ? AND name = ?"), env, name).Scan(&role)
		if err != nil {
			return cmpErr(err, ErrNotFound)
		}
		// A name given twice is one role; no statement may fail inside the
		// transaction (PostgreSQL would abort it).
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO role_assignments (role_id, user_id) VALUES (?, ?)
			ON CONFLICT (role_id, user_id) WHERE user_id IS NOT NULL DO NOTHING`), role, user); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// RemoveMember ends a user's membership, their roles and their team
// memberships in the environment.
func (s *Store) RemoveMember(ctx context.Context, env, user access.ID) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM role_assignments WHERE user_id = ? AND role_id IN (SELECT id FROM roles WHERE env_id = ?)"), user, env); err != nil {
		return err
	}
	// A former member keeps nothing: no team, so no team role or share.
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM team_members WHERE user_id = ? AND team_id IN (SELECT id FROM teams WHERE env_id = ?)"), user, env); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM members WHERE env_id = ? AND user_id = ?"), env, user)
	if err := s.changed(res, err); err != nil {
		return err
	}
	return tx.Commit()
}

// StoredRole is a role as the environment keeps it.
type StoredRole struct {
	ID         access.ID
	Name       string
	BuiltIn    bool
	Privileges access.Privileges
}

// Roles lists the environment's roles by name.
func (s *Store) Roles(ctx context.Context, env access.ID) ([]StoredRole, error) {
	return s.roles(ctx, "SELECT id, name, builtin, privileges FROM roles WHERE env_id = ? ORDER BY builtin DESC, name", env)
}

// roles runs a query for role rows.
func (s *Store) roles(ctx context.Context, q string, args ...any) ([]StoredRole, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredRole
	for rows.Next() {
		var r StoredRole
		var p string
		if err := rows.Scan(&r.ID, &r.Name, &r.BuiltIn, &p); err != nil {
			return nil, err
		}
		if r.Privileges, err = access.ParsePrivileges(p); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Role finds a role of the environment by name.
func (s *Store) Role(ctx context.Context, env access.ID, name string) (StoredRole, error) {
	rs, err := s.roles(ctx, "SELECT id, name, builtin, privileges FROM roles WHERE env_id = ? AND name = ?", env, name)
	if err != nil {
		return StoredRole{}, err
	}
	if len(rs) == 0 {
		return StoredRole{}, ErrNotFound
	}
	return rs[0], nil
}

// SetRolePrivileges replaces a role's privilege grid.
func (s *Store) SetRolePrivileges(ctx context.Context, env access.ID, name string, p access.Privileges) error {
	return s.changed(s.exec(ctx, "UPDATE roles SET privileges = ? WHERE env_id = ? AND name = ?", p.String(), env, name))
}

func cmpErr(err, none error) error {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return none
	}
	return err
}

// Environment is an environment as listed to a member.
type Environment struct {
	ID   access.ID `json:"id"`
	Name string    `json:"name"`
}

// EnvironmentsOf lists the environments a user is a member of; with all,
// every environment of the installation.
func (s *Store) EnvironmentsOf(ctx context.Context, user access.ID, all bool) ([]Environment, error) {
	q := "SELECT e.id, e.name FROM environments e WHERE EXISTS (SELECT 1 FROM members m WHERE m.env_id = e.id AND m.user_id = ?) ORDER BY e.id"
	args := []any{user}
	if all {
		q, args = "SELECT id, name FROM environments ORDER BY id", nil
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Environment{}
	for rows.Next() {
		var e Environment
		if err := rows.Scan(&e.ID, &e.Name); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RenameEnvironment changes an environment's name.
func (s *Store) RenameEnvironment(ctx context.Context, env access.ID, name string) error {
	err := s.changed(s.exec(ctx, "UPDATE environments SET name = ? WHERE id = ?", name, env))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

// DeleteEnvironment deletes an environment and everything in it.
func (s *Store) DeleteEnvironment(ctx context.Context, env access.ID) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Children first: not every database cascades through every path.
	for _, q := range []string{
		"DELETE FROM process_shares WHERE process_id IN (SELECT id FROM processes WHERE env_id = ?)",
		"DELETE FROM log_versions WHERE process_id IN (SELECT id FROM processes WHERE env_id = ?)",
		"DELETE FROM jobs WHERE env_id = ?",
		"DELETE FROM processes WHERE env_id = ?",
		"DELETE FROM role_assignments WHERE role_id IN (SELECT id FROM roles WHERE env_id = ?)",
		"DELETE FROM roles WHERE env_id = ?",
		"DELETE FROM team_members WHERE team_id IN (SELECT id FROM teams WHERE env_id = ?)",
		"DELETE FROM teams WHERE env_id = ?",
		"DELETE FROM members WHERE env_id = ?",
		"UPDATE business_units SET parent_id = NULL WHERE env_id = ?",
		"DELETE FROM business_units WHERE env_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, s.rebind(q), env); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM environments WHERE id = ?"), env)
	if err := s.changed(res, err); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.Erased(ctx)
}

// Named is an id with a name, for lists of units and teams.
type Named struct {
	ID     access.ID `json:"id"`
	Name   string    `json:"name"`
	Parent access.ID `json:"parent,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Unit   access.ID `json:"business_unit,omitempty"`
}

// BusinessUnits lists the units of an environment.
func (s *Store) BusinessUnits(ctx context.Context, env access.ID) ([]Named, error) {
	return s.named(ctx, "SELECT id, name, COALESCE(parent_id, 0), '', 0 FROM business_units WHERE env_id = ? ORDER BY id", env)
}

// Teams lists the teams of an environment.
func (s *Store) Teams(ctx context.Context, env access.ID) ([]Named, error) {
	return s.named(ctx, "SELECT id, name, 0, kind, business_unit_id FROM teams WHERE env_id = ? ORDER BY id", env)
}

func (s *Store) named(ctx context.Context, q string, env access.ID) ([]Named, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Named{}
	for rows.Next() {
		var n Named
		if err := rows.Scan(&n.ID, &n.Name, &n.Parent, &n.Kind, &n.Unit); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Users lists the installation's users.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, username, installation_admin FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Username, &u.InstallationAdmin); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Shares lists the shares of a process.
func (s *Store) Shares(ctx context.Context, process access.ID) ([]access.ProcessShare, error) {
	return s.processShares(ctx, process)
}

// TeamMembers lists the members of a team of the environment; a team of
// another environment is ErrNotFound.
func (s *Store) TeamMembers(ctx context.Context, env, team access.ID) ([]Named, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM teams WHERE id = ? AND env_id = ?"), team, env).Scan(&n); err != nil || n == 0 {
		return nil, cmpErr(err, ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT u.id, u.username FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.id"), team)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Named{}
	for rows.Next() {
		var m Named
		if err := rows.Scan(&m.ID, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// TeamProcesses lists, in id order, the processes of the environment that
// a team owns or that are shared with it: what joining the team gives.
func (s *Store) TeamProcesses(ctx context.Context, env, team access.ID) ([]access.ID, error) {
	return s.ids(ctx, `SELECT id FROM processes WHERE env_id = ? AND owner_team_id = ?
		UNION SELECT p.id FROM process_shares s JOIN processes p ON p.id = s.process_id WHERE p.env_id = ? AND s.team_id = ?
		ORDER BY 1`, env, team, env, team)
}

// TeamRoles returns the roles a team of the environment holds.
func (s *Store) TeamRoles(ctx context.Context, env, team access.ID) ([]StoredRole, error) {
	return s.roles(ctx, `SELECT r.id, r.name, r.builtin, r.privileges FROM role_assignments a
		JOIN roles r ON r.id = a.role_id WHERE a.team_id = ? AND r.env_id = ? ORDER BY r.name`, team, env)
}

// SetTeamRoles replaces the roles a team of the environment holds; a team
// or role not of the environment is ErrNotFound.
func (s *Store) SetTeamRoles(ctx context.Context, env, team access.ID, roles []string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM teams WHERE id = ? AND env_id = ?"), team, env).Scan(&n); err != nil || n == 0 {
		return cmpErr(err, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM role_assignments WHERE team_id = ?"), team); err != nil {
		return err
	}
	for _, name := range roles {
		var role int64
		if err := tx.QueryRowContext(ctx, s.rebind("SELECT id FROM roles WHERE env_id = ? AND name = ?"), env, name).Scan(&role); err != nil {
			return cmpErr(err, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO role_assignments (role_id, team_id) VALUES (?, ?)
			ON CONFLICT (role_id, team_id) WHERE team_id IS NOT NULL DO NOTHING`), role, team); err != nil {
			return err
		}
	}
	return tx.Commit()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/procmine/procmine/internal/access"
)

// User is an account of the installation.
type User struct {
	ID                access.ID
	Username          string
	PasswordHash      string
	InstallationAdmin bool
}

// ErrConflict is returned when a record with the same unique name exists.
var ErrConflict = errors.New("already exists")

// CreateUser adds a user. A taken username is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO users (username, password_hash, installation_admin, created_at) VALUES (?, ?, ?, ?)",
		u.Username, u.PasswordHash, u.InstallationAdmin, s.now())
	if isUniqueViolation(err) {
		return 0, ErrConflict
	}
	return access.ID(id), err
}

// isUniqueViolation recognises both databases' unique-constraint errors.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// UserByName finds a user by username.
// Usernames are one name whatever their case (ASCII: see migration 00020).
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	return s.user(ctx, "lower(username) = lower(?)", username)
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id access.ID) (User, error) {
	return s.user(ctx, "id = ?", id)
}

func (s *Store) user(ctx context.Context, where string, arg any) (User, error) {
	var u User
	var id int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT id, username, password_hash, installation_admin FROM users WHERE "+where), arg).
		Scan(&id, &u.Username, &u.PasswordHash, &u.InstallationAdmin)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	u.ID = access.ID(id)
	return u, err
}

// CreateSession stores a session by its token's digest, signed in at
// signedIn (by the server's clock) and ending at expires. mfa tells
// whether its sign-in satisfied multi-factor authentication.
func (s *Store) CreateSession(ctx context.Context, digest string, user access.ID, signedIn, expires time.Time, mfa bool) error {
	_, err := s.exec(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, mfa) VALUES (?, ?, ?, ?, ?)",
		digest, user, signedIn.Unix(), expires.Unix(), mfa)
	return err
}

// SessionUser returns the user of a session live at now and whether the
// session satisfied multi-factor authentication; an unknown or expired
// session is ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, digest string, now time.Time) (access.ID, bool, error) {
	var id int64
	var mfa bool
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT user_id, mfa FROM sessions WHERE token_hash = ? AND expires_at > ?"), digest, now.Unix()).Scan(&id, &mfa)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, ErrNotFound
	}
	return access.ID(id), mfa, err
}

// SessionSignedIn is when the session's sign-in was.
func (s *Store) SessionSignedIn(ctx context.Context, digest string) (time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT created_at FROM sessions WHERE token_hash = ?"), digest).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, ErrNotFound
	}
	return time.Unix(at, 0), err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, digest string) error {
	_, err := s.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", digest)
	return err
}

// Token is a personal access token, without its secret.
type Token struct {
	ID      access.ID `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created_at"`
	Expires time.Time `json:"expires_at"`
}

// Tokens lists the user's tokens that are not revoked, expired ones too
// (until they are revoked), newest first. The digests stay in the store.
func (s *Store) Tokens(ctx context.Context, user access.ID) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT id, name, created_at, expires_at FROM tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC"), user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created, expires int64
		if err := rows.Scan(&t.ID, &t.Name, &created, &expires); err != nil {
			return nil, err
		}
		t.Created, t.Expires = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateToken stores a personal access token by its digest.
// The token carries the multi-factor state (mfa) of the session it was
// made in.
func (s *Store) CreateToken(ctx context.Context, user access.ID, name, digest string, expires time.Time, mfa bool) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO tokens (user_id, name, token_hash, created_at, expires_at, mfa) VALUES (?, ?, ?, ?, ?, ?)",
		user, name, digest, s.now().Unix(), expires.Unix(), mfa)
	return access.ID(id), err
}

// TokenUser returns the user of a token live at now and its multi-factor
// state; an unknown, expired or revoked token is ErrNotFound.
func (s *Store) TokenUser(ctx context.Context, digest string, now time.Time) (access.ID, bool, error) {
	var id int64
	var mfa bool
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT user_id, mfa FROM tokens WHERE token_hash = ? AND expires_at > ? AND revoked_at IS NULL"),
		digest, now.Unix()).Scan(&id, &mfa)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, ErrNotFound
	}
	return access.ID(id), mfa, err
}

// RevokeToken revokes one of the user's tokens; another user's token is
// ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, user, id access.ID) error {
	res, err := s.exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", s.now().Unix(), id, user)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AssignRole gives a role of the environment, by name, to a member or a
// team of it; giving a role already held changes nothing. A role, member or
// team not of the environment is ErrNotFound.
func (s *Store) AssignRole(ctx context.Context, env access.ID, role string, to access.Principal) error {
	if _, err := s.PrincipalUnit(ctx, env, to); err != nil {
		return err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT id FROM roles WHERE env_id = ? AND name = ?"), env, role).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO role_assignments (role_id, user_id, team_id) VALUES (?, ?, ?)", id, nullID(to.User), nullID(to.Team))
	if isUniqueViolation(err) {
		return nil // holding a role twice is holding it once
	}
	return err
}

// loadSubject loads what the resolver needs about a user in an environment:
// business unit, teams, and roles held directly or through teams. A user
// who is not a member of the environment is ErrNotFound.
func (s *Store) loadSubject(ctx context.Context, env, user access.ID) (*access.Subject, error) {
	var unit int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT business_unit_id FROM members WHERE env_id = ? AND user_id = ?"), env, user).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	units, err := s.Units(ctx, env)
	if err != nil {
		return nil, err
	}
	var teams []access.ID
	rows, err := s.db.QueryContext(ctx, s.rebind(
		"SELECT t.id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? AND t.env_id = ?"), user, env)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		teams = append(teams, access.ID(id))
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, s.rebind(`
		SELECT r.name, r.builtin, r.privileges, COALESCE(t.id, 0), COALESCE(t.name, '')
		FROM role_assignments a
		JOIN roles r ON r.id = a.role_id
		LEFT JOIN teams t ON t.id = a.team_id
		WHERE r.env_id = ? AND (a.user_id = ? OR a.team_id IN (
			SELECT m.team_id FROM team_members m JOIN teams tt ON tt.id = m.team_id WHERE m.user_id = ? AND tt.env_id = ?))
		ORDER BY r.name`), env, user, user, env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var grants []access.RoleGrant
	for rows.Next() {
		var name, privs, teamName string
		var builtin bool
		var team int64
		if err := rows.Scan(&name, &builtin, &privs, &team, &teamName); err != nil {
			return nil, err
		}
		role := &access.Role{Name: name, BuiltIn: builtin}
		if builtin {
			// The flags of a built-in role (bypass, locked, service only)
			// come from the code; its privileges from the row, as an
			// administrator may have adjusted them (not those of locked roles,
			// which the API refuses to change).
			if r, ok := access.BuiltInRole(name); ok {
				role = &r
			}
		}
		if role.Privileges, err = access.ParsePrivileges(privs); err != nil {
			return nil, err
		}
		grants = append(grants, access.RoleGrant{Role: role, Team: access.ID(team), TeamName: teamName})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return access.NewSubject(user, access.ID(unit), units, teams, grants), nil
}

// CreateRole adds a custom role to an environment.
func (s *Store) CreateRole(ctx context.Context, env access.ID, name string, p access.Privileges) (access.ID, error) {
	id, err := s.insert(ctx, "INSERT INTO roles (env_id, name, builtin, privileges) VALUES (?, ?, ?, ?)", env, name, false, p.String())
	if isUniqueViolation(err) {
		return 0, ErrConflict
	}
	return access.ID(id), err
}

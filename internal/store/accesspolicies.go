package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
)

// AccessPolicies lists the installation's conditional access policies,
// oldest first.
func (s *Store) AccessPolicies(ctx context.Context) ([]accesspolicy.Policy, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, body FROM access_policies ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []accesspolicy.Policy{}
	for rows.Next() {
		var id access.ID
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		var p accesspolicy.Policy
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return nil, err
		}
		p.ID = id
		out = append(out, p)
	}
	return out, rows.Err()
}

// AccessPolicy returns one policy.
func (s *Store) AccessPolicy(ctx context.Context, id access.ID) (accesspolicy.Policy, error) {
	var body string
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT body FROM access_policies WHERE id = ?"), id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return accesspolicy.Policy{}, ErrNotFound
	}
	var p accesspolicy.Policy
	if err == nil {
		err = json.Unmarshal([]byte(body), &p)
	}
	p.ID = id
	return p, err
}

// PutAccessPolicy creates the policy (ID 0) or replaces it; a name in use
// by another is ErrConflict.
func (s *Store) PutAccessPolicy(ctx context.Context, p accesspolicy.Policy) (access.ID, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	now := s.now().UnixNano()
	if p.ID == 0 {
		id, err := s.insert(ctx, "INSERT INTO access_policies (name, state, body, updated_at) VALUES (?, ?, ?, ?)", p.Name, p.State, string(body), now)
		if isUniqueViolation(err) {
			return 0, ErrConflict
		}
		return access.ID(id), err
	}
	err = s.changed(s.exec(ctx, "UPDATE access_policies SET name = ?, state = ?, body = ?, updated_at = ? WHERE id = ?", p.Name, p.State, string(body), now, p.ID))
	if isUniqueViolation(err) {
		return 0, ErrConflict
	}
	return p.ID, err
}

// DeleteAccessPolicy deletes a policy.
func (s *Store) DeleteAccessPolicy(ctx context.Context, id access.ID) error {
	return s.changed(s.exec(ctx, "DELETE FROM access_policies WHERE id = ?", id))
}

// TeamExists tells whether a team exists in any environment.
func (s *Store) TeamExists(ctx context.Context, id access.ID) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM teams WHERE id = ?"), id).Scan(&n)
	return n > 0, err
}

// TeamsOfUser lists, sorted, every team the user belongs to in any
// environment: conditional access names teams installation-wide.
func (s *Store) TeamsOfUser(ctx context.Context, user access.ID) ([]access.ID, error) {
	return s.ids(ctx, "SELECT team_id FROM team_members WHERE user_id = ? ORDER BY team_id", user)
}

// SetTeamGroup makes a team of the environment follow a provider group
// (empty: no group).
func (s *Store) SetTeamGroup(ctx context.Context, env, team access.ID, group string) error {
	return s.changed(s.exec(ctx, "UPDATE teams SET idp_group = ? WHERE env_id = ? AND id = ?", group, env, team))
}

// GroupTeam is a team that follows a provider group.
type GroupTeam struct {
	Env, Team access.ID
	Group     string
}

// GroupTeams lists every team that follows a provider group.
func (s *Store) GroupTeams(ctx context.Context) ([]GroupTeam, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT env_id, id, idp_group FROM teams WHERE idp_group <> '' ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupTeam
	for rows.Next() {
		var g GroupTeam
		if err := rows.Scan(&g.Env, &g.Team, &g.Group); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// NamedRanges returns the named address ranges, by name.
func (s *Store) NamedRanges(ctx context.Context) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, ranges FROM named_ranges ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			return nil, err
		}
		var list []string
		if err := json.Unmarshal([]byte(text), &list); err != nil {
			return nil, err
		}
		out[name] = list
	}
	return out, rows.Err()
}

// PutNamedRange creates or replaces a named range.
func (s *Store) PutNamedRange(ctx context.Context, name string, ranges []string) error {
	text, err := json.Marshal(ranges)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO named_ranges (name, ranges) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET ranges = excluded.ranges", name, string(text))
	return err
}

// DeleteNamedRange deletes a named range.
func (s *Store) DeleteNamedRange(ctx context.Context, name string) error {
	return s.changed(s.exec(ctx, "DELETE FROM named_ranges WHERE name = ?", name))
}

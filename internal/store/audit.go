package store

import (
	"context"
	"strconv"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// AuditTarget is what an audit entry's target reads for a record of a
// kind: "process 12", "user 3".
func AuditTarget(kind string, id access.ID) string {
	return kind + " " + strconv.FormatInt(int64(id), 10)
}

// AuditEntry is one line of the append-only audit log. The database
// refuses to change or delete entries (a trigger), not only the API.
type AuditEntry struct {
	ID      access.ID `json:"id"`
	Env     access.ID `json:"environment,omitempty"`
	At      time.Time `json:"at"`
	ActorID access.ID `json:"actor_id,omitempty"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Detail  string    `json:"detail,omitempty"`
	IP      string    `json:"ip,omitempty"`
	// App is what the request was made through: studio, api (a personal
	// access token) or mcp (an assistant's tool); empty for what no
	// signed-in request did.
	App string `json:"app,omitempty"`
}

// Audit appends an entry; Env 0 is the installation.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return s.audit(ctx, s.wdb, e)
}

// audit is Audit within a transaction, or not.
func (s *Store) audit(ctx context.Context, db execer, e AuditEntry) error {
	_, err := db.ExecContext(ctx, s.rebind("INSERT INTO audit (env_id, at, actor_id, actor, action, target, detail, ip, app) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		nullID(e.Env), e.At.UnixNano(), nullID(e.ActorID), e.Actor, e.Action, e.Target, e.Detail, e.IP, e.App)
	return err
}

// AuditFilter narrows a query of the audit log.
type AuditFilter struct {
	Action, Actor string
	Since         time.Time
	// After continues a listing after this entry id.
	After access.ID
	Limit int
}

// AuditLog lists an environment's entries, oldest first; env 0 lists the
// installation's own (sign-ins, users, tokens).
func (s *Store) AuditLog(ctx context.Context, env access.ID, f AuditFilter) ([]AuditEntry, error) {
	q := "SELECT id, COALESCE(env_id, 0), at, COALESCE(actor_id, 0), actor, action, target, detail, ip, app FROM audit WHERE env_id = ? AND id > ?"
	args := []any{env, f.After}
	if env == 0 {
		q = "SELECT id, 0, at, COALESCE(actor_id, 0), actor, action, target, detail, ip, app FROM audit WHERE env_id IS NULL AND id > ?"
		args = []any{f.After}
	}
	if f.Action != "" {
		q += " AND action = ?"
		args = append(args, f.Action)
	}
	if f.Actor != "" {
		q += " AND actor = ?"
		args = append(args, f.Actor)
	}
	if !f.Since.IsZero() {
		q += " AND at >= ?"
		args = append(args, f.Since.UnixNano())
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Env, &at, &e.ActorID, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.IP, &e.App); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

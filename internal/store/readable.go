package store

import (
	"context"
	"strings"

	"github.com/procmine/procmine/internal/access"
)

// ReadableProcesses lists the ids of the processes of an environment that
// the subject may read, in id order: the SQL twin of
// subject.Can(access.Read, process), evaluated inside the database.
func (s *Store) ReadableProcesses(ctx context.Context, env access.ID, sub *access.Subject, units []access.ID) ([]access.ID, error) {
	where, args := readableWhere(sub, units)
	if where == "" {
		return nil, nil
	}
	q := "SELECT id FROM processes p WHERE p.env_id = ? AND (" + where + ") ORDER BY id"
	rows, err := s.db.QueryContext(ctx, s.rebind(q), append([]any{env}, args...)...)
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

// readableWhere builds the condition of ReadableProcesses following the
// resolver's rules step by step; "" means nothing is readable. units are
// the subject's business unit and every unit below it (the reach of
// parent-child depth).
func readableWhere(sub *access.Subject, units []access.ID) (string, []any) {
	d := sub.Privileges[access.Process][access.Read]
	if sub.Bypass || d == access.Organization {
		return "1 = 1", nil
	}
	if d == access.None {
		return "", nil
	}
	var conds []string
	var args []any
	in := func(ids []access.ID) string {
		marks := make([]string, len(ids))
		for i, id := range ids {
			marks[i] = "?"
			args = append(args, id)
		}
		return "(" + strings.Join(marks, ", ") + ")"
	}
	switch d {
	case access.ParentChild:
		conds = append(conds, "p.business_unit_id IN "+in(units))
	case access.BusinessUnit:
		conds = append(conds, "p.business_unit_id = ?")
		args = append(args, sub.Unit)
	}
	// User depth: owned by the user or one of its teams, or shared with
	// either (every kind of share grants reading a process).
	conds = append(conds, "p.owner_user_id = ?")
	args = append(args, sub.User)
	if len(sub.Teams) > 0 {
		conds = append(conds, "p.owner_team_id IN "+in(sub.Teams))
	}
	shareCond := "s.user_id = ?"
	args = append(args, sub.User)
	if len(sub.Teams) > 0 {
		shareCond += " OR s.team_id IN " + in(sub.Teams)
	}
	conds = append(conds, "EXISTS (SELECT 1 FROM process_shares s WHERE s.process_id = p.id AND ("+shareCond+"))")
	return strings.Join(conds, " OR "), args
}

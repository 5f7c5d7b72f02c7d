package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// SavedView is a view of a process's report kept by name: the query of
// the report's page (filters, map view, sliders).
type SavedView struct {
	ID      access.ID
	Process access.ID
	Owner   access.ID
	Name    string
	Query   url.Values
	Shared  bool
	Created time.Time
}

// MaxSavedViews is how many views one process keeps: enough for every
// analyst's handful, and a bound on what one of them can make the page
// list.
const MaxSavedViews = 200

// ErrTooManyViews refuses a view beyond MaxSavedViews.
var ErrTooManyViews = fmt.Errorf("a process keeps at most %d saved views: delete one first", MaxSavedViews)

// CreateSavedView keeps v and returns it as kept (its id and time). The
// query is kept as JSON, each value as written, so that erasure finds a
// person's name in it whatever its URL encoding was.
func (s *Store) CreateSavedView(ctx context.Context, v SavedView) (SavedView, error) {
	q, err := json.Marshal(v.Query)
	if err != nil {
		return v, err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return v, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM saved_views WHERE process_id = ?"), v.Process).Scan(&n); err != nil {
		return v, err
	}
	if n >= MaxSavedViews {
		return v, ErrTooManyViews
	}
	now := s.now()
	err = tx.QueryRowContext(ctx, s.rebind("INSERT INTO saved_views (process_id, owner_id, name, query, shared, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
		v.Process, v.Owner, v.Name, string(q), v.Shared, now.UnixNano()).Scan(&v.ID)
	if err != nil {
		return v, err
	}
	v.Created = time.Unix(0, now.UnixNano()).UTC()
	return v, tx.Commit()
}

// SavedViews lists the views saved on a process, by name; which of them
// a caller is offered is the report's rule (report.ViewOffered).
func (s *Store) SavedViews(ctx context.Context, process access.ID) ([]SavedView, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT id, owner_id, name, query, shared, created_at FROM saved_views WHERE process_id = ? ORDER BY name, id"), process)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedView
	for rows.Next() {
		v := SavedView{Process: process}
		var q string
		var at int64
		if err := rows.Scan(&v.ID, &v.Owner, &v.Name, &q, &v.Shared, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(q), &v.Query); err != nil {
			return nil, fmt.Errorf("saved view %d: %w", v.ID, err)
		}
		v.Created = time.Unix(0, at).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// SavedView returns one view of the process; a view of another process
// is ErrNotFound.
func (s *Store) SavedView(ctx context.Context, process, id access.ID) (SavedView, error) {
	v := SavedView{ID: id, Process: process}
	var q string
	var at int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT owner_id, name, query, shared, created_at FROM saved_views WHERE process_id = ? AND id = ?"), process, id).
		Scan(&v.Owner, &v.Name, &q, &v.Shared, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	v.Created = time.Unix(0, at).UTC()
	return v, json.Unmarshal([]byte(q), &v.Query)
}

// DeleteSavedView removes a view of the process; a view of another
// process is ErrNotFound.
func (s *Store) DeleteSavedView(ctx context.Context, process, id access.ID) error {
	if err := s.changed(s.exec(ctx, "DELETE FROM saved_views WHERE process_id = ? AND id = ?", process, id)); err != nil {
		return err
	}
	return s.Erased(ctx) // its filters may name a person: no copy left in the write-ahead log
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// ReferenceModel is the model a process's data is compared with, as its
// file was uploaded.
type ReferenceModel struct {
	Format  string    `json:"format"` // bpmn or pnml
	Name    string    `json:"name"`
	Size    int       `json:"size"`
	Updated time.Time `json:"updated_at"`
	By      access.ID `json:"updated_by"`
	Data    []byte    `json:"-"`
}

// PutReferenceModel sets the process's reference model, replacing any.
func (s *Store) PutReferenceModel(ctx context.Context, process access.ID, m ReferenceModel) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Results computed against the model before go with it.
	if err := s.dataChanged(ctx, tx, process); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO reference_models (process_id, format, name, data, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (process_id) DO UPDATE SET format = excluded.format, name = excluded.name, data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		process, m.Format, m.Name, s.seal(blobAD(blobModel, process), m.Data), s.now().UnixNano(), m.By); err != nil {
		return err
	}
	return tx.Commit()
}

// GetReferenceModel returns the process's reference model; one without is
// ErrNotFound.
func (s *Store) GetReferenceModel(ctx context.Context, process access.ID) (ReferenceModel, error) {
	var m ReferenceModel
	var at int64
	var sealed []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT format, name, data, updated_at, updated_by FROM reference_models WHERE process_id = ?"), process).
		Scan(&m.Format, &m.Name, &sealed, &at, &m.By)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, err
	}
	if m.Data, err = s.open(blobAD(blobModel, process), sealed); err != nil {
		return m, err
	}
	m.Size, m.Updated = len(m.Data), time.Unix(0, at).UTC()
	return m, nil
}

// DeleteReferenceModel removes the process's reference model; one without
// is ErrNotFound.
func (s *Store) DeleteReferenceModel(ctx context.Context, process access.ID) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.changed(tx.ExecContext(ctx, s.rebind("DELETE FROM reference_models WHERE process_id = ?"), process)); err != nil {
		return err
	}
	// Results computed against the model go with it.
	if err := s.dataChanged(ctx, tx, process); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.Erased(ctx) // the removed file leaves no copy in the write-ahead log
}

// PutUploadMapping remembers the column mapping of an upload into the
// process (the upload's form fields: case, activity, start, delimiter…),
// replacing the one before. An import remembers its own with the version
// it adds (see FinishImport).
func (s *Store) PutUploadMapping(ctx context.Context, process access.ID, mapping map[string]string, by access.ID) error {
	return s.putUploadMapping(ctx, s.wdb, process, mapping, by)
}

func (s *Store) putUploadMapping(ctx context.Context, db execer, process access.ID, mapping map[string]string, by access.ID) error {
	b, err := json.Marshal(mapping)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, s.rebind(`INSERT INTO upload_mappings (process_id, mapping, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (process_id) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		process, string(b), s.now().UnixNano(), by)
	return err
}

// UploadMapping returns the column mapping remembered for the process's
// uploads; none is an empty map.
func (s *Store) UploadMapping(ctx context.Context, process access.ID) (map[string]string, error) {
	var text string
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT mapping FROM upload_mappings WHERE process_id = ?"), process).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// ProcessCalendar is a process's working calendar, in package calendar's
// JSON form.
type ProcessCalendar struct {
	JSON    string    `json:"-"`
	Updated time.Time `json:"updated_at"`
	By      access.ID `json:"updated_by"`
}

// PutCalendar sets the process's working calendar, replacing any.
func (s *Store) PutCalendar(ctx context.Context, process access.ID, text string, by access.ID) error {
	_, err := s.exec(ctx, `INSERT INTO process_calendars (process_id, calendar, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (process_id) DO UPDATE SET calendar = excluded.calendar, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		process, text, s.now().UnixNano(), by)
	return err
}

// GetCalendar returns the process's working calendar; one without is
// ErrNotFound.
func (s *Store) GetCalendar(ctx context.Context, process access.ID) (ProcessCalendar, error) {
	var c ProcessCalendar
	var at int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT calendar, updated_at, updated_by FROM process_calendars WHERE process_id = ?"), process).Scan(&c.JSON, &at, &c.By)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.Updated = time.Unix(0, at).UTC()
	return c, err
}

// DeleteCalendar removes the process's working calendar; one without is
// ErrNotFound.
func (s *Store) DeleteCalendar(ctx context.Context, process access.ID) error {
	return s.changed(s.exec(ctx, "DELETE FROM process_calendars WHERE process_id = ?", process))
}

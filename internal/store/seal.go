package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/procmine/procmine/internal/seal"
)

// Reseal rewrites every blob not sealed with the current key (or not
// sealed at all) under it: the second step of a key rotation. Each blob
// is its own transaction, so a rotation that stops half-way is resumed by
// running it again. It returns how many blobs it rewrote.
func (s *Store) Reseal(ctx context.Context) (int, error) {
	if s.keys == nil || s.keys.Current == nil {
		return 0, errors.New("store: no key to seal with")
	}
	n := 0
	for _, t := range []struct{ table, key, column, purpose string }{
		{"log_versions", "id", "data", blobEventLog},
		{"screenshots", "recording_id, n", "data", blobScreenshot},
		{"privacy_policies", "env_id", "pseudonym_key", blobPseudonymKey},
	} {
		rows, err := s.db.QueryContext(ctx, "SELECT "+t.key+" FROM "+t.table)
		if err != nil {
			return n, err
		}
		var keys [][]any
		for rows.Next() {
			var a, b int64
			dst := []any{&a}
			if t.table == "screenshots" {
				dst = append(dst, &b)
			}
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return n, err
			}
			if t.table == "screenshots" {
				keys = append(keys, []any{a, b})
			} else {
				keys = append(keys, []any{a})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		where := t.key + " = ?"
		if t.table == "screenshots" {
			where = "recording_id = ? AND n = ?"
		}
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			done, err := s.resealOne(ctx, t.table, t.column, where, t.purpose, k)
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
	}
	return n, s.erased(ctx)
}

func (s *Store) resealOne(ctx context.Context, table, column, where, purpose string, key []any) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var data []byte
	err = tx.QueryRowContext(ctx, s.rebind("SELECT "+column+" FROM "+table+" WHERE "+where), key...).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted meanwhile
	}
	if err != nil {
		return false, err
	}
	if id, ok := seal.SealedWith(data); ok && id == s.keys.Current.ID() {
		return false, nil
	}
	plain, err := s.keys.Open(purpose, data)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE "+table+" SET "+column+" = ? WHERE "+where), append([]any{s.keys.Seal(purpose, plain)}, key...)...); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

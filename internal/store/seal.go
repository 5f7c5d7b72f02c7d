package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	// Steps stored before their texts were sealed are sealed first, so
	// that every step has a blob to reseal.
	n, err := s.SealStepTexts(ctx)
	if err != nil {
		return n, err
	}
	for _, t := range []struct {
		table, key, column, purpose string
		objects                     bool // may be in the blob store
	}{
		{"log_versions", "id", "data", blobEventLog, true},
		{"screenshots", "recording_id, n", "data", blobScreenshot, true},
		{"privacy_policies", "env_id", "pseudonym_key", blobPseudonymKey, false},
		{"key_check", "id", "sealed", blobKeyCheck, false},
		{"totp", "user_id", "secret", blobTOTP, false},
		{"job_uploads", "job_id, seq", "data", blobUpload, true},
		{"reference_models", "process_id", "data", blobModel, false},
		{"recording_steps", "recording_id, n", "texts", blobStepTexts, false},
		{"data_sources", "id", "connection", blobSourceConnection, false},
		{"log_versions", "id", "object_centric", blobGraph, false},
		{"job_results", "job_id", "body", blobJobResult, false},
		{"webhooks", "id", "secret", blobWebhookSecret, false},
	} {
		columns := strings.Split(t.key, ", ")
		rows, err := s.db.QueryContext(ctx, "SELECT "+t.key+" FROM "+t.table)
		if err != nil {
			return n, err
		}
		var keys [][]any
		for rows.Next() {
			var a, b int64
			dst := []any{&a}
			if len(columns) == 2 {
				dst = append(dst, &b)
			}
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return n, err
			}
			if len(columns) == 2 {
				keys = append(keys, []any{a, b})
			} else {
				keys = append(keys, []any{a})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		where := strings.Join(columns, " = ? AND ") + " = ?"
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			done, err := s.resealOne(ctx, t.table, t.column, where, t.purpose, t.objects, k)
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
	}
	return n, s.Erased(ctx)
}

func (s *Store) resealOne(ctx context.Context, table, column, where, purpose string, objects bool, key []any) (bool, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var data []byte
	var object sql.NullString
	dst := []any{&data}
	objectColumn := ""
	if objects {
		dst, objectColumn = append(dst, &object), ", object"
	}
	// Locked, so that an erasure or a cleaned screenshot meanwhile is not
	// overwritten by what it replaced (SQLite's writer is alone anyway).
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE"
	}
	err = tx.QueryRowContext(ctx, s.rebind("SELECT "+column+objectColumn+" FROM "+table+" WHERE "+where+lock), key...).Scan(dst...)
	if errors.Is(err, sql.ErrNoRows) || (data == nil && !object.Valid) {
		return false, nil // deleted meanwhile, or a step's texts not sealed yet (SealStepTexts)
	}
	if err != nil {
		return false, err
	}
	if object.Valid {
		if s.objects == nil {
			return false, fmt.Errorf("store: a %s is in a blob store and procmine was started without one (--blob-store)", purpose)
		}
		if data, err = s.objects.Get(ctx, object.String, objectMax[purpose]); err != nil {
			return false, fmt.Errorf("store: reading a %s from the blob store: %w", purpose, err)
		}
	}
	if id, ok := seal.SealedWith(data); ok && id == s.keys.Current.ID() {
		return false, nil
	}
	ad := blobAD(purpose, key...)
	if object.Valid {
		ad = objectAD(purpose, object.String, key...)
	}
	// The one place that takes a blob stored before encryption.
	plain := data
	if seal.Sealed(data) {
		if plain, err = s.keys.Open(ad, data); err != nil {
			return false, err
		}
	}
	if !objects {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE "+table+" SET "+column+" = ? WHERE "+where), append([]any{s.keys.Seal(ad, plain)}, key...)...); err != nil {
			return false, err
		}
		return true, tx.Commit()
	}
	// A blob that may be in the blob store goes where new ones go; the
	// object it leaves is queued for deletion (Reseal's Erased).
	p := &puts{s: s}
	defer p.undo()
	stored, object, err := p.put(ctx, purpose, plain, key...)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE "+table+" SET "+column+" = ?, object = ? WHERE "+where), append([]any{stored, object}, key...)...); err != nil {
		return false, err
	}
	return true, p.commit(tx)
}

// VerifyKeys checks that the keyring opens what this database holds: the
// first start with a key seals a check value, and every later start opens
// it. A server given the wrong key is refused at once, not on every read.
func (s *Store) VerifyKeys(ctx context.Context) error {
	if s.keys == nil || s.keys.Current == nil {
		return errors.New("store: no blob key")
	}
	var sealed []byte
	err := s.db.QueryRowContext(ctx, "SELECT sealed FROM key_check WHERE id = 1").Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = s.exec(ctx, "INSERT INTO key_check (id, sealed) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", s.keys.Seal(blobAD(blobKeyCheck, 1), []byte(keyCheckValue)))
		return err
	}
	if err != nil {
		return err
	}
	if plain, err := s.keys.Open(blobAD(blobKeyCheck, 1), sealed); err != nil || string(plain) != keyCheckValue {
		id, _ := seal.SealedWith(sealed)
		return fmt.Errorf("the blob key %s is not the key this database is sealed with (%s): start procmine with that key (--blob-key-file, PROCMINE_BLOB_KEY)", s.keys.Current.ID(), id)
	}
	return nil
}

const keyCheckValue = "procmine key check"

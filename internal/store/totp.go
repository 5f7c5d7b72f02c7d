package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/procmine/procmine/internal/access"
)

// TOTP is a user's one-time password secret and whether enrolment was
// confirmed with a first code. LastStep is the last time step a code was
// accepted for, so that no code is accepted twice.
type TOTP struct {
	Secret    []byte
	Confirmed bool
	LastStep  int64
}

const blobTOTP = "totp"

// SetTOTP starts an enrolment: a new, unconfirmed secret in place of any
// earlier one, and no recovery codes.
func (s *Store) SetTOTP(ctx context.Context, user access.ID, secret []byte) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM totp WHERE user_id = ?", "DELETE FROM recovery_codes WHERE user_id = ?"} {
		if _, err := tx.ExecContext(ctx, s.rebind(q), user); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO totp (user_id, secret, confirmed, created_at) VALUES (?, ?, ?, ?)"),
		user, s.seal(blobAD(blobTOTP, user), secret), false, s.now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// UserTOTP returns a user's secret; none is ErrNotFound.
func (s *Store) UserTOTP(ctx context.Context, user access.ID) (TOTP, error) {
	var t TOTP
	var sealed []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT secret, confirmed, last_step FROM totp WHERE user_id = ?"), user).Scan(&sealed, &t.Confirmed, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Secret, err = s.open(blobAD(blobTOTP, user), sealed)
	return t, err
}

// UseTOTPStep records that a code of this time step was accepted; a step
// not after the last one accepted is ErrConflict (a replayed code).
func (s *Store) UseTOTPStep(ctx context.Context, user access.ID, step int64) error {
	err := s.changed(s.exec(ctx, "UPDATE totp SET last_step = ? WHERE user_id = ? AND last_step < ?", step, user, step))
	if errors.Is(err, ErrNotFound) {
		return ErrConflict
	}
	return err
}

// ConfirmTOTP completes an enrolment and stores the recovery codes'
// digests.
func (s *Store) ConfirmTOTP(ctx context.Context, user access.ID, recovery []string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE totp SET confirmed = ? WHERE user_id = ?"), true, user)
	if err := s.changed(res, err); err != nil {
		return err
	}
	for _, d := range recovery {
		if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)"), user, d); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// UseRecoveryCode spends a recovery code; one unknown or spent is
// ErrNotFound.
func (s *Store) UseRecoveryCode(ctx context.Context, user access.ID, digest string) error {
	return s.changed(s.exec(ctx, "DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?", user, digest))
}

// DeleteTOTP removes a user's second factor and recovery codes; their
// sessions and tokens no longer count as multi-factor.
func (s *Store) DeleteTOTP(ctx context.Context, user access.ID) error {
	for _, q := range []string{"DELETE FROM recovery_codes WHERE user_id = ?", "UPDATE sessions SET mfa = ? WHERE user_id = ?", "UPDATE tokens SET mfa = ? WHERE user_id = ?"} {
		args := []any{user}
		if strings.HasPrefix(q, "UPDATE") {
			args = []any{false, user}
		}
		if _, err := s.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return s.changed(s.exec(ctx, "DELETE FROM totp WHERE user_id = ?", user))
}

// OIDCUser returns the user linked to a provider's subject; none is
// ErrNotFound.
func (s *Store) OIDCUser(ctx context.Context, issuer, subject string) (access.ID, error) {
	var id access.ID
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT user_id FROM oidc_identities WHERE issuer = ? AND subject = ?"), issuer, subject).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// LinkOIDCUser links a provider's subject to a user.
func (s *Store) LinkOIDCUser(ctx context.Context, issuer, subject string, user access.ID) error {
	_, err := s.exec(ctx, "INSERT INTO oidc_identities (issuer, subject, user_id) VALUES (?, ?, ?)", issuer, subject, user)
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

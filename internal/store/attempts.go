package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// SignInCount is one key's count of recent failed sign-ins.
type SignInCount struct {
	Count int
	Last  time.Time // of the latest attempt; zero when none
}

// attemptKey is how a key (an account, an address) is stored: its digest.
func attemptKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CountSignIn decides on a sign-in attempt for keys, for every server at
// once: wait is given the time, read from clock once the keys' rows are
// locked, and the keys' counts, and says how long the caller must still
// wait; when that is zero, the attempt is counted against every key, at
// that time, before CountSignIn returns, so that parallel guesses, on any
// servers, cannot slip past the count. The time is read under the locks
// so that, on one server, no attempt counted before this one is later
// than it: a time read before would let a parallel attempt counted first
// look as if it were in the future. Counts not added to for forget are
// dropped.
func (s *Store) CountSignIn(ctx context.Context, clock func() time.Time, keys []string, forget time.Duration, wait func(now time.Time, counts []SignInCount) time.Duration) (time.Duration, error) {
	hashed := make([]string, len(keys))
	for i, k := range keys {
		hashed[i] = attemptKey(k)
	}
	slices.Sort(hashed) // one order of locks for everyone
	hashed = slices.Compact(hashed)
	d, now, err := s.countSignIn(ctx, clock, hashed, wait)
	if err == nil {
		s.forgetSignIns(ctx, now.Add(-forget))
	}
	return d, err
}

// forgetSignIns drops the counts not added to since before: apart from
// the counting, and on PostgreSQL skipping the rows others are counting,
// so that it never waits for them nor they for it. It is housekeeping: a
// failure is left for the next time.
func (s *Store) forgetSignIns(ctx context.Context, before time.Time) {
	q := "DELETE FROM sign_in_attempts WHERE last < ?"
	if s.postgres {
		q = "DELETE FROM sign_in_attempts WHERE key_hash IN (SELECT key_hash FROM sign_in_attempts WHERE last < ? FOR UPDATE SKIP LOCKED)"
	}
	s.exec(ctx, q, before.UnixNano())
}

func (s *Store) countSignIn(ctx context.Context, clock func() time.Time, hashed []string, wait func(time.Time, []SignInCount) time.Duration) (time.Duration, time.Time, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer tx.Rollback()
	counts := make([]SignInCount, len(hashed))
	lasts := make([]int64, len(hashed))
	for i, k := range hashed {
		// One statement makes the row if it is missing, locks it and reads
		// it: no one can delete it in between.
		if err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO sign_in_attempts (key_hash, count, last, prev) VALUES (?, 0, 0, 0)
			ON CONFLICT (key_hash) DO UPDATE SET key_hash = excluded.key_hash RETURNING count, last`), k).Scan(&counts[i].Count, &lasts[i]); err != nil {
			return 0, time.Time{}, err
		}
		if lasts[i] != 0 {
			counts[i].Last = time.Unix(0, lasts[i])
		}
	}
	now := clock() // every key locked
	if d := wait(now, counts); d > 0 {
		return d, now, nil // rolled back: nothing counted
	}
	for i, k := range hashed {
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE sign_in_attempts SET count = ?, last = ?, prev = ? WHERE key_hash = ?"), counts[i].Count+1, now.UnixNano(), lasts[i], k); err != nil {
			return 0, now, err
		}
	}
	return 0, now, tx.Commit()
}

// RefundSignIn takes the latest attempt back from every key.
func (s *Store) RefundSignIn(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		h := attemptKey(k)
		if _, err := s.exec(ctx, "DELETE FROM sign_in_attempts WHERE key_hash = ? AND count <= 1", h); err != nil {
			return err
		}
		if _, err := s.exec(ctx, "UPDATE sign_in_attempts SET count = count - 1, last = prev WHERE key_hash = ? AND count > 1", h); err != nil {
			return err
		}
	}
	return nil
}

// ClearSignIn forgets a key's failed attempts.
func (s *Store) ClearSignIn(ctx context.Context, key string) error {
	_, err := s.exec(ctx, "DELETE FROM sign_in_attempts WHERE key_hash = ?", attemptKey(key))
	return err
}

// SignInCounts is how many keys have failed attempts kept: for tests and
// operators.
func (s *Store) SignInCounts(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sign_in_attempts WHERE count > 0").Scan(&n)
	return n, err
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procmine/procmine/internal/access"
)

// Servers that share a PostgreSQL database keep what they cache in step
// through its notifications: a server that changes something cached
// (a version's data, the access policies) says so on one channel, and
// every server, itself included, drops what it kept. SQLite is one
// server's alone: there is no one to tell.

const notifyChannel = "procmine_changed"

// What changed: every access policy or named range, or one version's data
// (erased, rewritten or deleted).
const ChangedPolicies = "policies"

// ChangedVersion names a version whose data changed.
func ChangedVersion(v access.ID) string { return "version:" + strconv.FormatInt(int64(v), 10) }

// ParseChangedVersion is the version a ChangedVersion payload names.
func ParseChangedVersion(payload string) (access.ID, bool) {
	text, ok := strings.CutPrefix(payload, "version:")
	v, err := strconv.ParseInt(text, 10, 64)
	return access.ID(v), ok && err == nil
}

// Shared tells whether other servers may use the database at once
// (PostgreSQL), and so whether they must tell each other of changes.
func (s *Store) Shared() bool { return s.postgres }

// Notify tells every server of the database that what payload names has
// changed. Call it after the change is committed.
func (s *Store) Notify(ctx context.Context, payload string) error {
	return s.notifyIn(ctx, s.db, payload)
}

// changeVersion runs q, which changes one version's data or deletes it,
// and tells every server in the same transaction: PostgreSQL delivers the
// notification exactly when the change commits, and never without it.
// No row changed is ErrNotFound.
func (s *Store) changeVersion(ctx context.Context, version access.ID, q string, args ...any) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// What was computed from the version goes with it.
	var process access.ID
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT process_id FROM log_versions WHERE id = ?"), version).Scan(&process); err == nil {
		if err := s.dataChanged(ctx, tx, process); err != nil {
			return err
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err := s.changed(tx.ExecContext(ctx, s.rebind(q), args...)); err != nil {
		return err
	}
	if err := s.notifyIn(ctx, tx, ChangedVersion(version)); err != nil {
		return err
	}
	return tx.Commit()
}

// notifyIn tells every server, as tx commits (at once when tx is the
// database), that what payload names has changed (PostgreSQL; SQLite is
// one server's alone).
func (s *Store) notifyIn(ctx context.Context, tx execer, payload string) error {
	if !s.postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_notify($1, $2)", notifyChannel, payload)
	return err
}

// Listen calls changed with the payload of every notification, from any
// server, until ctx ends. Whenever its connection is (re)made, it calls
// changed with "" first: notifications may have been missed, so anything
// may have changed. On SQLite it returns at once.
func (s *Store) Listen(ctx context.Context, changed func(payload string), onError func(error)) {
	if !s.postgres {
		return
	}
	for ctx.Err() == nil {
		err := s.listen(ctx, changed)
		if ctx.Err() != nil {
			return
		}
		onError(err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listen(ctx context.Context, changed func(string)) error {
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return err
	}
	// A connection that died without a word (a server gone, a network
	// cut) is given up after 5 s of silence and three unanswered probes
	// 5 s apart, not the system's default minutes: until then,
	// notifications would be missed unknowingly.
	cfg.DialFunc = (&net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 5 * time.Second, Count: 3}}).DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(closing)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	changed("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		changed(n.Payload)
	}
}

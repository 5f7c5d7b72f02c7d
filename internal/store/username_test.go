package store

import (
	"context"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/store/storetest"
)

// TestUsernamesDifferingInCaseStopTheUpgrade: migration 00020 makes
// usernames unique whatever their case; a database that already holds
// "alice" and "Alice" is not upgraded, and the error says what to do.
func TestUsernamesDifferingInCaseStopTheUpgrade(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.CreateUser(ctx, User{Username: "alice"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateUser(ctx, User{Username: "Alice"}); err != ErrConflict {
				t.Fatalf("Alice beside alice: %v", err)
			}
			if u, err := s.UserByName(ctx, "ALICE"); err != nil || u.Username != "alice" {
				t.Errorf("ALICE: %+v %v", u, err)
			}
			// Back to before 00020 (and what came after it), with a
			// duplicate made then.
			for _, q := range []string{"DROP INDEX users_username_lower", "DROP INDEX recording_steps_unsealed", "DELETE FROM goose_db_version WHERE version_id >= 20"} {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.CreateUser(ctx, User{Username: "Alice"}); err != nil {
				t.Fatal(err)
			}
			again, err := Open(ctx, dsn)
			if err == nil {
				again.Close()
				t.Fatal("upgraded with usernames differing only in case")
			}
			if !strings.Contains(err.Error(), "some usernames differ only in case") {
				t.Errorf("error: %v", err)
			}
		})
	}
}

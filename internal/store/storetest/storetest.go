// Package storetest gives tests fresh databases to open a store on: an
// SQLite file in the test's temporary folder and, when the cluster that
// scripts/test starts is there (PROCMINE_TEST_POSTGRES_URL), a new
// PostgreSQL database, dropped at the end. Without PostgreSQL its half is
// skipped with a message, and under CI=true the test fails instead.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

var seq atomic.Int64

// DSNs returns a data source for each database kind, by name.
func DSNs(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": filepath.Join(t.TempDir(), "procmine.db")}
	if u := postgresDB(t); u != "" {
		out["postgres"] = u
	}
	return out
}

// PostgresDB returns the URL of a new, empty database of the test
// cluster, dropped when the test ends: a database of someone else's that
// procmine reads (a data source). Without the cluster the test is
// skipped, or failed under CI=true.
func PostgresDB(t testing.TB) string {
	t.Helper()
	u := postgresDB(t)
	if u == "" {
		t.Skip("PROCMINE_TEST_POSTGRES_URL is not set (scripts/test starts a cluster)")
	}
	return u
}

func postgresDB(t testing.TB) string {
	base := os.Getenv("PROCMINE_TEST_POSTGRES_URL")
	if base == "" {
		msg := "PROCMINE_TEST_POSTGRES_URL is not set: PostgreSQL half skipped (scripts/test starts a cluster)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Log(msg)
		return ""
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			a.Close()
		}
	})
	u := strings.Replace(base, "/procmine_test?", "/"+name+"?", 1)
	if u == base {
		t.Fatalf("PROCMINE_TEST_POSTGRES_URL must name the database procmine_test: %s", base)
	}
	return u
}

package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
)

func TestBlobKeysAndRotation(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	var notice bytes.Buffer
	sf := storeFlags{dataDir: dir, notice: &notice}
	st, err := sf.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice.String(), "blob.key") {
		t.Errorf("no notice of the new key: %q", notice.String())
	}
	if fi, err := os.Stat(filepath.Join(dir, "blob.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	u, _ := st.CreateUser(ctx, store.User{Username: "o"})
	env, root, _ := st.CreateEnvironment(ctx, "e", u)
	p, _ := st.CreateProcess(ctx, store.Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
	v, err := st.AddVersion(ctx, p, store.Version{Source: "x"}, []byte("the event data"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, "procmine.db"))
	if bytes.Contains(raw, []byte("the event data")) {
		t.Fatal("the event data is in the database file in clear")
	}

	code, key, _ := runCode("keys", "new")
	if _, err := seal.ParseKey(key); code != 0 || err != nil {
		t.Fatalf("keys new: %d %q %v", code, key, err)
	}
	newFile := filepath.Join(t.TempDir(), "new.key")
	os.WriteFile(newFile, []byte(key), 0o600)
	code, out, errOut := runCode("keys", "rotate", "--new-key-file", newFile, "--data-dir", dir)
	// Two: the event data and the key check.
	if code != 0 || !strings.Contains(out, "resealed 2 blobs") {
		t.Fatalf("rotate: %d %s %s", code, out, errOut)
	}
	// The data folder's key is now the new one; the old one is kept.
	if now, _ := os.ReadFile(filepath.Join(dir, "blob.key")); string(now) != key {
		t.Error("blob.key is not the new key")
	}
	if olds, _ := filepath.Glob(filepath.Join(dir, "blob.key.*.old")); len(olds) != 1 {
		t.Errorf("old keys kept: %v", olds)
	}
	st, err = (&storeFlags{dataDir: dir}).open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, err := st.VersionData(ctx, p, v); err != nil || string(got) != "the event data" {
		t.Errorf("after rotation: %q %v", got, err)
	}
	// A world-readable key is refused.
	os.Chmod(newFile, 0o644)
	if code, _, errOut := runCode("keys", "rotate", "--new-key-file", newFile, "--data-dir", dir); code != 1 || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("world-readable key: %d %s", code, errOut)
	}
}

// TestWrongKeyIsRefusedAtStart: a server given another key than the one
// its database is sealed with does not start.
func TestWrongKeyIsRefusedAtStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runWithInput("a long enough password\n", "admin", "create-user", "u", "--password-stdin", "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	other := filepath.Join(t.TempDir(), "other.key")
	os.WriteFile(other, []byte(seal.Generate()), 0o600)
	code, _, errOut := runWithInput("a long enough password\n", "admin", "create-user", "v", "--password-stdin", "--data-dir", dir, "--blob-key-file", other)
	if code != 1 || !strings.Contains(errOut, "is not the key this database is sealed with") {
		t.Errorf("another key: %d %s", code, errOut)
	}
}

func TestServeFlagsForAccess(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "--data-dir", dir, "--trusted-proxies", "10.0.0.0/8,nonsense"}, `"nonsense" is not a CIDR range`},
		{[]string{"serve", "--data-dir", dir, "--oidc-issuer", "https://id.example.com"}, "single sign-on needs --oidc-client-id, --public-url"},
	} {
		if code, _, errOut := runCode(tc.args...); code != 2 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: %d %s", tc.args, code, errOut)
		}
	}
}

// TestClearStepTextsAreSealedAtStart: a data folder whose steps were
// stored before step texts were sealed (their texts in clear columns)
// has them sealed when procmine opens it, and the clear texts leave the
// database file and its write-ahead log.
func TestClearStepTextsAreSealedAtStart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := (&storeFlags{dataDir: dir}).open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, _, _ := st.CreateEnvironment(ctx, "e", 0)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rid, err := st.CreateRecording(ctx, store.Recording{Env: env, Title: "t", State: store.StateStopped}, []recording.Step{{Name: "n", Action: "type", StartedAt: at, EndedAt: at}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	// The step as a version before migration 00019 left it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "procmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE recording_steps SET texts = NULL, name = 'CLEAR-NAME-6601', input = 'CLEAR-INPUT-6602'"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err = (&storeFlags{dataDir: dir}).open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range []string{"procmine.db", "procmine.db-wal"} {
		if raw, _ := os.ReadFile(filepath.Join(dir, f)); bytes.Contains(raw, []byte("CLEAR-")) {
			t.Errorf("%s holds the step's texts in clear after the start", f)
		}
	}
	if steps, err := st.Steps(ctx, rid); err != nil || len(steps) != 1 || steps[0].Name != "CLEAR-NAME-6601" || steps[0].Input != "CLEAR-INPUT-6602" {
		t.Errorf("steps after the start: %+v %v", steps, err)
	}
}

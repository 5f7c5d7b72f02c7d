package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
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
	if code != 0 || !strings.Contains(out, "resealed 1 blobs") {
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

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/store"
)

// TestBackupRestoreRoundTrip: a backup of a store in use, restored into
// another data folder with the same blob key, gives the same data and the
// same report figures; without the key, or over an existing store, the
// restore is refused and changes nothing.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	sf := storeFlags{dataDir: dir}
	st, err := sf.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := st.CreateUser(ctx, store.User{Username: "o"})
	env, root, _ := st.CreateEnvironment(ctx, "prod", u)
	p, _ := st.CreateProcess(ctx, store.Process{Env: env, Name: "p2p", Owner: access.Principal{User: u}, Unit: root})
	l := generate.P2P(generate.Options{Cases: 200, Seed: 7})
	data, _ := l.MarshalBinary()
	v, err := st.AddVersion(ctx, p, store.Version{By: u, Source: "generated", Cases: l.NumCases(), Events: l.NumEvents()}, data)
	if err != nil {
		t.Fatal(err)
	}
	// The backup is taken while the store is open.
	backup := filepath.Join(t.TempDir(), "procmine.backup")
	if code, _, errOut := runCode("backup", "--data-dir", dir, "-o", backup); code != 0 || !strings.Contains(errOut, "keep the blob key") {
		t.Fatalf("backup: %d %s", code, errOut)
	}
	st.Close()
	if code, _, errOut := runCode("backup", "--data-dir", dir, "-o", backup); code != 1 || !strings.Contains(errOut, "never overwrites") {
		t.Errorf("backup over a file: %d %s", code, errOut)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if code, _, errOut := runCode("restore", backup, "--data-dir", restored); code != 2 || !strings.Contains(errOut, "give the backup's blob key") {
		t.Errorf("restore without the key: %d %s", code, errOut)
	}
	wrong := filepath.Join(t.TempDir(), "wrong.key")
	os.WriteFile(wrong, []byte("S1ZGcWpYb3pJbnB3T0xoVTQ5RjJkZ0VTTUpTSzNZM3g="), 0o600)
	if code, _, errOut := runCode("restore", backup, "--data-dir", restored, "--blob-key-file", wrong); code != 1 || !strings.Contains(errOut, "not the key this database is sealed with") {
		t.Errorf("restore with another key: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(restored, "procmine.db")); !os.IsNotExist(err) {
		t.Error("a refused restore left a store behind")
	}
	key := filepath.Join(dir, "blob.key")
	if code, _, errOut := runCode("restore", backup, "--data-dir", restored, "--blob-key-file", key); code != 0 {
		t.Fatalf("restore: %d %s", code, errOut)
	}
	if code, _, errOut := runCode("restore", backup, "--data-dir", restored, "--blob-key-file", key); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("restore over a store: %d %s", code, errOut)
	}

	st, err = (&storeFlags{dataDir: restored, keyFile: key}).open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.VersionData(ctx, p, v)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("restored data: %v", err)
	}
	var back eventlog.Log
	if err := back.UnmarshalBinary(got); err != nil {
		t.Fatal(err)
	}
	a, b := mining.ComputeStats(l), mining.ComputeStats(&back)
	if back.NumCases() != l.NumCases() || back.NumEvents() != l.NumEvents() || len(mining.Variants(&back)) != len(mining.Variants(l)) || len(a.Activities) != len(b.Activities) {
		t.Errorf("report figures differ after restore: %d/%d cases, %d/%d events", back.NumCases(), l.NumCases(), back.NumEvents(), l.NumEvents())
	}
}

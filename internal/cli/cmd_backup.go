package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// runBackup copies the embedded store, online and consistent.
func runBackup(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("backup", "-o FILE [--data-dir DIR]", s)
	sf := storeFlags{notice: s.Err}
	sf.register(fs)
	out := fs.String("o", "", "the backup file to write (required; must not exist)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o FILE is required")
	}
	if sf.databaseURL != "" {
		return usagef("back PostgreSQL up with pg_dump (docs/operations.md); backup copies the embedded store")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites", *out)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "backed up to %s. Uploaded data and screenshots in it are encrypted: keep the blob key (%s) too, apart from the backup.\n",
		*out, keyPlace(sf))
	return nil
}

func keyPlace(sf storeFlags) string {
	if sf.keyFile != "" {
		return sf.keyFile
	}
	if os.Getenv("PROCMINE_BLOB_KEY") != "" {
		return "PROCMINE_BLOB_KEY"
	}
	return filepath.Join(sf.dataDir, "blob.key")
}

// runRestore puts a backup in place as the embedded store of an empty data
// folder, after checking that the blob key opens it.
func runRestore(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("restore", "BACKUP [--data-dir DIR] [--blob-key-file FILE]", s)
	sf := storeFlags{notice: s.Err}
	sf.register(fs)
	pos, err := parse(fs, args, "BACKUP")
	if err != nil {
		return err
	}
	if sf.databaseURL != "" {
		return usagef("restore PostgreSQL with pg_restore or psql (docs/operations.md)")
	}
	target := filepath.Join(sf.dataDir, "procmine.db")
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s exists: restore into a data folder without a store", target)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if sf.keyFile == "" && os.Getenv("PROCMINE_BLOB_KEY") == "" {
		if _, err := os.Stat(filepath.Join(sf.dataDir, "blob.key")); err != nil {
			return usagef("give the backup's blob key with --blob-key-file (or put it in %s): without it the restored data cannot be read", filepath.Join(sf.dataDir, "blob.key"))
		}
	}
	if err := os.MkdirAll(sf.dataDir, 0o700); err != nil {
		return err
	}
	// Copied beside the target, checked, then renamed into place: a
	// failed restore leaves the folder as it was.
	tmp := target + ".restoring"
	if err := copyFile(pos[0], tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	check := sf
	check.dataDir = filepath.Dir(tmp)
	st, err := openAt(ctx, check, tmp)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	st.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "restored %s into %s\n", pos[0], sf.dataDir)
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

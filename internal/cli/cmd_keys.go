package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/procmine/procmine/internal/seal"
)

// runKeys manages the key that encrypts blobs at rest: make a new one, or
// rotate to it.
func runKeys(ctx context.Context, args []string, s Streams) error {
	if len(args) > 0 && args[0] == "new" {
		fs := newFlagSet("keys new", "", s)
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		fmt.Fprintln(s.Out, seal.Generate())
		return nil
	}
	if len(args) == 0 || args[0] != "rotate" {
		return usagef("expected 'keys new' (print a new key) or 'keys rotate --new-key-file FILE' (reseal every blob with it)")
	}
	fs := newFlagSet("keys rotate", "--new-key-file FILE [--data-dir DIR | --database-url URL] [--blob-key-file CURRENT]", s)
	sf := storeFlags{notice: s.Err}
	sf.register(fs)
	newFile := fs.String("new-key-file", "", "the key to seal every blob with from now on (required; make one with 'procmine keys new')")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *newFile == "" {
		return usagef("--new-key-file is required")
	}
	next, err := seal.ReadKeyFile(*newFile)
	if err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The current key (and any former ones) open; the new one seals.
	ring, err := sf.keyring()
	if err != nil {
		return err
	}
	ring.Old = append([]*seal.Key{ring.Current}, ring.Old...)
	ring.Current = next
	st.UseKeys(ring)
	n, err := st.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("after %d blobs: %w (run it again to resume)", n, err)
	}
	if sf.keyFile != "" || os.Getenv("PROCMINE_BLOB_KEY") != "" {
		fmt.Fprintf(s.Out, "resealed %d blobs with key %s; start procmine with --blob-key-file %s from now on, and keep the old key until no backup needs it\n", n, next.ID(), *newFile)
		return nil
	}
	// The key was the data folder's own: the new one takes its place, and
	// the old one is kept beside it for backups made before.
	// The new key is written beside the old one first, so that no moment
	// leaves the folder without a key (a start then would make a new one).
	def := filepath.Join(sf.dataDir, "blob.key")
	old := filepath.Join(sf.dataDir, "blob.key."+ring.Old[0].ID()+".old")
	tmp := def + ".new"
	text, err := os.ReadFile(*newFile)
	if err == nil {
		err = os.WriteFile(tmp, text, 0o600)
	}
	if err == nil {
		err = os.Link(def, old)
	}
	if err == nil {
		err = os.Rename(tmp, def)
	}
	if err != nil {
		return fmt.Errorf("resealed %d blobs with key %s, but could not put it in place of %s: %v; start procmine with --blob-key-file %s", n, next.ID(), def, err, *newFile)
	}
	fmt.Fprintf(s.Out, "resealed %d blobs with key %s, now in %s; the old key is kept in %s until no backup needs it\n", n, next.ID(), def, old)
	return nil
}

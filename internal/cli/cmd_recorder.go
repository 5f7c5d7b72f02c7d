package cli

import (
	"bufio"
	"context"
	"fmt"

	"github.com/procmine/procmine/recorder"
)

// runRecorder packs the browser recorder, the extension in recorder/.
func runRecorder(_ context.Context, args []string, s Streams) error {
	if len(args) == 0 || args[0] != "pack" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(s.Err, "Usage: procmine recorder pack -o recorder.zip (see recorder/README.md)")
			return nil
		}
		return usagef("expected 'recorder pack -o FILE.zip'")
	}
	fs := newFlagSet("recorder pack", "-o FILE.zip", s)
	out := fs.String("o", "", "the zip file to write (required; - for standard output)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o FILE.zip is required")
	}
	version, err := recorder.Version()
	if err != nil {
		return err
	}
	if err := writeOutput(*out, s, func(w *bufio.Writer) error { return recorder.Pack(w) }); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(s.Err, "procmine recorder %s packed into %s: load it unpacked from the unzipped folder, or give it to your browser's extension store\n", version, *out)
	}
	return nil
}

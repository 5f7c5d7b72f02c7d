package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/procmine/procmine/internal/pii"
)

// maxPIILine bounds one line of `pii scan` input; longer lines are an
// error rather than a silent cut.
const maxPIILine = 1 << 20

func runPII(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 || args[0] != "scan" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(s.Err, "Usage: procmine pii scan [--json] [--names FILE] < lines")
			return nil
		}
		return usagef("expected 'pii scan'")
	}
	fs := newFlagSet("pii scan", "[--json] [--names FILE] < lines", s)
	_ = fs.Bool("json", true, "print one JSON object per finding (the only format; accepted for scripts)")
	namesFile := fs.String("names", "", "file with one name per line to look for (default: a built-in list of common names)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	names := pii.DefaultNames
	if *namesFile != "" {
		b, err := os.ReadFile(*namesFile)
		if err != nil {
			return err
		}
		names = nil
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				names = append(names, l)
			}
		}
	}
	sc := pii.NewScanner(names)
	in := bufio.NewScanner(s.In)
	in.Buffer(make([]byte, 64<<10), maxPIILine+2) // room for the line's CRLF
	out := bufio.NewWriter(s.Out)
	enc := json.NewEncoder(out)
	type finding struct {
		Line  int    `json:"line"`
		Kind  string `json:"kind"`
		Start int    `json:"start"`
		End   int    `json:"end"`
	}
	var fsOut []pii.Finding
	line := 0
	for in.Scan() {
		line++
		if ctx.Err() != nil {
			out.Flush()
			return ctx.Err()
		}
		text := in.Bytes()
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1] // offsets into the line without its CRLF
		}
		if len(text) > maxPIILine {
			out.Flush()
			return fmt.Errorf("stdin:%d: line longer than %d bytes", line, maxPIILine)
		}
		fsOut = sc.Scan(fsOut[:0], text)
		for _, f := range fsOut {
			if err := enc.Encode(finding{line, f.Kind.String(), f.Start, f.End}); err != nil {
				return err
			}
		}
	}
	if err := in.Err(); err != nil {
		out.Flush() // the findings of the lines before stand
		return fmt.Errorf("stdin:%d: %v (lines are limited to %d bytes)", line+1, err, maxPIILine)
	}
	return out.Flush()
}

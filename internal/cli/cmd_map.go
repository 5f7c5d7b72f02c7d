package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/processmap"
)

func runMap(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("map", "FILE [--view frequency|performance] [--activities P] [--paths P] [-o out.svg|out.dot|out.json] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	var mf mapFlags
	mf.register(fs)
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	o, kind, err := mf.options()
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	o.Clock = lf.clock
	m, err := processmap.Build(l, o)
	if err != nil {
		return err
	}
	if o.View == processmap.Performance && !m.Timed {
		fmt.Fprintln(s.Err, "procmine: the log has no timestamps: durations are unavailable, the map shows counts")
	}
	return writeMap(ctx, mf.out, kind, s, m)
}

// mapFlags are the flags of a map, offline or remote.
type mapFlags struct {
	view, activities, paths, out, format string
}

func (f *mapFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.view, "view", "frequency", "figures on the map: frequency or performance")
	fs.StringVar(&f.activities, "activities", "1", "share of activities to keep, most frequent first (0..1, or a percentage such as 80%)")
	fs.StringVar(&f.paths, "paths", "1", "share of paths to keep, most frequent first (0..1, or a percentage)")
	fs.StringVar(&f.out, "o", "", "output file; its extension picks the format: .svg, .dot or .json (default: JSON on stdout)")
	fs.StringVar(&f.format, "format-out", "", "output format when -o is not given or has another extension: json, dot or svg")
}

// options are the map's options and the format it is written in.
func (f *mapFlags) options() (processmap.Options, string, error) {
	o := processmap.Options{View: processmap.View(f.view)}
	var err error
	if o.Activities, err = parseShare("--activities", f.activities); err != nil {
		return o, "", err
	}
	if o.Paths, err = parseShare("--paths", f.paths); err != nil {
		return o, "", err
	}
	if err := o.Validate(); err != nil {
		return o, "", usagef("%v", err)
	}
	kind, err := mapKind(f.out, f.format)
	return o, kind, err
}

// mapKind is the format a map is written in: format, else the extension
// of out, else JSON.
func mapKind(out, format string) (string, error) {
	kind := strings.ToLower(format)
	if kind == "" {
		kind = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	}
	switch kind {
	case "", "json":
		return "json", nil
	case "dot", "gv", "svg":
		return kind, nil
	}
	return "", usagef("cannot write a map as %q: use .svg, .dot or .json", kind)
}

// writeMap writes m to the file out (standard output when empty) as
// kind: json, svg or dot.
func writeMap(ctx context.Context, out, kind string, s Streams, m *processmap.Map) error {
	return writeOutput(out, s, func(w *bufio.Writer) error {
		switch kind {
		case "json":
			return writeJSON(w, m)
		case "svg":
			return processmap.WriteSVG(ctx, w, m)
		default:
			return processmap.WriteDOT(w, m)
		}
	})
}

// parseShare reads "0.8", "80%" or "80" as 0.8.
func parseShare(flag, s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, usagef("%s: %q is not a share (use 0..1 or a percentage such as 80%%)", flag, s)
	}
	if pct || v > 1 {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, usagef("%s: %q is outside 0..100%%", flag, s)
	}
	return v, nil
}

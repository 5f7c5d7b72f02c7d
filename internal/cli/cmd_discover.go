package cli

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/petrinet"
)

// runDiscover mines a process model from a log. For now: the inductive
// miner without noise filtering (IM), written as a process tree on stdout
// or as a Petri net in PNML.
func runDiscover(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("discover", "FILE [--algorithm inductive] [--noise 0] [-o model.pnml] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	algorithm := fs.String("algorithm", "inductive", "the discovery algorithm: inductive (the inductive miner)")
	noise := fs.Float64("noise", 0, "noise threshold of the inductive miner (IMf); only 0 (IM) is available yet")
	out := fs.String("o", "", "output file; its extension picks the format: .pnml (Petri net); default: the process tree on stdout")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	switch {
	case *algorithm == "heuristics":
		return usagef("--algorithm heuristics is not available yet; use inductive")
	case *algorithm != "inductive":
		return usagef("--algorithm must be inductive, not %q", *algorithm)
	case *noise != 0:
		return usagef("--noise: only 0 (IM) is available yet; IMf is not")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out != "" && ext != ".pnml" {
		return usagef("cannot write a model as %q: give -o a .pnml file, or leave it out for the tree on stdout", strings.TrimPrefix(ext, "."))
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	tree := inductive.Discover(l)
	if *out == "" {
		_, err := fmt.Fprintln(s.Out, tree)
		return err
	}
	return writeOutput(*out, s, func(w *bufio.Writer) error { return petrinet.WritePNML(w, petrinet.FromTree(tree)) })
}

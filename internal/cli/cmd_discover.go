package cli

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/petrinet"
)

// runDiscover mines a process model from a log with the inductive miner
// (IM, or IMf with --noise), written as a process tree on stdout, or as
// BPMN, a Petri net in PNML or the BPMN drawn as SVG.
func runDiscover(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("discover", "FILE [--algorithm inductive] [--noise 0] [-o model.pnml] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	algorithm := fs.String("algorithm", "inductive", "the discovery algorithm: inductive (the inductive miner)")
	noise := fs.Float64("noise", 0, "noise threshold of the inductive miner, 0 to 1: 0 is IM, which fits every trace; above 0 is IMf, which leaves out rare behaviour (PM4Py's default is 0.2)")
	out := fs.String("o", "", "output file; its extension picks the format: .bpmn (BPMN 2.0 with its diagram), .pnml (Petri net), .svg (the BPMN drawn); default: the process tree on stdout")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	switch {
	case *algorithm == "heuristics":
		return usagef("--algorithm heuristics is not available yet; use inductive")
	case *algorithm != "inductive":
		return usagef("--algorithm must be inductive, not %q", *algorithm)
	case !(*noise >= 0 && *noise <= 1):
		return usagef("--noise must be between 0 and 1, not %v", *noise)
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out != "" && ext != ".pnml" && ext != ".bpmn" && ext != ".svg" {
		return usagef("cannot write a model as %q: give -o a .bpmn, .pnml or .svg file, or leave it out for the tree on stdout", strings.TrimPrefix(ext, "."))
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	tree := inductive.Discover(l, *noise)
	if *out == "" {
		_, err := fmt.Fprintln(s.Out, tree)
		return err
	}
	return writeOutput(*out, s, func(w *bufio.Writer) error {
		switch ext {
		case ".bpmn":
			return bpmn.Write(ctx, w, bpmn.FromTree(tree))
		case ".svg":
			return bpmn.WriteSVG(ctx, w, bpmn.FromTree(tree), nil)
		}
		return petrinet.WritePNML(w, petrinet.FromTree(tree))
	})
}

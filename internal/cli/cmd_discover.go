package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/discovery/heuristics"
	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/petrinet"
)

// runDiscover mines a process model from a log with the inductive miner
// (IM, or IMf with --noise) or the heuristics miner, written as BPMN, a
// Petri net in PNML or the BPMN drawn as SVG; without -o, the inductive
// miner's tree (or the heuristics miner's BPMN) goes to stdout.
func runDiscover(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("discover", "FILE [--algorithm inductive|heuristics] [--noise N] [-o model.bpmn|model.pnml|model.svg] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	algorithm := fs.String("algorithm", "inductive", "the discovery algorithm: inductive (the inductive miner: a block-structured, sound model) or heuristics (the heuristics miner: the main flow of a noisy log)")
	noise := fs.Float64("noise", 0, "inductive: noise threshold, 0 to 1: 0 is IM, which fits every trace; above 0 is IMf, which leaves out rare behaviour (PM4Py's default is 0.2)")
	ho := heuristics.Defaults()
	fs.Float64Var(&ho.Dependency, "dependency", ho.Dependency, "heuristics: the least dependency measure, -1 to 1, for an edge to be kept")
	fs.Float64Var(&ho.And, "and", ho.And, "heuristics: the least AND measure, 0 to 1, for two successors (predecessors) to run in parallel")
	fs.Float64Var(&ho.LoopTwo, "loop2", ho.LoopTwo, "heuristics: the least measure, 0 to 1, for a b a patterns to become a loop of length two")
	fs.IntVar(&ho.MinOccurrences, "min-occurrences", ho.MinOccurrences, "heuristics: how often a must be directly followed by b for the edge to be kept")
	out := fs.String("o", "", "output file; its extension picks the format: .bpmn (BPMN 2.0 with its diagram), .pnml (Petri net), .svg (the BPMN drawn)")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *algorithm {
	case "inductive":
		for _, f := range []string{"dependency", "and", "loop2", "min-occurrences"} {
			if set[f] {
				return usagef("--%s is the heuristics miner's; add --algorithm heuristics", f)
			}
		}
		if !(*noise >= 0 && *noise <= 1) {
			return usagef("--noise must be between 0 and 1, not %v", *noise)
		}
	case "heuristics":
		if set["noise"] {
			return usagef("--noise is the inductive miner's; the heuristics miner filters with --dependency")
		}
		if err := ho.Validate(); err != nil {
			return usagef("%v", err)
		}
	default:
		return usagef("--algorithm must be inductive or heuristics, not %q", *algorithm)
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out != "" && ext != ".pnml" && ext != ".bpmn" && ext != ".svg" {
		return usagef("cannot write a model as %q: give -o a .bpmn, .pnml or .svg file", strings.TrimPrefix(ext, "."))
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	var model *bpmn.Model
	var net *petrinet.Net
	if *algorithm == "heuristics" {
		model = heuristics.Discover(l, ho)
		net = model.Net()
		if *out == "" {
			ext = ".bpmn"
		}
	} else {
		tree := inductive.Discover(l, *noise)
		if *out == "" {
			_, err := fmt.Fprintln(s.Out, tree)
			return err
		}
		model, net = bpmn.FromTree(tree), petrinet.FromTree(tree)
	}
	return writeOutput(*out, s, func(w *bufio.Writer) error {
		switch ext {
		case ".bpmn":
			return bpmn.Write(ctx, w, model)
		case ".svg":
			return bpmn.WriteSVG(ctx, w, model, nil)
		}
		return petrinet.WritePNML(w, net)
	})
}

package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/rootcause"
)

// runRootCause ranks what goes with an outcome of cases.
func runRootCause(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("rootcause", "LOG --outcome duration>7d|activity=NAME|rework [--depth N] [--factors N] [--min-cases K] [--json] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	outcome := fs.String("outcome", "", "the outcome to explain: duration>DURATION (e.g. duration>7d), activity=NAME, or rework")
	depth := fs.Int("depth", 3, "the decision tree's depth, 1 to 5")
	factors := fs.Int("factors", 20, "list this many factors, the most outcome cases explained first")
	minCases := fs.Int("min-cases", 1, "disclosure threshold: show no count of 1 to K-1 cases, as report readers get it")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, "LOG")
	if err != nil {
		return err
	}
	o, err := rootcause.ParseOutcome(*outcome)
	if err != nil {
		return usagef("--outcome: %v", err)
	}
	if *depth < 1 || *depth > 5 {
		return usagef("--depth: 1 to 5, not %d", *depth)
	}
	if *factors < 1 || *minCases < 1 {
		return usagef("--factors and --min-cases must be at least 1")
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	res, err := rootcause.Analyze(ctx, l, o, rootcause.Options{MinCases: *minCases, Depth: *depth, Factors: *factors, Clock: lf.clock})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(s.Out, res)
	}
	fmt.Fprintf(s.Out, "outcome: %s: %d of %d cases (%.1f%%)\n", res.Outcome, res.OutcomeCases, res.Cases, 100*res.Rate)
	fmt.Fprintf(s.Out, "%d factors tested (case attribute values, activities, resources)", res.Tested)
	if res.Withheld > 0 {
		fmt.Fprintf(s.Out, "; %d withheld under the threshold of %d cases", res.Withheld, *minCases)
	}
	fmt.Fprintln(s.Out)
	if len(res.Factors) > 0 {
		fmt.Fprintf(s.Out, "\nfactors, the most outcome cases above (or below) the overall rate first; p from the two-proportion z test, Holm-adjusted:\n")
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "factor\tcases\trate\t95%% interval\twithout\tlift\texcess\tadjusted p\n")
		for _, f := range res.Factors {
			fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%.1f–%.1f%%\t%.1f%%\t%.2f\t%+.0f\t%s\n", f.Label(), f.Cases, 100*f.Rate, 100*f.Interval[0], 100*f.Interval[1],
				100*f.RateWithout, f.Lift, f.Excess, pValue(f.Test.AdjustedP))
		}
		tw.Flush()
	}
	if res.Tree != nil && res.Tree.Split != "" {
		fmt.Fprintf(s.Out, "\ndecision tree (Gini; every leaf of at least %d cases):\n", max(*minCases, 2))
		printTree(s.Out, res.Tree, "", "all cases")
	}
	return nil
}

func printTree(w io.Writer, n *rootcause.Node, indent, label string) {
	fmt.Fprintf(w, "%s%s: %d cases, %.1f%% with the outcome\n", indent, label, n.Cases, 100*n.Rate)
	if n.Split == "" {
		return
	}
	next := indent + strings.Repeat(" ", 2)
	printTree(w, n.Yes, next, n.Split)
	printTree(w, n.No, next, "not "+n.Split)
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/conformance/align"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
)

// maxModelBytes bounds a model file read.
const maxModelBytes = 64 << 20

// runConformance replays a log on a model and prints how well it fits.
func runConformance(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("conformance", "LOG MODEL [--json] [filters]   (MODEL: BPMN .bpmn, a Petri net .pnml or a process tree .ptml)", s)
	var lf loadFlags
	lf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	method := fs.String("method", "token-replay", "token-replay, or alignments (optimal, cost-based; slower)")
	budget := fs.Int("budget", 1_000_000, "the most search states per variant for alignments, and for precision's search over all prefixes; past it a figure is reported as not computed")
	pos, err := parse(fs, args, "LOG", "MODEL")
	if err != nil {
		return err
	}
	if *method != "token-replay" && *method != "alignments" {
		return usagef("--method: token-replay or alignments, not %q", *method)
	}
	if *budget <= 0 {
		return usagef("--budget: a positive number of states")
	}
	net, err := readModel(pos[1])
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	a, err := align.New(ctx, net)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	var traces []align.Trace
	for _, v := range mining.Variants(l) {
		traces = append(traces, align.Trace{Activities: v.Activities, Cases: v.Cases})
	}
	prec, err := a.Precision(ctx, traces, *budget)
	if err != nil && !errors.Is(err, align.ErrBudget) {
		return err
	}
	if err != nil {
		prec = nil
	}
	if *method == "alignments" {
		return alignLog(ctx, a, traces, prec, *budget, *asJSON, s)
	}
	res, err := conformance.Replay(ctx, l, net)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	if *asJSON {
		return writeJSON(s.Out, struct {
			Method string `json:"method"`
			*conformance.Result
			Precision *align.Precision `json:"precision"`
		}{"token-replay", res, prec})
	}
	printConformance(s.Out, res)
	printPrecision(s.Out, prec, *budget)
	return nil
}

// printPrecision prints alignment-based precision and the activities the
// model allows most often where no case does them.
func printPrecision(w io.Writer, p *align.Precision, budget int) {
	fmt.Fprintln(w)
	if p == nil {
		fmt.Fprintf(w, "precision  not computed: the prefix search exceeded --budget %d states\n", budget)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "precision\t%.4f (alignment-based escaping edges: %d of %d allowed next activities, over every case and prefix, no case did)\n", p.Value, p.Escaping, p.Allowed)
	if p.UnfitCases > 0 {
		fmt.Fprintf(tw, "\t%d case prefixes the model cannot replay are left out\n", p.UnfitCases)
	}
	tw.Flush()
	if len(p.Edges) == 0 {
		return
	}
	fmt.Fprintf(w, "\nallowed but never done (the model's escaping edges, most case prefixes first):\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "after\tactivity\tprefixes\n")
	for i, e := range p.Edges {
		if i == 10 {
			fmt.Fprintf(tw, "…\t%d more\t\n", len(p.Edges)-10)
			break
		}
		after := e.After
		if after == "" {
			after = "(start)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", after, e.Activity, e.Prefixes)
	}
	tw.Flush()
}

// readModel reads a model file as a Petri net; its extension says what
// it holds.
func readModel(name string) (*petrinet.Net, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".pnml" && ext != ".ptml" && ext != ".bpmn" {
		return nil, usagef("%s: a model must be BPMN (.bpmn), a Petri net (.pnml) or a process tree (.ptml)", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxModelBytes {
		return nil, fmt.Errorf("%s: %d bytes; a model file may have at most %d", name, fi.Size(), maxModelBytes)
	}
	r := io.LimitReader(f, maxModelBytes)
	if ext == ".bpmn" {
		m, err := bpmn.Read(r, name)
		if err != nil {
			return nil, err
		}
		return m.Net(), nil
	}
	if ext == ".ptml" {
		tree, err := processtree.ReadPTML(r, name)
		if err != nil {
			return nil, err
		}
		return petrinet.FromTree(tree), nil
	}
	return petrinet.ReadPNML(r, name)
}

func printConformance(w io.Writer, res *conformance.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "method\ttoken-based replay\n")
	fmt.Fprintf(tw, "log fitness\t%.4f\n", res.LogFitness)
	fmt.Fprintf(tw, "average trace fitness\t%.4f\n", res.AverageTraceFitness)
	fmt.Fprintf(tw, "fitting traces\t%.2f%% (%d of %d)\n", res.PercentageOfFittingTraces, res.FittingTraces, res.Traces)
	fmt.Fprintf(tw, "tokens\tproduced %d, consumed %d, missing %d, remaining %d\n", res.Produced, res.Consumed, res.Missing, res.Remaining)
	tw.Flush()
	devs := res.Deviating()
	if len(devs) > 0 {
		fmt.Fprintf(w, "\ndeviations:\n")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "activity\tevents\tunfit events\tmissing tokens\tremaining tokens\n")
		for _, d := range devs {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", d.Activity, d.Events, d.UnfitEvents, d.Missing, d.Remaining)
		}
		tw.Flush()
	}
	if len(res.NotInModel) > 0 {
		printCounts(w, "events of activities not in the model", res.NotInModel)
	}
}

// alignLog aligns every variant of the log against the net and prints
// the alignment-based figures.
func alignLog(ctx context.Context, a *align.Aligner, traces []align.Trace, prec *align.Precision, budget int, asJSON bool, s Streams) error {
	sum, err := a.Log(ctx, traces, align.Options{Budget: budget})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(s.Out, map[string]any{"method": "alignments", "log_fitness": sum.LogFitness, "average_trace_fitness": sum.AverageTraceFitness,
			"fitting_share": sum.FittingShare, "cases": sum.Cases, "not_computed_cases": sum.NotComputedCases, "deviations": sum.Deviations,
			"precision": prec})
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "method\talignments (optimal; log and visible model moves cost 10000, silent ones 1)\n")
	fmt.Fprintf(tw, "log fitness\t%.4f\n", sum.LogFitness)
	fmt.Fprintf(tw, "average trace fitness\t%.4f\n", sum.AverageTraceFitness)
	fmt.Fprintf(tw, "fitting traces\t%.2f%% of %d\n", 100*sum.FittingShare, sum.Cases)
	if sum.NotComputedCases > 0 {
		fmt.Fprintf(tw, "not computed\t%d cases: their variants exceeded --budget %d states\n", sum.NotComputedCases, budget)
	}
	tw.Flush()
	if len(sum.Deviations) > 0 {
		fmt.Fprintf(s.Out, "\ndeviations (log: happened where the model does not allow it; model: required and missing):\n")
		tw = tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "activity\tkind\tcases\tmoves\n")
		for _, d := range sum.Deviations {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", d.Activity, d.Kind, d.Cases, d.Moves)
		}
		tw.Flush()
	}
	printPrecision(s.Out, prec, budget)
	return nil
}

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
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
	pos, err := parse(fs, args, "LOG", "MODEL")
	if err != nil {
		return err
	}
	net, err := readModel(pos[1])
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	res, err := conformance.Replay(ctx, l, net)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	if *asJSON {
		return writeJSON(s.Out, res)
	}
	printConformance(s.Out, res)
	return nil
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

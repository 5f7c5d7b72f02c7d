package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
)

func runVariants(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("variants", "FILE [--top N] [--json] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	top := fs.Int("top", 0, "print only the N most frequent variants (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	if *top < 0 {
		return usagef("--top must not be negative")
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	vs := mining.Variants(l)
	total := len(vs)
	if *top > 0 && *top < len(vs) {
		vs = vs[:*top]
	}
	return printVariants(s.Out, vs, total, *asJSON)
}

// printVariants prints vs, the most frequent of total variants, as
// `procmine variants` does.
func printVariants(w io.Writer, vs []*mining.Variant, total int, asJSON bool) error {
	if asJSON {
		if vs == nil {
			vs = []*mining.Variant{}
		}
		return writeJSON(w, struct {
			Total    int               `json:"total"`
			Variants []*mining.Variant `json:"variants"`
		}{total, vs})
	}
	fmt.Fprintf(w, "%d variants", total)
	if len(vs) < total {
		fmt.Fprintf(w, " (the %d most frequent shown)", len(vs))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "cases\tshare\tmean duration\tactivities")
	for _, v := range vs {
		d := "-"
		if v.MeanDuration != nil {
			d = processmap.Duration(*v.MeanDuration)
		}
		fmt.Fprintf(tw, "%d\t%.1f%%\t%s\t%s\n", v.Cases, 100*v.Share, d, strings.Join(v.Activities, " → "))
	}
	return tw.Flush()
}

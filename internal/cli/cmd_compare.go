package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/compare"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/processmap"
)

// runCompare compares two views of one log.
func runCompare(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("compare", `LOG --a FILTERS --b FILTERS [--json] [-o diff.svg|diff.dot]   (FILTERS: the filter parameters as a query, e.g. "from=2011-10-01&to=2011-12-31" or "case-attr=region=north")`, s)
	var lf loadFlags
	lf.register(fs)
	a := fs.String("a", "", "cohort A's filters, as a query string (the API's filter parameters)")
	b := fs.String("b", "", "cohort B's filters, as a query string")
	asJSON := fs.Bool("json", false, "print JSON")
	out := fs.String("o", "", "write the difference map: .svg or .dot")
	variants := fs.Int("variants", 10, "list at most this many appeared and vanished variants")
	pos, err := parse(fs, args, "LOG")
	if err != nil {
		return err
	}
	if *a == "" && *b == "" {
		return usagef("--a and --b: give at least one cohort's filters (the other is the whole log)")
	}
	if *variants < 0 {
		return usagef("--variants must not be negative")
	}
	kind := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	if *out != "" && kind != "svg" && kind != "dot" {
		return usagef("-o: a difference map is written as .svg or .dot, not %q", filepath.Ext(*out))
	}
	fa, err := cohortFilters("--a", *a)
	if err != nil {
		return err
	}
	fb, err := cohortFilters("--b", *b)
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	la, err := mining.ApplyContext(ctx, l, fa...)
	if err != nil {
		return err
	}
	lb, err := mining.ApplyContext(ctx, l, fb...)
	if err != nil {
		return err
	}
	res, err := compare.Compare(ctx, la, lb, compare.Options{Variants: max(*variants, 1), Clock: lf.clock})
	var few *compare.ErrTooFew
	if errors.As(err, &few) {
		return fmt.Errorf("%v: --%s leaves no cases", err, strings.ToLower(few.Cohort))
	}
	if err != nil {
		return err
	}
	if *variants == 0 {
		res.Appeared, res.Vanished = []compare.Variant{}, []compare.Variant{}
	}
	if *out != "" {
		if err := writeOutput(*out, s, func(w *bufio.Writer) error {
			if kind == "dot" {
				return compare.WriteDOT(w, res)
			}
			var src bytes.Buffer
			if err := compare.WriteDOT(&src, res); err != nil {
				return err
			}
			return dot.Render(ctx, src.Bytes(), dot.SVG, w)
		}); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(s.Out, res)
	}
	printComparison(s.Out, res, la, lb)
	return nil
}

// cohortFilters reads a cohort's filters from a query string.
func cohortFilters(flag, query string) ([]mining.Filter, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, usagef("%s: %q is not a query string (name=value&name=value): %v", flag, query, err)
	}
	for k := range q {
		if !containsString(filterspec.Params, k) || k == "duration-time" {
			return nil, usagef("%s: %q is not a filter parameter (%s)", flag, k, strings.Join(filterspec.Params, ", "))
		}
	}
	spec, err := filterspec.FromQuery(q)
	if err == nil {
		spec.Prefix = flag + " "
		var filters []mining.Filter
		if filters, err = spec.Filters(); err == nil {
			return filters, nil
		}
	}
	var fe *filterspec.Error
	if errors.As(err, &fe) {
		return nil, usagef("%s: %s", flag, fe.Msg)
	}
	return nil, err
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func printComparison(w io.Writer, r *compare.Result, la, lb *eventlog.Log) {
	dur := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return processmap.Duration(*p)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\tA\tB\n")
	fmt.Fprintf(tw, "cases\t%d\t%d\n", r.A.Cases, r.B.Cases)
	fmt.Fprintf(tw, "events per case\t%.1f\t%.1f\n", r.A.EventsPerCase, r.B.EventsPerCase)
	fmt.Fprintf(tw, "variants\t%d\t%d\n", r.A.Variants, r.B.Variants)
	fmt.Fprintf(tw, "rework\t%.1f%%\t%.1f%%\n", 100*r.A.ReworkShare, 100*r.B.ReworkShare)
	fmt.Fprintf(tw, "median case duration\t%s\t%s\n", dur(r.A.MedianDuration), dur(r.B.MedianDuration))
	fmt.Fprintf(tw, "mean case duration\t%s\t%s\n", dur(r.A.MeanDuration), dur(r.B.MeanDuration))
	fmt.Fprintf(tw, "90th percentile\t%s\t%s\n", dur(r.A.P90Duration), dur(r.B.P90Duration))
	tw.Flush()
	if t := r.Duration; t != nil {
		fmt.Fprintf(w, "\ncase durations: %s\n  U = %.0f, p = %s, rank-biserial correlation %+.3f (%s)\n", t.Name, t.Statistic, pValue(t.P), t.Effect, direction(t.Effect))
	}
	if len(r.Activities) > 0 {
		fmt.Fprintf(w, "\nactivities, the most changed share of cases first (%s; p adjusted by Holm over %d activities):\n", r.Activities[0].Test.Name, len(r.Activities))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "activity\tA\tB\tchange\tCohen's h\tadjusted p\n")
		for i, a := range r.Activities {
			if i == 15 {
				fmt.Fprintf(tw, "… %d more\t\t\t\t\t\n", len(r.Activities)-15)
				break
			}
			fmt.Fprintf(tw, "%s\t%.1f%%\t%.1f%%\t%+.1f pp\t%+.2f\t%s\n", a.Activity, 100*a.ShareA, 100*a.ShareB, 100*(a.ShareB-a.ShareA), a.Test.Effect, pValue(a.Test.AdjustedP))
		}
		tw.Flush()
	}
	if len(r.Paths) > 0 {
		fmt.Fprintf(w, "\npaths, the most changed share of cases first:\n")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "path\tA\tB\tmean time A\tmean time B\n")
		for i, p := range r.Paths {
			if i == 10 {
				fmt.Fprintf(tw, "… %d more\t\t\t\t\n", len(r.Paths)-10)
				break
			}
			fmt.Fprintf(tw, "%s → %s\t%.1f%%\t%.1f%%\t%s\t%s\n", p.From, p.To, 100*p.ShareA, 100*p.ShareB, dur(p.MeanA), dur(p.MeanB))
		}
		tw.Flush()
	}
	for _, list := range []struct {
		title string
		vs    []compare.Variant
		cases int
	}{{"variants only in B (appeared)", r.Appeared, r.AppearedCases}, {"variants only in A (vanished)", r.Vanished, r.VanishedCases}} {
		fmt.Fprintf(w, "\n%s: %d cases\n", list.title, list.cases)
		for _, v := range list.vs {
			fmt.Fprintf(w, "  %d  %s\n", v.Cases, strings.Join(v.Activities, " → "))
		}
	}
}

func pValue(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

func direction(r float64) string {
	switch {
	case r > 0:
		return "A's cases tend to take longer"
	case r < 0:
		return "B's cases tend to take longer"
	}
	return "no tendency"
}

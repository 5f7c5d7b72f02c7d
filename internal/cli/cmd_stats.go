package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
)

func runStats(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("stats", "FILE [--json] [--raw-events] [filters]", s)
	var lf loadFlags
	lf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	st := mining.ComputeStats(l)
	st.AddWorkingTime(l, lf.clock)
	if *asJSON {
		return writeJSON(s.Out, st)
	}
	printStats(s.Out, st, lf.calendar)
	return nil
}

// printStats prints st as `procmine stats` does; calendar names the
// working calendar of its working-time durations.
func printStats(w io.Writer, st *mining.Stats, calendar string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "cases\t%d\n", st.Cases)
	fmt.Fprintf(tw, "events\t%d\n", st.Events)
	fmt.Fprintf(tw, "activities\t%d\n", len(st.Activities))
	fmt.Fprintf(tw, "variants\t%d\n", st.Variants)
	fmt.Fprintf(tw, "resources\t%d\n", st.Resources)
	if d := st.CaseDuration; d != nil {
		fmt.Fprintf(tw, "case duration\tmean %s, median %s, min %s, max %s\n",
			processmap.Duration(d.Mean), processmap.Duration(d.Median), processmap.Duration(d.Min), processmap.Duration(d.Max))
		if wd := st.WorkingCaseDuration; wd != nil {
			fmt.Fprintf(tw, "in working time\tmean %s, median %s, min %s, max %s (%s)\n",
				processmap.Duration(wd.Mean), processmap.Duration(wd.Median), processmap.Duration(wd.Min), processmap.Duration(wd.Max), calendar)
		}
		fmt.Fprintf(tw, "time range\t%s to %s\n", st.TimeRange[0], st.TimeRange[1])
	} else {
		fmt.Fprintf(tw, "case duration\tunavailable: the log has no timestamps\n")
	}
	fmt.Fprintf(tw, "rework\t%.1f%% of cases repeat an activity, %.1f%% have a self-loop\n",
		100*st.Rework.ReworkShare, 100*st.Rework.SelfLoopShare)
	if len(st.ResourceWork) > 0 {
		var busiest []string
		for _, r := range st.ResourceWork[:min(5, len(st.ResourceWork))] {
			busiest = append(busiest, fmt.Sprintf("%s (%d)", r.Resource, r.Events))
		}
		fmt.Fprintf(tw, "busiest resources\t%s\n", strings.Join(busiest, ", "))
	}
	if len(st.Handovers) > 0 {
		h := st.Handovers[0]
		fmt.Fprintf(tw, "most frequent hand-over\t%s → %s (%d times)\n", h.From, h.To, h.Count)
	}
	tw.Flush()
	printCounts(w, "activities", st.Activities)
	printCounts(w, "start activities", st.StartActivities)
	printCounts(w, "end activities", st.EndActivities)
}

// printCounts prints name counts, largest first.
func printCounts(w io.Writer, title string, counts map[string]int) {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range counts {
		list = append(list, kv{k, v})
	}
	slices.SortFunc(list, func(a, b kv) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.k, b.k)) })
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, e := range list {
		fmt.Fprintf(tw, "%d\t  %s\n", e.v, e.k)
	}
	tw.Flush()
}

package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/ocel"
)

func runOCEL(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 || (args[0] != "summary" && args[0] != "dfg" && args[0] != "objects") {
		return usagef("usage: procmine ocel summary|dfg|objects FILE [--json]")
	}
	verb := args[0]
	fs := newFlagSet("ocel "+verb, "FILE [--json] [-o graph.svg|graph.dot] [--activity A]", s)
	asJSON := fs.Bool("json", false, "print JSON")
	out := fs.String("o", "", "ocel dfg: draw the graph into this file; its extension picks the format: .svg or .dot")
	activity := fs.String("activity", "", "ocel objects: the activity (event type) whose events' objects are listed")
	pos, err := parse(fs, args[1:], "FILE")
	if err != nil {
		return err
	}
	if verb == "objects" && *activity == "" {
		return usagef("ocel objects needs --activity: the event type whose objects to list")
	}
	l, err := ocel.Read(ctx, pos[0], ocel.Options{})
	if err != nil {
		return err
	}
	if verb == "objects" {
		// Which objects took part in events of the activity, by type.
		if _, ok := l.Summarize().EventsPerType[*activity]; !ok {
			return usagef("%s: no events of type %q", pos[0], *activity)
		}
		took := l.TookPart(*activity)
		if *asJSON {
			return writeJSON(s.Out, took)
		}
		types := make([]string, 0, len(took))
		for t := range took {
			types = append(types, t)
		}
		slices.Sort(types)
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "object type\tobjects\tids\n")
		for _, t := range types {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", t, len(took[t]), strings.Join(took[t], ", "))
		}
		return tw.Flush()
	}
	if verb == "dfg" {
		g := l.DirectlyFollows()
		if *out != "" {
			kind := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
			if kind != "svg" && kind != "dot" && kind != "gv" {
				return usagef("cannot draw the graph as %q: use .svg or .dot", kind)
			}
			return writeOutput(*out, s, func(w *bufio.Writer) error {
				if kind != "svg" {
					return g.WriteDOT(w)
				}
				var src bytes.Buffer
				if err := g.WriteDOT(&src); err != nil {
					return err
				}
				return dot.Render(ctx, src.Bytes(), dot.SVG, w)
			})
		}
		if *asJSON {
			return writeJSON(s.Out, g)
		}
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "object type\tfrom\tto\tevent couples\tobjects\n")
		for _, t := range l.TypesWithObjects() {
			for _, e := range g.Edges[t] {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", t, e.From, e.To, e.EventCouples, e.UniqueObjects)
			}
		}
		return tw.Flush()
	}
	sum := l.Summarize()
	if *asJSON {
		return writeJSON(s.Out, struct {
			Version string `json:"version"`
			ocel.Summary
			First string `json:"first_event"`
			Last  string `json:"last_event"`
		}{l.Version, sum, eventlog.FormatTime(sum.First), eventlog.FormatTime(sum.Last)})
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "format\tOCEL %s\n", l.Version)
	fmt.Fprintf(tw, "events\t%d of %d types, %s to %s\n", sum.Events, sum.EventTypes, eventlog.FormatTime(sum.First), eventlog.FormatTime(sum.Last))
	fmt.Fprintf(tw, "objects\t%d of %d types (%d touched by no event)\n", sum.Objects, sum.ObjectTypes, sum.ObjectsWithoutEvents)
	fmt.Fprintf(tw, "relations\t%d event-to-object, %d object-to-object\n", sum.E2O, sum.O2O)
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "object type\tobjects\tevent relations\n")
	for _, t := range l.TypesWithObjects() {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", t, sum.ObjectsPerType[t], sum.E2OPerType[t])
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "event type\tevents\n")
	types := make([]string, 0, len(sum.EventsPerType))
	for t := range sum.EventsPerType {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		fmt.Fprintf(tw, "%s\t%d\n", t, sum.EventsPerType[t])
	}
	return tw.Flush()
}

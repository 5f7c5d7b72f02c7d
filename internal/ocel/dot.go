package ocel

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
)

// palette colours the object types, one each, in an order that stays
// apart for the colour-blind (Okabe and Ito's), then repeats.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

// Drawing bounds: a graph past them is refused before its layout starts,
// as a process map is.
const (
	maxDrawnActivities = 150
	maxDrawnEdges      = 1500
)

// ErrTooLarge is an object-centric graph too large to draw.
type ErrTooLarge struct{ Activities, Edges int }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("the graph has %d activities and %d edges, more than procmine draws (%d and %d): print it as a table without -o", e.Activities, e.Edges, maxDrawnActivities, maxDrawnEdges)
}

// WriteDOT writes the object-centric directly-follows graph in DOT: the
// activities with their events, an edge of each object type's colour for
// each pair that follows for objects of that type, labelled with its
// event couples, and a legend of the types.
func (g OCDFG) WriteDOT(w io.Writer) error {
	types := make([]string, 0, len(g.Edges))
	edges := 0
	for t, es := range g.Edges {
		types = append(types, t)
		edges += len(es)
	}
	for t := range g.Start {
		if _, ok := g.Edges[t]; !ok {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	if len(g.Activities) > maxDrawnActivities || edges > maxDrawnEdges {
		return &ErrTooLarge{Activities: len(g.Activities), Edges: edges}
	}
	acts := make([]string, 0, len(g.Activities))
	for a := range g.Activities {
		acts = append(acts, a)
	}
	sort.Strings(acts)
	id := map[string]string{}
	var b strings.Builder
	b.WriteString("digraph ocdfg {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3f8\", color=\"#4a6a8a\", fontname=\"Helvetica\", fontsize=12];\n  edge [fontname=\"Helvetica\", fontsize=10, arrowsize=0.7];\n")
	for i, a := range acts {
		id[a] = fmt.Sprintf("a%d", i)
		n := g.Activities[a].Events
		unit := "events"
		if n == 1 {
			unit = "event"
		}
		fmt.Fprintf(&b, "  %s [label=%s];\n", id[a], quote(fmt.Sprintf("%s\n%d %s", a, n, unit)))
	}
	var legend strings.Builder
	for i, t := range types {
		colour := palette[i%len(palette)]
		fmt.Fprintf(&legend, `<TR><TD ALIGN="LEFT"><FONT COLOR="%s">&#9632; %s</FONT></TD></TR>`, colour, html.EscapeString(t))
		for _, e := range g.Edges[t] {
			fmt.Fprintf(&b, "  %s -> %s [color=%s, fontcolor=%s, label=%s, penwidth=1.5];\n", id[e.From], id[e.To], quote(colour), quote(colour), quote(fmt.Sprint(e.EventCouples)))
		}
	}
	fmt.Fprintf(&b, "  legend [shape=plaintext, style=\"\", label=<<TABLE BORDER=\"0\" CELLSPACING=\"2\"><TR><TD ALIGN=\"LEFT\"><B>Object types</B></TD></TR>%s</TABLE>>];\n}\n", legend.String())
	_, err := io.WriteString(w, b.String())
	return err
}

// quote makes a DOT string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}

package processmap

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteDOT writes the map in Graphviz's DOT language: a box per activity
// with its count, an arrow per edge labelled with its count (frequency
// view) or mean duration (performance view) and drawn thicker the more
// often it is taken, and a start and an end circle.
func WriteDOT(w io.Writer, m *Map) error {
	var b strings.Builder
	b.WriteString("digraph procmine {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.35, ranksep=0.45];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.3,0.06\", fillcolor=\"#dbe9f6\", color=\"#4a6f94\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4d4d4d\", arrowsize=0.7];\n")
	b.WriteString("  start [shape=circle, label=\"start\", fontsize=9, fontcolor=white, margin=0, width=0.45, fixedsize=true, fillcolor=\"#3c8d40\", color=\"#3c8d40\"];\n")
	b.WriteString("  end [shape=doublecircle, label=\"end\", fontsize=9, fontcolor=white, margin=0, width=0.4, fixedsize=true, fillcolor=\"#b23b3b\", color=\"#b23b3b\"];\n")
	id := map[string]string{}
	maxCount := 1
	for _, e := range m.Edges {
		maxCount = max(maxCount, e.Count)
	}
	for _, n := range m.Start {
		maxCount = max(maxCount, n)
	}
	for _, n := range m.End {
		maxCount = max(maxCount, n)
	}
	for i, n := range m.Nodes {
		id[n.Activity] = "n" + strconv.Itoa(i)
		label, tip, style := n.Activity+"\n"+strconv.Itoa(n.Count), fmt.Sprintf("%s: %d events in %d cases", n.Activity, n.Count, n.Cases), ""
		if note, ok := m.Marked[n.Activity]; ok {
			label, tip = label+"\n"+note, tip+"; "+note
			style = `, class="marked", color="#c62828", fillcolor="#fde0dc", penwidth=2.5`
		}
		fmt.Fprintf(&b, "  n%d [label=%s, tooltip=%s%s];\n", i, quote(label), quote(tip), style)
	}
	arrow := func(from, to string, count int, label, tip string) {
		width := 1 + 4*float64(count)/float64(maxCount)
		fmt.Fprintf(&b, "  %s -> %s [label=%s, tooltip=%s, penwidth=%.2f];\n", from, to, quote(label), quote(tip), width)
	}
	for _, n := range m.Nodes {
		if c, ok := m.Start[n.Activity]; ok {
			arrow("start", id[n.Activity], c, strconv.Itoa(c), fmt.Sprintf("%d cases start with %s", c, n.Activity))
		}
	}
	for _, e := range m.Edges {
		label := strconv.Itoa(e.Count)
		if m.View == Performance && e.Mean != nil {
			label = Duration(*e.Mean)
		}
		tip := fmt.Sprintf("%s → %s: %d times in %d cases", e.Source, e.Target, e.Count, e.Cases)
		// Disclosure control may leave out a mean or a median.
		if e.Mean != nil {
			tip += ", mean " + Duration(*e.Mean)
		}
		if e.Median != nil {
			tip += ", median " + Duration(*e.Median)
		}
		arrow(id[e.Source], id[e.Target], e.Count, label, tip)
	}
	for _, n := range m.Nodes {
		if c, ok := m.End[n.Activity]; ok {
			arrow(id[n.Activity], "end", c, strconv.Itoa(c), fmt.Sprintf("%d cases end with %s", c, n.Activity))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// quote makes a DOT string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}

package processmap

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteDOT writes the map in Graphviz's DOT language: a box per activity,
// an arrow per edge drawn thicker the more often it is taken, and a start
// and an end circle.
//
// In the frequency view the activities and arrows carry their counts. In
// the performance view (of a timed log) the activities carry their names
// only (a map holds the durations of paths, not of activities), and each
// path its mean duration, in a colour of a sequential scale (palette)
// from its lightest, fastest class to its darkest, slowest one; a legend
// at the top right says which durations each colour covers. The scale and
// the legend are made from the figures the map shows (newScale): a path
// whose mean disclosure control withheld is drawn grey and unlabelled,
// and adds nothing to either; so are the arrows from the start and to the
// end, which have no duration. A performance map of an untimed log, which
// has no durations at all, is drawn with counts.
//
// The layout is steered in two ways, the same in both views. The main
// path (mainPath: from the start, the most frequent arrow to an activity
// not yet on it, until the end) is one group, which dot draws as a
// straight vertical line; and every arrow weighs more the more often it
// is taken, so that frequent paths stay short and straight. Without them
// dot balanced the many long arrows of a real log (BPIC 2012) by shifting
// every rank sideways, and the map ran diagonally across the page. On a
// map the paths slider cut, only the edges every share keeps (its
// backbone: Edge.Backbone) rank the activities; the others are drawn
// without moving them (constraint=false), so that the slider moving a
// little leaves the activities where they were (on receipt's first view,
// ±10% of paths moved an activity by 0 to 3 points but once, where the
// map ranked by all its edges moved them by 110 to 290).
func WriteDOT(w io.Writer, m *Map) error {
	perf := m.View == Performance && m.Timed
	var sc *scale
	if perf {
		sc = newScale(m.Edges)
	}
	var b strings.Builder
	b.WriteString("digraph procmine {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.35, ranksep=0.45];\n")
	if perf {
		// Colour on the map means duration: the activities stay grey.
		b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.3,0.06\", fillcolor=\"#f2f2f2\", color=\"#8c8c8c\"];\n")
	} else {
		b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.3,0.06\", fillcolor=\"#dbe9f6\", color=\"#4a6f94\"];\n")
	}
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4d4d4d\", arrowsize=0.7];\n")
	if sc != nil {
		b.WriteString("  graph [labelloc=t, labeljust=r, label=" + sc.legend(m.WorkingTime) + "];\n")
	}
	b.WriteString("  start [group=main, shape=circle, label=\"start\", fontsize=9, fontcolor=white, margin=0, width=0.45, fixedsize=true, fillcolor=\"#2e7d32\", color=\"#2e7d32\"];\n")
	b.WriteString("  end [group=main, shape=doublecircle, label=\"end\", fontsize=9, fontcolor=white, margin=0, width=0.4, fixedsize=true, fillcolor=\"#b23b3b\", color=\"#b23b3b\"];\n")
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
	main := mainPath(m)
	backbone := false
	for _, e := range m.Edges {
		backbone = backbone || e.Backbone
	}
	for i, n := range m.Nodes {
		id[n.Activity] = "n" + strconv.Itoa(i)
		label, tip, style := n.Activity, fmt.Sprintf("%s: %d events in %d cases", n.Activity, n.Count, n.Cases), ""
		if !perf {
			label += "\n" + strconv.Itoa(n.Count)
		}
		if note, ok := m.Marked[n.Activity]; ok {
			label, tip = label+"\n"+note, tip+"; "+note
			style = `, class="marked", color="#c62828", fillcolor="#fde0dc", penwidth=2.5`
		}
		if main[n.Activity] {
			style += ", group=main"
		}
		fmt.Fprintf(&b, "  n%d [label=%s, tooltip=%s%s];\n", i, quote(label), quote(tip), style)
	}
	// arrow draws an arrow; an empty label or colour is left out.
	arrow := func(from, to string, count int, label, tip, colour string, free bool) {
		fmt.Fprintf(&b, "  %s -> %s [", from, to)
		if free {
			b.WriteString("constraint=false, ")
		}
		if label != "" {
			fmt.Fprintf(&b, "label=%s, ", quote(label))
		}
		fmt.Fprintf(&b, "tooltip=%s, ", quote(tip))
		if colour != "" {
			fmt.Fprintf(&b, "color=%s, ", quote(colour))
		}
		// A performance arrow is never thinner than 1.5 points, so that
		// its colour can be told.
		width := 1 + 4*float64(count)/float64(maxCount)
		if perf {
			width = 1.5 + 3.5*float64(count)/float64(maxCount)
		}
		// Weights from 1 to 9 with the count: dot keeps heavy arrows
		// short and straight.
		fmt.Fprintf(&b, "weight=%d, penwidth=%.2f];\n", 1+8*count/maxCount, width)
	}
	// ends draws the arrows from the start and to the end, which have no
	// duration: counts in the frequency view, grey in the performance view.
	ends := func(from, to string, count int, tip string) {
		if perf {
			arrow(from, to, count, "", tip, colourUnscaled, false)
		} else {
			arrow(from, to, count, strconv.Itoa(count), tip, "", false)
		}
	}
	for _, n := range m.Nodes {
		if c, ok := m.Start[n.Activity]; ok {
			ends("start", id[n.Activity], c, fmt.Sprintf("%d cases start with %s", c, n.Activity))
		}
	}
	for _, e := range m.Edges {
		tip := fmt.Sprintf("%s → %s: %d times in %d cases", e.Source, e.Target, e.Count, e.Cases)
		// Disclosure control may leave out a mean or a median.
		if e.Mean != nil {
			tip += ", mean " + Duration(*e.Mean)
		}
		if e.Median != nil {
			tip += ", median " + Duration(*e.Median)
		}
		label, colour := strconv.Itoa(e.Count), ""
		if perf {
			sec, ok := e.duration()
			switch {
			case !ok:
				label, colour, tip = "", colourUnscaled, tip+"; no duration shown"
			case sc == nil: // one duration on the whole map: no scale
				label = Duration(sec)
			default:
				label, colour = Duration(sec), sc.colour(sec)
			}
		}
		arrow(id[e.Source], id[e.Target], e.Count, label, tip, colour, backbone && !e.Backbone)
	}
	for _, n := range m.Nodes {
		if c, ok := m.End[n.Activity]; ok {
			ends(id[n.Activity], "end", c, fmt.Sprintf("%d cases end with %s", c, n.Activity))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mainPath is the set of activities on the map's main path: from the
// start, the most frequent arrow to an activity not yet on the path (the
// first in the map's order among equals), until the end or no such
// arrow is left.
func mainPath(m *Map) map[string]bool {
	out := map[string][]Edge{}
	for _, e := range m.Edges {
		out[e.Source] = append(out[e.Source], e)
	}
	on := map[string]bool{}
	at, best := "", 0
	for _, n := range m.Nodes { // the most frequent start
		if c := m.Start[n.Activity]; c > best {
			at, best = n.Activity, c
		}
	}
	for at != "" {
		on[at] = true
		next, best := "", 0
		for _, e := range out[at] {
			if !on[e.Target] && e.Count > best {
				next, best = e.Target, e.Count
			}
		}
		if m.End[at] > best {
			break
		}
		at = next
	}
	return on
}

// quote makes a DOT string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}

package compare

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/processmap"
)

// A difference map draws the paths of at least MinDrawnShare of either
// cohort's cases, at most MaxDrawnPaths of them (the most frequent), and
// the activities they join: the map of a whole log is unreadable.
const (
	MinDrawnShare = 0.02
	MaxDrawnPaths = 60
)

// WriteDOT draws the difference map in Graphviz's language: the
// activities and paths of either cohort, coloured by the change in the
// share of cases from A to B (red: more, blue: fewer; dashed: in one
// cohort only), each path labelled with both shares and both mean times.
func WriteDOT(w io.Writer, r *Result) error {
	var b strings.Builder
	b.WriteString("digraph compare {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.35, ranksep=0.5, labelloc=t, labeljust=l,\n")
	fmt.Fprintf(&b, "    label=%s];\n", quote(fmt.Sprintf("A: %d cases, B: %d cases. Red: a larger share of cases in B, blue: a smaller one; dashed: in one cohort only.", r.A.Cases, r.B.Cases)))
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.3,0.06\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n")
	var paths []Path
	for _, p := range r.Paths {
		if math.Max(p.ShareA, p.ShareB) >= MinDrawnShare {
			paths = append(paths, p)
		}
	}
	slices.SortStableFunc(paths, func(x, y Path) int {
		return cmp.Compare(math.Max(y.ShareA, y.ShareB), math.Max(x.ShareA, x.ShareB))
	})
	hidden := len(r.Paths) - min(len(paths), MaxDrawnPaths)
	paths = paths[:min(len(paths), MaxDrawnPaths)]
	if hidden > 0 {
		fmt.Fprintf(&b, "  graph [label=%s];\n", quote(fmt.Sprintf("A: %d cases, B: %d cases. Red: a larger share of cases in B, blue: a smaller one; dashed: in one cohort only. %d paths of under %.0f%% of cases not drawn.",
			r.A.Cases, r.B.Cases, hidden, 100*MinDrawnShare)))
	}
	used := map[string]bool{}
	for _, p := range paths {
		used[p.From], used[p.To] = true, true
	}
	id := map[string]string{}
	for _, a := range r.Activities {
		if !used[a.Activity] && math.Max(a.ShareA, a.ShareB) < MinDrawnShare {
			continue
		}
		id[a.Activity] = fmt.Sprintf("a%d", len(id))
		fill, line := changeColour(a.ShareA, a.ShareB, 0.35)
		style := "rounded,filled"
		if a.CasesA == 0 || a.CasesB == 0 {
			style += ",dashed"
		}
		label := fmt.Sprintf("%s\n%s → %s", a.Activity, percent(a.ShareA), percent(a.ShareB))
		fmt.Fprintf(&b, "  %s [label=%s, fillcolor=%q, color=%q, style=%q];\n", id[a.Activity], quote(label), fill, line, style)
	}
	for _, p := range paths {
		from, ok1 := id[p.From]
		to, ok2 := id[p.To]
		if !ok1 || !ok2 {
			continue
		}
		_, colour := changeColour(p.ShareA, p.ShareB, 1)
		style := "solid"
		if p.CasesA == 0 || p.CasesB == 0 {
			style = "dashed"
		}
		share := math.Max(p.ShareA, p.ShareB)
		label := fmt.Sprintf("%s → %s", percent(p.ShareA), percent(p.ShareB))
		if p.MeanA != nil || p.MeanB != nil {
			label += "\n" + seconds2(p.MeanA) + " → " + seconds2(p.MeanB)
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s, color=%q, fontcolor=%q, style=%s, penwidth=%.2f, weight=%d];\n",
			from, to, quote(label), colour, colour, style, 0.8+4*share, 1+int(100*share))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// changeColour is a fill and a line colour for a change in share: red
// where B has more, blue where fewer, grey where about the same; alpha
// lightens the fill.
func changeColour(a, b, alpha float64) (fill, line string) {
	d := b - a
	t := math.Min(1, 0.35+math.Abs(d)/0.1) // a change of 10 points or more is the full colour
	if math.Abs(d) < 0.01 {
		return "#f2f2f2", "#8c8c8c"
	}
	var r, g, bl float64
	if d > 0 {
		r, g, bl = 178, 34, 34
	} else {
		r, g, bl = 33, 102, 172
	}
	mix := func(c, to, f float64) int { return int(math.Round(c + (to-c)*f)) }
	line = fmt.Sprintf("#%02x%02x%02x", mix(140, r, t), mix(140, g, t), mix(140, bl, t))
	f := t * alpha
	fill = fmt.Sprintf("#%02x%02x%02x", mix(255, r, f), mix(255, g, f), mix(255, bl, f))
	return fill, line
}

func percent(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

func seconds2(s *float64) string {
	if s == nil {
		return "–"
	}
	return processmap.Duration(*s)
}

// quote makes a DOT string of s.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

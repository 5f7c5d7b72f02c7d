package processmap

import (
	"html"
	"math"
	"slices"
	"strings"
)

// The colour scale of the performance view, from the fastest paths to the
// slowest: five colours of viridis (matplotlib's perceptually uniform map,
// made to read under every kind of colour blindness and in greyscale), at
// about 0.58, 0.45, 0.3, 0.15 and 0 along it. Its lighter, yellow end is
// left out: it fades into white. Lightness falls from green to purple,
// and the hue turns with it, which tells thin lines apart better than
// lightness alone (a blue-to-purple ramp was tried, and its middle colours
// looked alike on the running example). The lightest stands out from
// white at 3.2:1, above the 3:1 that lines and shapes need (WCAG 1.4.11);
// the darkest at 15:1.
const (
	colourFastest = "#20a386"
	colourFast    = "#25848e"
	colourMiddle  = "#355f8d"
	colourSlow    = "#472d7b"
	colourSlowest = "#440154"
)

// palette is the scale in order, fastest first.
var palette = [...]string{colourFastest, colourFast, colourMiddle, colourSlow, colourSlowest}

// colourUnscaled draws what the scale says nothing about in the
// performance view: the arrows from the start and to the end, and paths
// whose duration is not shown.
const colourUnscaled = "#a0a0a0"

// scale gives each duration shown on a map a colour of the palette. It is
// made from the figures the map shows, and only from them: the mean of
// each path as its label writes it (shown). Figures that disclosure
// control left out (nil) take no part, so the scale, and the legend that
// explains it, tell nothing that the labels do not.
type scale struct {
	// classes of shown figures, fastest first, each a run of the sorted
	// distinct figures with its colour.
	classes []class
}

// class is one colour of a scale: the fastest and slowest figure it
// covers, in seconds.
type class struct {
	lo, hi float64
	colour string
}

// newScale is the scale of a map's paths, or nil when they show fewer
// than two distinct durations: one figure, or none, needs no scale.
func newScale(edges []Edge) *scale {
	var xs []float64
	for _, e := range edges {
		if sec, ok := e.duration(); ok {
			xs = append(xs, shown(sec))
		}
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	if len(xs) < 2 {
		return nil
	}
	cuts := breaks(logScale(xs), min(len(palette), len(xs)))
	s := &scale{}
	from := 0
	for i, to := range cuts {
		// With fewer classes than colours, the colours spread over the
		// whole palette: the slowest class is always the darkest.
		c := palette[int(math.Round(float64(i*(len(palette)-1))/float64(len(cuts)-1)))]
		s.classes = append(s.classes, class{lo: xs[from], hi: xs[to-1], colour: c})
		from = to
	}
	return s
}

// duration is the figure the performance view shows of a path, its mean
// in seconds, when there is one: disclosure control may withhold it, and
// a figure that is not a number is none.
func (e Edge) duration() (float64, bool) {
	if e.Mean == nil || math.IsNaN(*e.Mean) || math.IsInf(*e.Mean, 0) {
		return 0, false
	}
	return *e.Mean, true
}

// colour is the colour of a path whose mean is sec.
func (s *scale) colour(sec float64) string {
	v := shown(sec)
	for _, c := range s.classes {
		if v <= c.hi {
			return c.colour
		}
	}
	return s.classes[len(s.classes)-1].colour
}

// legend is the scale as a Graphviz HTML-like label: a title, then a
// swatch per colour with the figures it covers, fastest first.
func (s *scale) legend(working bool) string {
	title := "Mean time between activities"
	if working {
		title = "Mean working time between activities"
	}
	var b strings.Builder
	// One row a line, indented: Graphviz ignores the white space between
	// the tags, and the DOT reads (and diffs) row by row.
	b.WriteString("<\n    <TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"3\" CELLPADDING=\"1\">\n")
	b.WriteString(`      <TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="11">` + title + `</FONT></TD></TR>` + "\n")
	for _, c := range s.classes {
		text := Duration(c.lo)
		if c.hi != c.lo {
			text += " – " + Duration(c.hi)
		}
		b.WriteString(`      <TR><TD BGCOLOR="` + c.colour + `" WIDTH="30" HEIGHT="12" FIXEDSIZE="TRUE"></TD>`)
		b.WriteString(`<TD ALIGN="LEFT"><FONT POINT-SIZE="10">` + html.EscapeString(text) + `</FONT></TD></TR>` + "\n")
	}
	b.WriteString(`      <TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#555555">darker is slower</FONT></TD></TR>` + "\n")
	b.WriteString("    </TABLE>\n  >")
	return b.String()
}

// logScale places sorted durations where their classes are drawn from:
// on a log scale, since durations on one map span seconds to weeks and
// what matters is by how many times one path is slower than another.
// Zero and negative durations (overlapping activities) sit one step below
// the fastest positive one; with fewer than two positive durations the
// scale stays linear.
func logScale(xs []float64) []float64 {
	i, _ := slices.BinarySearch(xs, math.SmallestNonzeroFloat64)
	if len(xs)-i < 2 {
		return xs
	}
	ys := make([]float64, len(xs))
	floor := math.Log(xs[i]) - 1
	for j, x := range xs {
		ys[j] = floor
		if x > 0 {
			ys[j] = math.Log(x)
		}
	}
	return ys
}

// breaks splits sorted values into k runs, each not empty, with the least
// sum of squared distances from each run's mean (Fisher's exact
// optimisation, Jenks's natural breaks): similar durations share a colour,
// and a wide gap between durations falls between colours. It returns the
// end (exclusive) of each run. A map has at most a few hundred paths, and
// this is O(k·n²).
func breaks(ys []float64, k int) []int {
	n := len(ys)
	// Prefix sums give the squared deviation of any run in O(1).
	sum, sq := make([]float64, n+1), make([]float64, n+1)
	for i, y := range ys {
		sum[i+1], sq[i+1] = sum[i]+y, sq[i]+y*y
	}
	cost := func(from, to int) float64 { // the run ys[from:to]
		s, m := sum[to]-sum[from], float64(to-from)
		return sq[to] - sq[from] - s*s/m
	}
	// best[c][j] is the least cost of ys[:j] in c+1 runs, and cut[c][j]
	// where its last run starts.
	best, cut := make([][]float64, k), make([][]int, k)
	for c := range k {
		best[c], cut[c] = make([]float64, n+1), make([]int, n+1)
		for j := range n + 1 {
			best[c][j] = math.Inf(1)
			if c == 0 && j > 0 {
				best[c][j] = cost(0, j)
			}
		}
		if c == 0 {
			continue
		}
		for j := c + 1; j <= n; j++ {
			for i := c; i < j; i++ {
				// Strictly less: among equal costs the earliest cut wins.
				if v := best[c-1][i] + cost(i, j); v < best[c][j] {
					best[c][j], cut[c][j] = v, i
				}
			}
		}
	}
	ends := make([]int, k)
	for c, j := k-1, n; c >= 0; c-- {
		ends[c] = j
		j = cut[c][j]
	}
	return ends
}

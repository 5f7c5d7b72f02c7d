package processmap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/procmine/procmine/internal/dot"
)

// The maps sent to Graphviz are bounded before the layout starts, in
// activities and in arrows (edges plus those from the start and to the
// end): dot's time grows much faster than the arrows, and with no order
// among the activities it is minutes long well under a thousand arrows
// (BenchmarkDenseMapLayout: 40 activities in random order take 0.07 s
// with 90 arrows, 4 s with 159, 54 s with 238; a real log of 32
// activities and 470 arrows took 73 s). A server also stops a layout at
// a deadline (dot.Workers); the bound is what keeps most maps of real
// logs under it.
const (
	MaxDrawnNodes = 500
	MaxDrawnEdges = 300
)

// FitEdges is how many arrows Fit lowers a map to: few enough that even
// activities in no order lay out well inside a server's deadline (4 s
// with 159 arrows, where 238 take 54 s and are always stopped). A map
// asked for whole may still have up to MaxDrawnEdges; a map cut down to
// be drawn is cut to this.
const FitEdges = 160

// TooLarge is the error of a map too large to draw, with its figures.
type TooLarge struct {
	Nodes, Edges int
	// Paths, when known, is the largest paths share (at most the one
	// asked for) whose map can be drawn.
	Paths *float64
}

func (e *TooLarge) Error() string {
	s := fmt.Sprintf("the map has %d activities and %d paths; at most %d activities and %d paths are drawn", e.Nodes, e.Edges, MaxDrawnNodes, MaxDrawnEdges)
	if e.Paths != nil {
		return s + fmt.Sprintf(": lower the paths share to %g or less, or take the map as JSON or DOT", *e.Paths)
	}
	return s + ": lower the paths or activities share, or take the map as JSON or DOT"
}

// Arrows counts the arrows a drawing of the map has: its edges and those
// from the start and to the end.
func (m *Map) Arrows() int { return len(m.Edges) + len(m.Start) + len(m.End) }

// fits says whether the map is small enough for Fit.
func fits(m *Map) bool {
	return len(m.Nodes) <= MaxDrawnNodes && m.Arrows() <= FitEdges
}

// drawable says whether the map is small enough to lay out.
func drawable(m *Map) bool {
	return len(m.Nodes) <= MaxDrawnNodes && m.Arrows() <= MaxDrawnEdges
}

// Fit is the map of the graph with o, or, when that has more than
// FitEdges arrows, with the largest paths share under o.Paths, in
// thousandths, whose map has at most that many (a binary search: about 10
// maps of the graph, 20 to 170 ms for 150 activities in random order, as
// a reviewer measured). It returns the share it used; when no paths share
// brings the map under FitEdges, it returns *TooLarge.
func (gr *Graph) Fit(o Options) (*Map, float64, error) {
	m, err := gr.Map(o)
	if err != nil || fits(m) {
		return m, o.Paths, err
	}
	at := func(k int) (*Map, error) {
		p := o
		p.Paths = float64(k) / 1000
		return gr.Map(p)
	}
	best, err := at(0)
	if err != nil {
		return nil, 0, err
	}
	if !fits(best) {
		return nil, 0, &TooLarge{Nodes: len(m.Nodes), Edges: m.Arrows()}
	}
	// best is drawn at lo; the map at hi is not.
	lo, hi := 0, int(math.Ceil(o.Paths*1000))
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		c, err := at(mid)
		if err != nil {
			return nil, 0, err
		}
		if fits(c) {
			lo, best = mid, c
		} else {
			hi = mid
		}
	}
	return best, float64(lo) / 1000, nil
}

// Suggest fills in the paths share to ask for instead (Fit) when err is
// a *TooLarge for the map of the graph with o; it returns err.
func (gr *Graph) Suggest(o Options, err error) error {
	var tl *TooLarge
	if errors.As(err, &tl) && tl.Paths == nil {
		if _, p, ferr := gr.Fit(o); ferr == nil {
			tl.Paths = &p
		}
	}
	return err
}

// WriteSVG lays the map out with Graphviz (dot) and writes SVG. A map
// too large to draw is refused before its layout starts (*TooLarge).
func WriteSVG(ctx context.Context, w io.Writer, m *Map) error {
	if !drawable(m) {
		return &TooLarge{Nodes: len(m.Nodes), Edges: m.Arrows()}
	}
	var src bytes.Buffer
	if err := WriteDOT(&src, m); err != nil {
		return err
	}
	return dot.Render(ctx, src.Bytes(), dot.SVG, w)
}

package processmap

import (
	"math"

	"github.com/procmine/procmine/internal/eventlog"
)

// A map reads well, as a first view, with at most ReadableNodes
// activities and about ReadableArrowsPerNode arrows for each, or
// ReadableArrows on a small map: more, and the arrows cross so often that
// no path can be followed (receipt's 27 activities with all their 114
// arrows, BPIC 2012's 24 with 137).
const (
	ReadableNodes         = 20
	ReadableArrowsPerNode = 2
	ReadableArrows        = 24
)

// Readable is what a first view shows when nobody chose the sliders: the
// shares chosen and what they keep of the whole.
type Readable struct {
	// Options are the chosen shares, in hundredths (a slider's step),
	// with the given view.
	Options Options
	// Nodes of AllNodes activities and Arrows of AllArrows arrows (edges
	// and those from the start and to the end) are drawn.
	Nodes, AllNodes   int
	Arrows, AllArrows int
}

// ReadableOptions chooses the activities and paths shares of a first
// view: the largest activities share (in hundredths) that keeps at most
// ReadableNodes activities, then the largest paths share that keeps at
// most ReadableArrowsPerNode arrows an activity, or ReadableArrows (never fewer than it takes
// to connect every activity: keepPaths). minCases is NewGraphOf's: a
// reader's choice counts only the activities and paths the reader may be
// shown. It builds about 15 maps of one or two graphs: a few
// milliseconds on BPIC 2012.
func ReadableOptions(l *eventlog.Log, view View, minCases int) (Readable, error) {
	o := Options{View: view, Activities: 1, Paths: 1}
	if err := o.Validate(); err != nil {
		return Readable{}, err
	}
	gr := NewGraphOf(l, 1, minCases)
	whole, err := gr.Map(o)
	if err != nil {
		return Readable{}, err
	}
	r := Readable{AllNodes: len(whole.Nodes), AllArrows: whole.Arrows()}
	if n := len(whole.Nodes); n > ReadableNodes {
		// keepActivities keeps ceil(share × n) activities.
		k := int(math.Floor(100 * ReadableNodes / float64(n)))
		for k > 1 && int(math.Ceil(float64(k)/100*float64(n))) > ReadableNodes {
			k--
		}
		o.Activities = float64(max(k, 1)) / 100
		gr = NewGraphOf(l, o.Activities, minCases)
	}
	m, err := gr.Map(o)
	if err != nil {
		return Readable{}, err
	}
	limit := max(ReadableArrows, ReadableArrowsPerNode*len(m.Nodes))
	if m.Arrows() > limit {
		// The largest share in hundredths whose map keeps at most limit
		// arrows; the share 0 keeps only what connects the activities.
		lo, hi := 0, 100
		best, err := gr.Map(Options{View: view, Activities: o.Activities, Paths: 0})
		if err != nil {
			return Readable{}, err
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			c, err := gr.Map(Options{View: view, Activities: o.Activities, Paths: float64(mid) / 100})
			if err != nil {
				return Readable{}, err
			}
			if c.Arrows() <= limit {
				lo, best = mid, c
			} else {
				hi = mid
			}
		}
		o.Paths, m = float64(lo)/100, best
	}
	r.Options, r.Nodes, r.Arrows = o, len(m.Nodes), m.Arrows()
	return r, nil
}

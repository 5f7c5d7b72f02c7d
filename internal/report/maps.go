package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/processmap"
)

// DrawableMap builds the map for a page: when it cannot be drawn whole, it
// keeps the most frequent paths (processmap.Fit), and when not even those
// can be drawn, fewer activities, and says so. A map that no share of
// either makes drawable stays as it is: drawing it is refused, and the
// page says why.
//
// A reader's note (g not nil) says what was left out but not how much of
// the whole there was: the whole map's size is counted on every case. For
// a reader the map is passed through the guard of the activities share it
// drew, which may be lower than the one asked for.
func DrawableMap(l *eventlog.Log, o processmap.Options, g *disclosure.Guard, w *disclosure.Withheld) (*processmap.Map, string, error) {
	if err := o.Validate(); err != nil {
		return nil, "", err
	}
	minCases := 0
	if g != nil {
		minCases = g.K()
	}
	gr := processmap.NewGraphWith(l, o.Activities, minCases, o.Clock)
	m, err := gr.Map(o)
	if err != nil {
		return nil, "", err
	}
	all, arrows, asked := len(m.Nodes), m.Arrows(), o.Paths
	for {
		fit, share, err := gr.Fit(o)
		var tl *processmap.TooLarge
		if errors.As(err, &tl) && o.Activities > 0.001 {
			// Not even the most frequent paths of these activities can be
			// drawn: fewer activities, about as many as arrows fit.
			o.Activities *= min(0.8, 0.8*float64(processmap.FitEdges)/float64(len(m.Nodes)))
			gr = processmap.NewGraphWith(l, o.Activities, minCases, o.Clock)
			if m, err = gr.Map(o); err != nil {
				return nil, "", err
			}
			continue
		}
		if err == nil {
			m, o.Paths = fit, share
		}
		break
	}
	var notes []string
	if len(m.Nodes) < all {
		notes = append(notes, fmt.Sprintf("The map draws the %d most frequent of %d activities.", len(m.Nodes), all))
		if g != nil {
			notes[0] = "The map draws only the most frequent activities."
		}
	}
	if o.Paths < asked {
		more := fmt.Sprintf("The map draws %d of its %d paths (the paths slider lowered to %.1f%%): more would take too long to lay out.", m.Arrows(), arrows, o.Paths*100)
		if g != nil {
			more = "The map draws only the most frequent paths: more would take too long to lay out."
		}
		notes = append(notes, more)
	}
	GuardMap(m, g.ForShare(o.Activities), w)
	return m, strings.Join(notes, " "), nil
}

// Drawing is a page's drawing, or the note shown instead.
type Drawing struct {
	SVG  template.HTML
	Note string
	// Stopped tells that the layout was stopped at its deadline: a page
	// that keeps its parts must not keep this note, which another time
	// may not give.
	Stopped bool
}

// MapSVG draws a map for a page. A drawing that cannot be made (too
// large, or stopped at its deadline) gives a note to show instead; with
// every layout worker busy the page fails with 503 (see LayoutNote).
func MapSVG(r *http.Request, m *processmap.Map) (Drawing, error) {
	var svg bytes.Buffer
	if err := processmap.WriteSVG(r.Context(), &svg, m); err != nil {
		if note := LayoutNote(err); note != "" {
			return Drawing{Note: note, Stopped: Stopped(err)}, nil
		}
		return Drawing{}, LayoutError(err)
	}
	return Drawing{SVG: template.HTML(svg.String())}, nil // Graphviz escapes the labels it writes
}

// BPMNSVG draws a model for a page. A drawing that cannot be made (too
// large, too slow) gives a note to show instead; with every layout worker
// busy, or the request gone, the page fails (it keeps its notes).
func BPMNSVG(r *http.Request, m *bpmn.Model, marks map[string]bpmn.Mark) (Drawing, error) {
	var b bytes.Buffer
	if err := bpmn.WriteSVG(r.Context(), &b, m, marks); err != nil {
		if note := LayoutNote(err); note != "" {
			return Drawing{Note: note, Stopped: Stopped(err)}, nil
		}
		var we *dot.WorkerError
		if errors.Is(err, dot.ErrBusy) || errors.As(err, &we) || r.Context().Err() != nil {
			return Drawing{}, LayoutError(err) // not the model's doing: not a note to keep
		}
		return Drawing{Note: err.Error()}, nil // a model the layout refuses
	}
	return Drawing{SVG: template.HTML(b.String())}, nil // WriteSVG escapes every text it writes
}

// MapOptions reads a map's view and its activities and paths sliders
// from the query.
func MapOptions(q url.Values) (processmap.Options, error) {
	o := processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}
	if v := q.Get("view"); v != "" {
		o.View = processmap.View(v)
	}
	for name, dst := range map[string]*float64{"activities": &o.Activities, "paths": &o.Paths} {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return o, response.Invalid("%s must be a share from 0 to 1", name)
			}
			*dst = f
		}
	}
	if err := o.Validate(); err != nil {
		return o, response.Invalid("%v", err)
	}
	return o, nil
}

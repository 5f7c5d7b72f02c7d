package api

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/taskmining"
)

// taskMiningResult is what the API and the studio show of recordings.
type taskMiningResult struct {
	Usage         taskmining.Usage  `json:"usage"`
	Map           *processmap.Map   `json:"map"`
	Variants      []*mining.Variant `json:"variants"`
	TotalVariants int               `json:"total_variants"`
}

// taskMiningInput loads the process's published recordings: step names,
// applications, actions and times only.
func (s *Server) taskMiningInput(r *http.Request, process access.ID) ([]taskmining.Recording, error) {
	ids, steps, err := s.cfg.Store.ProcessSteps(r.Context(), environment(r), process)
	if err != nil {
		return nil, err
	}
	in := make([]taskmining.Recording, len(ids))
	for i, id := range ids {
		tr := taskmining.Recording{ID: int64(id)}
		for _, st := range steps[i] {
			tr.Steps = append(tr.Steps, recording.Step{Name: st.Name, Action: st.Action, Application: st.Application, StartedAt: st.StartedAt, EndedAt: st.EndedAt})
		}
		in[i] = tr
	}
	return in, nil
}

func computeTaskMining(in []taskmining.Recording, o processmap.Options) (*taskMiningResult, error) {
	l := taskmining.Log(in)
	m, err := processmap.Build(l, o)
	if err != nil {
		return nil, invalid("%v", err)
	}
	vs := mining.Variants(l)
	total := len(vs)
	if len(vs) > 20 {
		vs = vs[:20]
	}
	return &taskMiningResult{Usage: taskmining.Analyse(in), Map: m, Variants: vs, TotalVariants: total}, nil
}

// maxDrawn is the most activities a page draws at once.
const maxDrawn = 300

// drawableMap builds the map for a page; when it has more activities than
// a page draws, it keeps the most frequent, and when it has more paths
// than can be laid out, the most frequent of those, and says so.
func drawableMap(l *eventlog.Log, o processmap.Options) (*processmap.Map, string, error) {
	if err := o.Validate(); err != nil {
		return nil, "", err
	}
	gr := processmap.NewGraph(l, o.Activities)
	m, err := gr.Map(o)
	if err != nil {
		return nil, "", err
	}
	var note string
	if all := len(m.Nodes); all > maxDrawn {
		for len(m.Nodes) > maxDrawn && o.Activities > 0.001 {
			o.Activities *= 0.8 * float64(maxDrawn) / float64(len(m.Nodes))
			gr = processmap.NewGraph(l, o.Activities)
			if m, err = gr.Map(o); err != nil {
				return nil, "", err
			}
		}
		note = fmt.Sprintf("The map draws the %d most frequent of %d activities.", len(m.Nodes), all)
	}
	// A map no paths share makes drawable stays as it is: drawing it
	// is refused, and the page says why.
	if fit, share, err := gr.Fit(o); err == nil && share < o.Paths {
		note = strings.TrimSpace(note + fmt.Sprintf(" The map draws %d of its %d paths (the paths slider lowered to %.1f%%): more would take too long to lay out.", fit.Arrows(), m.Arrows(), share*100))
		m = fit
	}
	return m, note, nil
}

// mapSVG draws a map for a page. A drawing that cannot be made (too
// large, or stopped at its deadline) gives a note to show instead; with
// every layout worker busy the page fails with 503 (see layoutNote).
func mapSVG(r *http.Request, m *processmap.Map) (template.HTML, string, error) {
	var svg bytes.Buffer
	if err := processmap.WriteSVG(r.Context(), &svg, m); err != nil {
		if note := layoutNote(err); note != "" {
			return "", note, nil
		}
		return "", "", layoutError(err)
	}
	return template.HTML(svg.String()), "", nil // Graphviz escapes the labels it writes
}

// taskMining serves the process's recordings as process mining sees them:
// map, variants, time per step, application usage. These are aggregates
// of step names, applications and times — a report, for everyone who may
// read the process's reports — and hold no input data.
func (s *Server) taskMining(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.reportProcessFor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	o, err := mapOptions(r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	in, err := s.taskMiningInput(r, id)
	if err == nil && len(in) == 0 {
		err = errorf(http.StatusConflict, "no_recordings", "the process has no recordings yet")
	}
	var res *taskMiningResult
	if err == nil {
		res, err = computeTaskMining(in, o)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

package api

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/taskmining"
)

// taskMiningResult is what the API and the studio show of recordings.
type taskMiningResult struct {
	Usage         taskmining.Usage     `json:"usage"`
	Map           *processmap.Map      `json:"map"`
	Variants      []*mining.Variant    `json:"variants"`
	TotalVariants int                  `json:"total_variants"`
	Disclosure    *disclosure.Withheld `json:"disclosure,omitempty"`
	// MapNote says when the map was cut down to be drawn.
	MapNote string `json:"-"`
}

// taskMiningFor computes the task mining of a process's published
// recordings for the caller (rd: a reader's disclosure control, nil for
// those who may read the raw data) in one of the server's mining slots:
// reading and opening every step of a process is the costly part.
//
// Only step names, applications, actions and times are read. A reader's
// input leaves out the reader's own recordings: they read those in full
// anyway, and counting them would let a contributor make up the k of a
// group with recordings of their own around one of someone else's. A
// reader for whom fewer than k other people recorded is refused before
// any step is read.
//
// With no recordings at all it answers 409 no_recordings.
func (s *Server) taskMiningFor(r *http.Request, process access.ID, rd *reader, o processmap.Options, drawable bool) (*taskMiningResult, error) {
	recs, err := s.cfg.Store.Recordings(r.Context(), request.Environment(r), process)
	if err != nil {
		return nil, err
	}
	recorder := map[access.ID]access.ID{}
	people := map[access.ID]bool{} // recorders of published recordings, the reader left out
	for _, rec := range recs {
		recorder[rec.ID] = rec.Recorder
		if rec.State == store.StatePublished && (rd == nil || rec.Recorder != request.Caller(r).ID) {
			people[rec.Recorder] = true
		}
	}
	switch {
	case len(recs) == 0:
		return nil, response.Errorf(http.StatusConflict, "no_recordings", "the process has no recordings yet")
	case rd != nil && len(people) < rd.k:
		return nil, rd.refusal(&disclosure.TooFewError{K: rd.k})
	}
	var res *taskMiningResult
	err = s.mine(r.Context(), func() error {
		ids, steps, err := s.cfg.Store.ProcessSteps(r.Context(), request.Environment(r), process)
		if err != nil {
			return err
		}
		in := make([]taskmining.Recording, 0, len(ids))
		for i, id := range ids {
			if rd != nil && recorder[id] == request.Caller(r).ID {
				continue
			}
			tr := taskmining.Recording{ID: int64(id), Recorder: int64(recorder[id])}
			for _, st := range steps[i] {
				tr.Steps = append(tr.Steps, recording.Step{Name: st.Name, Action: st.Action, Application: st.Application, StartedAt: st.StartedAt, EndedAt: st.EndedAt})
			}
			in = append(in, tr)
		}
		if len(in) == 0 {
			return response.Errorf(http.StatusConflict, "no_recordings", "the process has no recordings yet")
		}
		res, err = computeTaskMining(in, o, rd, drawable)
		return err
	})
	return res, err
}

// computeTaskMining computes the figures of recordings; for a reader
// (rd not nil) through disclosure control, where a recording counts as a
// case. drawable cuts the map down to what a page draws.
func computeTaskMining(in []taskmining.Recording, o processmap.Options, rd *reader, drawable bool) (*taskMiningResult, error) {
	l := taskmining.Log(in)
	g, withheld, err := rd.guard(l)
	if err != nil {
		return nil, err
	}
	if g != nil {
		// A group is shown when k people recorded it, not k recordings.
		byID := map[string]int64{}
		for _, rec := range in {
			byID[strconv.FormatInt(rec.ID, 10)] = rec.Recorder
		}
		person := make([]int64, l.NumCases())
		for c, id := range l.CaseIDs {
			person[c] = byID[id]
		}
		if err := g.CountPeople(l, person); err != nil {
			return nil, rd.refusal(err)
		}
	}
	res := &taskMiningResult{Usage: taskmining.Analyse(in)}
	if drawable {
		res.Map, res.MapNote, err = drawableMap(l, o, g, withheld)
	} else if res.Map, err = processmap.NewGraphOf(l, o.Activities, rd.minCases()).Map(o); err == nil {
		guardMap(res.Map, g.ForShare(o.Activities), withheld)
	}
	if err != nil {
		return nil, response.Invalid("%v", err)
	}
	res.Variants, res.TotalVariants = variantsFor(l, g, withheld)
	if len(res.Variants) > 20 {
		res.Variants = res.Variants[:20]
	}
	if g != nil {
		g.Usage(&res.Usage, withheld)
		res.Disclosure = g.Done(withheld)
	}
	return res, nil
}

// drawableMap builds the map for a page: when it cannot be drawn whole, it
// keeps the most frequent paths (processmap.Fit), and when not even those
// can be drawn, fewer activities, and says so. A map that no share of
// either makes drawable stays as it is: drawing it is refused, and the
// page says why.
//
// A reader's note (g not nil) says what was left out but not how much of
// the whole there was: the whole map's size is counted on every case. For
// a reader the map is passed through the guard of the activities share it
// drew, which may be lower than the one asked for.
func drawableMap(l *eventlog.Log, o processmap.Options, g *disclosure.Guard, w *disclosure.Withheld) (*processmap.Map, string, error) {
	if err := o.Validate(); err != nil {
		return nil, "", err
	}
	minCases := 0
	if g != nil {
		minCases = g.K()
	}
	gr := processmap.NewGraphOf(l, o.Activities, minCases)
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
			gr = processmap.NewGraphOf(l, o.Activities, minCases)
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
	guardMap(m, g.ForShare(o.Activities), w)
	return m, strings.Join(notes, " "), nil
}

// drawing is a page's drawing, or the note shown instead.
type drawing struct {
	SVG  template.HTML
	Note string
	// Stopped tells that the layout was stopped at its deadline: a page
	// that keeps its parts must not keep this note, which another time
	// may not give.
	Stopped bool
}

// mapSVG draws a map for a page. A drawing that cannot be made (too
// large, or stopped at its deadline) gives a note to show instead; with
// every layout worker busy the page fails with 503 (see layoutNote).
func mapSVG(r *http.Request, m *processmap.Map) (drawing, error) {
	var svg bytes.Buffer
	if err := processmap.WriteSVG(r.Context(), &svg, m); err != nil {
		if note := layoutNote(err); note != "" {
			return drawing{Note: note, Stopped: stopped(err)}, nil
		}
		return drawing{}, layoutError(err)
	}
	return drawing{SVG: template.HTML(svg.String())}, nil // Graphviz escapes the labels it writes
}

// taskMining serves the process's recordings as process mining sees them:
// map, variants, time per step, application usage. These are aggregates
// of step names, applications and times — a report, for everyone who may
// read the process's reports — and hold no input data.
func (s *Server) taskMining(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.ReportProcess(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	rd, err := s.recordingsReader(r, rec)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	o, err := mapOptions(r.URL.Query())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	res, err := s.taskMiningFor(r, id, rd, o, false)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, res)
}

// recordingsReader is disclosure control for task mining: nil for those
// who may read the process's raw data, else the environment's reader
// rules (task mining has no filters to coarsen).
func (s *Server) recordingsReader(r *http.Request, rec *access.Record) (*reader, error) {
	if authz.MayReadData(r, rec) {
		return nil, nil
	}
	rd, _, err := s.readerFor(r, "recordings", "task mining", nil)
	return rd, err
}

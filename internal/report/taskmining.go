package report

import (
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/taskmining"
)

// TaskMiningResult is what the API and the studio show of recordings.
type TaskMiningResult struct {
	Usage         taskmining.Usage     `json:"usage"`
	Map           *processmap.Map      `json:"map"`
	Variants      []*mining.Variant    `json:"variants"`
	TotalVariants int                  `json:"total_variants"`
	Disclosure    *disclosure.Withheld `json:"disclosure,omitempty"`
	// MapNote says when the map was cut down to be drawn.
	MapNote string `json:"-"`
}

// TaskMining computes the task mining of a process's published
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
func (e *Engine) TaskMining(r *http.Request, process access.ID, rd *Reader, o processmap.Options, drawable bool) (*TaskMiningResult, error) {
	recs, err := e.store.Recordings(r.Context(), request.Environment(r), process)
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
	case rd != nil && len(people) < rd.K:
		return nil, rd.Refusal(&disclosure.TooFewError{K: rd.K})
	}
	var res *TaskMiningResult
	err = e.Mine(r.Context(), func() error {
		ids, steps, err := e.store.ProcessSteps(r.Context(), request.Environment(r), process)
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
func computeTaskMining(in []taskmining.Recording, o processmap.Options, rd *Reader, drawable bool) (*TaskMiningResult, error) {
	l := taskmining.Log(in)
	g, withheld, err := rd.Guard(l)
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
			return nil, rd.Refusal(err)
		}
	}
	res := &TaskMiningResult{Usage: taskmining.Analyse(in)}
	if drawable {
		res.Map, res.MapNote, err = DrawableMap(l, o, g, withheld)
	} else if res.Map, err = processmap.NewGraphOf(l, o.Activities, rd.MinCases()).Map(o); err == nil {
		GuardMap(res.Map, g.ForShare(o.Activities), withheld)
	}
	if err != nil {
		return nil, response.Invalid("%v", err)
	}
	res.Variants, res.TotalVariants = Variants(l, g, withheld)
	if len(res.Variants) > 20 {
		res.Variants = res.Variants[:20]
	}
	if g != nil {
		g.Usage(&res.Usage, withheld)
		res.Disclosure = g.Done(withheld)
	}
	return res, nil
}

// RecordingsReader is disclosure control for task mining: nil for those
// who may read the process's raw data, else the environment's reader
// rules (task mining has no filters to coarsen).
func (e *Engine) RecordingsReader(r *http.Request, rec *access.Record) (*Reader, error) {
	if authz.MayReadData(r, rec) {
		return nil, nil
	}
	rd, _, err := e.readerFor(r, "recordings", "task mining", nil, nil)
	return rd, err
}

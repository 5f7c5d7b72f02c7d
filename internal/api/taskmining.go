package api

import (
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/taskmining"
)

// taskMining serves the process's recordings as process mining sees them:
// map, variants, time per step, application usage. These are aggregates
// of step names, applications and times — a report, for everyone who may
// read the process's reports — and hold no input data.
func (s *Server) taskMining(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.processFor(r, access.Read)
	if err == nil {
		err = authorizeRecords(r, rec, access.ReportView, access.Read)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	o := processmap.Options{View: processmap.View(orDefault(q.Get("view"), "frequency")), Activities: 1, Paths: 1}
	for name, dst := range map[string]*float64{"activities": &o.Activities, "paths": &o.Paths} {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				writeError(w, r, invalid("%s must be a share from 0 to 1", name))
				return
			}
			*dst = f
		}
	}
	if err := o.Validate(); err != nil {
		writeError(w, r, invalid("%v", err))
		return
	}
	recs, err := s.cfg.Store.Recordings(r.Context(), environment(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in []taskmining.Recording
	for _, rc := range recs {
		steps, err := s.cfg.Store.Steps(r.Context(), rc.ID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		tr := taskmining.Recording{ID: int64(rc.ID)}
		for _, st := range steps {
			tr.Steps = append(tr.Steps, recording.Step{Name: st.Name, Action: st.Action, Application: st.Application, StartedAt: st.StartedAt, EndedAt: st.EndedAt})
		}
		if len(tr.Steps) > 0 {
			in = append(in, tr)
		}
	}
	if len(in) == 0 {
		writeError(w, r, errorf(http.StatusConflict, "no_recordings", "the process has no recordings yet"))
		return
	}
	l := taskmining.Log(in)
	m, err := processmap.Build(l, o)
	if err != nil {
		writeError(w, r, invalid("%v", err))
		return
	}
	vs := mining.Variants(l)
	total := len(vs)
	if len(vs) > 20 {
		vs = vs[:20]
	}
	writeJSON(w, http.StatusOK, map[string]any{"usage": taskmining.Analyse(in), "map": m, "variants": vs, "total_variants": total})
}

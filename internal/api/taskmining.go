package api

import (
	"net/http"

	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/report"
)

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
	rd, err := s.reports.RecordingsReader(r, rec)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	o, err := report.MapOptions(r.URL.Query())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	res, err := s.reports.TaskMining(r, id, rd, o, false)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, res)
}

package api

import (
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/rootcause"
)

// compareCohorts compares two views of the process: the request's filters
// and those of a (and of b), each a query string of filter parameters. A
// report reader receives it through disclosure control.
func (s *Server) compareCohorts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, b := q.Get("a"), q.Get("b")
	if a == "" && b == "" {
		response.WriteError(w, r, response.Invalid("give the cohorts' filters as a and b, each a query string of filter parameters (a=from%%3D2024-01-01), one of them at least"))
		return
	}
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		out, err := s.reports.Compare(r, src, a, b)
		if err != nil {
			return report.Kept{}, err
		}
		return keptJSON(out)
	})
}

// rootCause ranks what goes with an outcome of the view's cases. A report
// reader gets it through disclosure control, over activities only.
func (s *Server) rootCause(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o, err := rootcause.ParseOutcome(q.Get("outcome"))
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	opt := rootcause.Options{Depth: 3, Factors: 20}
	for name, dst := range map[string]*int{"depth": &opt.Depth, "factors": &opt.Factors} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "depth" && n > 5) || n > 200 {
				response.WriteError(w, r, response.Invalid("%s must be a whole number (depth 1 to 5, factors 1 to 200)", name))
				return
			}
			*dst = n
		}
	}
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		out, err := s.reports.RootCause(src, o, opt)
		if err != nil {
			return report.Kept{}, err
		}
		return keptJSON(out)
	})
}

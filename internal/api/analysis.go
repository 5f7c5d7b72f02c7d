package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/compare"
	"github.com/procmine/procmine/internal/disclosure"
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
		la, ga, withheld, err := s.reports.Cohort(r, src, a, "a")
		if err != nil {
			return report.Kept{}, err
		}
		lb, gb, _, err := s.reports.Cohort(r, src, b, "b")
		if err != nil {
			return report.Kept{}, err
		}
		k := 1
		if ga != nil {
			k = ga.K()
		}
		res, err := compare.Compare(r.Context(), la, lb, compare.Options{MinCases: k})
		var few *compare.ErrTooFew
		if errors.As(err, &few) {
			return report.Kept{}, response.Errorf(http.StatusUnprocessableEntity, "too_few_cases", few.Error())
		}
		if err != nil {
			return report.Kept{}, err
		}
		out := struct {
			*compare.Result
			Disclosure *disclosure.Withheld `json:"disclosure,omitempty"`
		}{Result: res}
		if ga != nil {
			disclosure.Comparison(ga, gb, res, withheld)
			out.Disclosure = ga.Done(withheld)
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
		l, g, withheld, err := src.Guarded()
		if err != nil {
			return report.Kept{}, err
		}
		run := opt
		if g != nil {
			run.MinCases, run.ActivitiesOnly, run.Factors = g.K(), true, rootcause.MaxFactors
		}
		res, err := rootcause.Analyze(r.Context(), l, o, run)
		var few *rootcause.TooFewError
		switch {
		case g != nil && (errors.As(err, &few) || errors.Is(err, rootcause.ErrNoActivity)):
			// A reader learns neither the counts nor whether a rare
			// activity exists.
			return report.Kept{}, src.Reader.Refusal(&disclosure.TooFewError{K: g.K()})
		case errors.As(err, &few):
			return report.Kept{}, response.Errorf(http.StatusUnprocessableEntity, "too_few_cases", few.Error())
		case errors.Is(err, rootcause.ErrNoActivity):
			return report.Kept{}, response.Invalid("outcome: %v", err)
		case err != nil:
			return report.Kept{}, response.Invalid("%v", err)
		}
		out := struct {
			*rootcause.Result
			Disclosure *disclosure.Withheld `json:"disclosure,omitempty"`
		}{Result: res}
		if g != nil {
			if err := g.RootCause(res, opt.Factors, withheld); err != nil {
				return report.Kept{}, src.Reader.Refusal(err)
			}
			out.Disclosure = g.Done(withheld)
		}
		return keptJSON(out)
	})
}

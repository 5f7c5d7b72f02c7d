package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// maxModelFile bounds an uploaded reference model.
const maxModelFile = 16 << 20

// processModel serves the model mined from the process's data (with the
// view and filters of the query) as JSON (its tree and size), BPMN, PNML
// or SVG. It is a report: whoever may read the process's reports may
// read it.
func (s *Server) processModel(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mn, err := report.MinerFrom(q)
	if err == nil && !oneOf(orDefault(q.Get("format"), "json"), "json", "bpmn", "pnml", "svg") {
		err = response.Invalid("format must be json, bpmn, pnml or svg")
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		l, err := src.Log()
		if err != nil {
			return report.Kept{}, err
		}
		l, _, err = report.ModelView(l, src.Reader)
		if err != nil {
			return report.Kept{}, err
		}
		mn := mn
		if src.Reader != nil {
			mn = report.ReaderMiner(mn)
		}
		var d report.Discovered
		if err := s.reports.Mine(r.Context(), func() (err error) { d, err = mn.Discover(l); return err }); err != nil {
			return report.Kept{}, err
		}
		var b bytes.Buffer
		switch q.Get("format") {
		case "bpmn":
			if err := bpmn.Write(r.Context(), &b, d.Model); err != nil {
				return report.Kept{}, report.LayoutError(err)
			}
			return report.Kept{ContentType: "application/xml", Body: b.Bytes()}, nil
		case "pnml":
			if err := petrinet.WritePNML(&b, d.Net); err != nil {
				return report.Kept{}, err
			}
			return report.Kept{ContentType: "application/xml", Body: b.Bytes()}, nil
		case "svg":
			if err := bpmn.WriteSVG(r.Context(), &b, d.Model, nil); err != nil {
				return report.Kept{}, report.LayoutError(err)
			}
			return report.Kept{ContentType: "image/svg+xml", Body: b.Bytes()}, nil
		}
		out := map[string]any{"algorithm": mn.Algorithm, "nodes": len(d.Model.Nodes), "flows": len(d.Model.Flows),
			"places": len(d.Net.Places), "transitions": len(d.Net.Transitions)}
		if d.Tree != nil {
			out["tree"], out["noise"] = d.Tree.String(), mn.Noise
		}
		return keptJSON(out)
	})
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// conformanceReport replays the process's data on a model and serves how
// well it fits (JSON: log fitness, average trace fitness, share of
// fitting traces, deviations per activity) or the model drawn with its
// deviations marked (SVG). The model is mined from the data
// (model=discovered, with the miner of the query) or the process's
// reference model (model=reference).
func (s *Server) conformanceReport(w http.ResponseWriter, r *http.Request) {
	c, err := readConformance(r.URL.Query())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	a, _, err := s.conformanceAnswer(r, c, nil)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	writeKept(w, a)
}

// conformancePattern is the conformance report's route, which names its
// kept answers: an alignments job asks it as a GET would.
const conformancePattern = "GET /api/v1/environments/{env}/processes/{id}/conformance"

// conformanceAsk is a conformance report's query, read and checked.
type conformanceAsk struct {
	which, format, method string
	mn                    report.Miner
	budget                int
}

// readConformance reads the conformance report's query: the model, the
// method, the format and the alignments' budget (the filters are the
// report source's).
func readConformance(q url.Values) (conformanceAsk, error) {
	c := conformanceAsk{which: orDefault(q.Get("model"), "discovered"), format: orDefault(q.Get("format"), "json"),
		method: orDefault(q.Get("method"), "token-replay"), budget: report.AlignBudget}
	var err error
	switch {
	case c.which != "discovered" && c.which != "reference":
		return c, response.Invalid("model must be discovered or reference")
	case c.format != "json" && c.format != "svg":
		return c, response.Invalid("format must be json or svg")
	case c.which == "discovered":
		if c.mn, err = report.MinerFrom(q); err != nil {
			return c, err
		}
	}
	if c.method != "token-replay" && c.method != "alignments" {
		err = response.Invalid("method must be token-replay or alignments")
	} else if c.method == "alignments" && c.format != "json" {
		err = response.Invalid("alignments answer in JSON: the drawing shows token replay's deviations")
	} else if v := q.Get("budget"); v != "" {
		if c.budget, err = strconv.Atoi(v); err != nil || c.budget < 1 || c.budget > report.AlignBudgetMax {
			err = response.Invalid("budget must be a whole number of states from 1 to %d", report.AlignBudgetMax)
		}
	}
	return c, err
}

// conformanceAnswer is the conformance report the request asks, as the
// caller may receive it, computed or kept. progress, when not nil, is
// told how far alignments are (a job's).
func (s *Server) conformanceAnswer(r *http.Request, c conformanceAsk, progress func(done, total int)) (report.Kept, *report.Source, error) {
	var ref *store.ReferenceModel
	extra := ""
	if c.which == "reference" {
		// The caller's right to the reports is checked (again) by
		// keptAnswer; the model is read only for one who has it.
		id, _, err := s.authz.ReportProcess(r)
		if err != nil {
			return report.Kept{}, nil, err
		}
		m, err := s.cfg.Store.GetReferenceModel(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			err = response.Errorf(http.StatusConflict, "no_reference_model", "the process has no reference model: upload a BPMN or PNML file first")
		}
		if err != nil {
			return report.Kept{}, nil, err
		}
		ref = &m
		extra = strconv.FormatInt(m.Updated.UnixNano(), 10) + "/" + strconv.Itoa(m.Size)
	}
	return s.keptAnswer(r, extra, func(src *report.Source, _ bool) (report.Kept, error) {
		mn := c.mn
		if src.Reader != nil {
			mn = report.ReaderMiner(mn)
		}
		l, err := src.Log()
		if err != nil {
			return report.Kept{}, err
		}
		l, g, err := report.ModelView(l, src.Reader.Asking(report.ReplayQuestion(mn, ref)))
		if err != nil {
			return report.Kept{}, err
		}
		if c.method == "alignments" {
			return s.alignView(r, l, g, mn, ref, c.which, c.budget, progress)
		}
		var model *bpmn.Model
		var res *conformance.Result
		err = s.reports.Mine(r.Context(), func() error {
			var net *petrinet.Net
			var err error
			if model, net, err = mn.ModelFor(l, ref); err != nil {
				return err
			}
			if c.format == "svg" && model == nil {
				return response.Errorf(http.StatusConflict, "no_drawing", "the reference model is a Petri net: only BPMN models are drawn")
			}
			if res, err = conformance.Replay(r.Context(), l, net); err != nil {
				return report.ReplayError(err)
			}
			return nil
		})
		if err != nil {
			return report.Kept{}, err
		}
		report.GuardReplay(res, g)
		if c.format == "svg" {
			var b bytes.Buffer
			if err := bpmn.WriteSVG(r.Context(), &b, model, report.Marks(res)); err != nil {
				return report.Kept{}, report.LayoutError(err)
			}
			return report.Kept{ContentType: "image/svg+xml", Body: b.Bytes()}, nil
		}
		return keptJSON(struct {
			Model string `json:"model"`
			*conformance.Result
		}{c.which, res})
	})
}

// alignView aligns the view's variants against the model within the
// request's bounds and answers the figures as the caller may receive them.
func (s *Server) alignView(r *http.Request, l *eventlog.Log, g *disclosure.Guard, mn report.Miner, ref *store.ReferenceModel, which string, budget int, progress func(done, total int)) (report.Kept, error) {
	out, err := s.reports.Align(r.Context(), l, g, mn, ref, which, budget, progress)
	if err != nil {
		return report.Kept{}, err
	}
	return keptJSON(out)
}

// putReferenceModel sets the process's reference model from the request
// body, a BPMN or PNML file named by the query's name (its extension says
// which). Changing it takes the right to change the process.
func (s *Server) putReferenceModel(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	name := path.Base(strings.ReplaceAll(r.URL.Query().Get("name"), "\\", "/"))
	format := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
	if format != "bpmn" && format != "pnml" {
		response.WriteError(w, r, response.Invalid("name the file: ?name=model.bpmn or ?name=model.pnml (a BPMN 2.0 or a PNML file)"))
		return
	}
	if err := request.CheckName(name, 200); err != nil {
		response.WriteError(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxModelFile))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		response.WriteError(w, r, response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a model file may have at most %d bytes", maxModelFile)))
		return
	}
	if err != nil {
		response.WriteError(w, r, response.Invalid("could not read the file: %v", err))
		return
	}
	if _, _, err := report.ParseModel(format, name, data); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.PutReferenceModel(r.Context(), id, store.ReferenceModel{Format: format, Name: name, Data: data, By: request.Caller(r).ID}); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.reference_model.set", store.AuditTarget("process", id), name)
	m, err := s.cfg.Store.GetReferenceModel(r.Context(), id)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, m)
}

// getReferenceModel serves the process's reference model file, for
// whoever may read its reports; with ?info=true, what it is instead.
func (s *Server) getReferenceModel(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.ReportProcess(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	m, err := s.cfg.Store.GetReferenceModel(r.Context(), id)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if r.URL.Query().Get("info") == "true" {
		response.JSON(w, http.StatusOK, m)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", m.Name))
	w.WriteHeader(http.StatusOK)
	w.Write(m.Data)
}

// deleteReferenceModel removes the process's reference model.
func (s *Server) deleteReferenceModel(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteReferenceModel(r.Context(), id); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.reference_model.delete", store.AuditTarget("process", id), "")
	w.WriteHeader(http.StatusNoContent)
}

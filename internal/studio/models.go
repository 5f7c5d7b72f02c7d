package studio

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// modelPageData fills what the model and conformance pages share: the
// process, the miner chosen in the query (its defaults when the query
// asks for something wrong, with the reason), and the process's current
// log (nil without data).
func (s *Studio) modelPageData(w http.ResponseWriter, r *http.Request, title string) (map[string]any, *modelSource, report.Miner, bool) {
	p, rec, err := s.reportProcess(r)
	if err != nil {
		s.PageError(w, r, err)
		return nil, nil, report.Miner{}, false
	}
	q := r.URL.Query()
	mn, err := report.MinerFrom(q)
	data := map[string]any{"Title": title + " · " + p.Name, "Env": request.Environment(r), "ID": p.ID, "Name": p.Name,
		"CanChange": authz.MayChange(r, rec)}
	if err != nil {
		data["MinerError"] = err.Error()
		mn, _ = report.MinerFrom(url.Values{})
	}
	data["Algorithm"], data["Noise"], data["Dependency"] = mn.Algorithm, mn.Noise, mn.Heuristic.Dependency
	data["Query"] = template.URL(report.MinerQuery(mn).Encode())
	version, err := s.store.LatestVersion(r.Context(), p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return data, nil, mn, true
	}
	src := &modelSource{}
	if err == nil {
		src.Entry, err = s.reports.Entry(r.Context(), p.ID, version)
	}
	if err == nil && !authz.MayReadData(r, rec) {
		src.Reader, _, err = s.reports.ReaderFor(r, src.Entry, false, nil)
	}
	data["CanReadData"] = src.Reader == nil
	if src.Reader != nil {
		data["K"] = src.Reader.K
		// A reader's model is mined with the defaults (ReaderMiner).
		mn = report.ReaderMiner(mn)
		data["Noise"], data["Dependency"] = mn.Noise, mn.Heuristic.Dependency
		data["Query"] = template.URL(report.MinerQuery(mn).Encode())
	}
	if err != nil {
		s.PageError(w, r, err)
		return nil, nil, report.Miner{}, false
	}
	data["HasData"] = true
	return data, src, mn, true
}

// modelSource is what the model and conformance pages compute from: the
// version's log, and disclosure control for a reader.
type modelSource struct {
	Entry  *report.Entry
	Reader *report.Reader
}

// view is the log the page's model is mined from or replayed on (see
// ModelView), with its guard for the question asked beyond the view (what
// it is replayed on; "" for none).
func (src *modelSource) view(asked string) (*eventlog.Log, *disclosure.Guard, error) {
	rd := src.Reader
	if asked != "" {
		rd = rd.Asking(asked)
	}
	return report.ModelView(src.Entry.View(false), rd)
}

// key names a page's parts for the caller's kind.
func (src *modelSource) key(page string) string { return page + "&reader=" + src.Reader.CacheKey() }

// tooFew shows a reader's refusal on the page instead of an error page.
func tooFew(data map[string]any, err error) bool {
	var e *response.Error
	if errors.As(err, &e) && e.Code == "too_few_cases" {
		data["TooFew"] = e.Message
		return true
	}
	return false
}

// modelPage shows the model mined from the process's data, drawn as BPMN,
// with its tree and downloads.
func (s *Studio) modelPage(w http.ResponseWriter, r *http.Request) {
	data, src, mn, ok := s.modelPageData(w, r, "Model")
	if !ok {
		return
	}
	if src != nil && src.Entry != nil {
		parts, err := s.reports.KeptParts(src.Entry, src.key("studio-model?"+report.MinerQuery(mn).Encode()), func() (map[string]any, error) {
			l, _, err := src.view("")
			if err != nil {
				return nil, err
			}
			var d report.Discovered
			if err := s.reports.Mine(r.Context(), func() (err error) { d, err = mn.Discover(l); return err }); err != nil {
				return nil, err
			}
			f := map[string]any{"Nodes": len(d.Model.Nodes), "Flows": len(d.Model.Flows)}
			dr, err := report.BPMNSVG(r, d.Model, nil)
			if err != nil {
				return nil, err
			}
			f["ModelSVG"], f["ModelNote"] = dr.SVG, dr.Note
			if d.Tree != nil {
				f["Tree"] = d.Tree.String()
			}
			return f, report.Transient(dr)
		})
		if err != nil && !tooFew(data, err) {
			s.PageError(w, r, err)
			return
		}
		maps.Copy(data, parts)
	}
	s.render(w, r, http.StatusOK, "model", data)
}

// deviationRow is a line of the conformance page's table.
type deviationRow struct {
	Activity                                string
	Events, UnfitEvents, Missing, Remaining int
	NotInModel                              bool
}

// conformancePage replays the process's data on the mined model or the
// reference model and shows the figures, the map with the deviating
// activities marked, the model with its deviating tasks marked, and the
// reference model's upload.
func (s *Studio) conformancePage(w http.ResponseWriter, r *http.Request) {
	data, src, mn, ok := s.modelPageData(w, r, "Conformance")
	if !ok {
		return
	}
	ref, err := s.store.GetReferenceModel(r.Context(), data["ID"].(access.ID))
	hasRef := err == nil
	if hasRef {
		data["Reference"] = ref
	} else if !errors.Is(err, store.ErrNotFound) {
		s.PageError(w, r, err)
		return
	}
	// With a reference model the page compares with it unless asked for
	// the mined one: it is the process as intended.
	var use *store.ReferenceModel // nil: the mined model
	if hasRef && r.URL.Query().Get("model") != "discovered" {
		use = &ref
	}
	data["UseReference"] = use != nil
	if src == nil || src.Entry == nil {
		s.render(w, r, http.StatusOK, "conformance", data)
		return
	}
	key := "studio-conformance?" + report.MinerQuery(mn).Encode()
	if use != nil {
		key = fmt.Sprintf("studio-conformance?reference=%d/%d", ref.Updated.UnixNano(), ref.Size)
	}
	parts, err := s.reports.KeptParts(src.Entry, src.key(key), func() (map[string]any, error) {
		l, g, err := src.view(report.ReplayQuestion(mn, use))
		if err != nil {
			return nil, err
		}
		return s.conformanceParts(r, l, g, mn, use)
	})
	if err != nil && !tooFew(data, err) {
		s.PageError(w, r, err)
		return
	}
	maps.Copy(data, parts)
	// Optimal alignments on request: heavier than the replay, and bounded
	// per request (report.Engine.Align).
	data["Method"] = "token-replay"
	if r.URL.Query().Get("method") == "alignments" && err == nil {
		data["Method"] = "alignments"
		which := "discovered"
		if use != nil {
			which = "reference"
		}
		var al *report.Alignments
		if job := r.URL.Query().Get("job"); job != "" {
			// Computed by an alignments job the page started (app.js):
			// its result, as the API serves it to its user.
			al, err = s.jobAlignments(r, job, data["ID"].(access.ID))
		} else {
			al, err = report.Keep(s.reports, src.Entry, src.key(key+"&method=alignments"), func(*report.Alignments) int64 { return 4096 }, func() (*report.Alignments, error) {
				l, g, err := src.view(report.ReplayQuestion(mn, use))
				if err != nil {
					return nil, err
				}
				return s.reports.Align(r.Context(), l, g, mn, use, which, report.AlignBudget, nil)
			})
		}
		if err != nil && !tooFew(data, err) {
			s.PageError(w, r, err)
			return
		}
		data["Alignments"] = al
	}
	s.render(w, r, http.StatusOK, "conformance", data)
}

// jobAlignments is the result of the signed-in user's alignments job
// of the process, read as the API reads it; a job of another process is
// not found.
func (s *Studio) jobAlignments(r *http.Request, job string, process access.ID) (*report.Alignments, error) {
	id, err := strconv.ParseInt(job, 10, 64)
	if err != nil || id < 1 {
		return nil, response.ErrNotFound
	}
	j, res, err := s.b.JobResult(r, access.ID(id))
	if err != nil {
		return nil, err
	}
	if j.Process != process || j.Env != request.Environment(r) {
		return nil, response.ErrNotFound
	}
	var al report.Alignments
	if err := json.Unmarshal(res.Body, &al); err != nil {
		return nil, err
	}
	return &al, nil
}

// conformanceParts computes what the conformance page shows of a replay.
func (s *Studio) conformanceParts(r *http.Request, l *eventlog.Log, g *disclosure.Guard, mn report.Miner, ref *store.ReferenceModel) (map[string]any, error) {
	var model *bpmn.Model
	var res *conformance.Result
	err := s.reports.Mine(r.Context(), func() error {
		var net *petrinet.Net
		var err error
		if model, net, err = mn.ModelFor(l, ref); err != nil {
			return err
		}
		if res, err = conformance.Replay(r.Context(), l, net); err != nil {
			return report.ReplayError(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	report.GuardReplay(res, g)
	f := map[string]any{"Result": res}
	var rows []deviationRow
	marked := map[string]string{}
	for _, d := range res.Deviating() {
		rows = append(rows, deviationRow{Activity: d.Activity, Events: d.Events, UnfitEvents: d.UnfitEvents, Missing: d.Missing, Remaining: d.Remaining})
		marked[d.Activity] = fmt.Sprintf("%d missing · %d left", d.Missing, d.Remaining)
	}
	var absent []string
	for a := range res.NotInModel {
		absent = append(absent, a)
	}
	sort.Strings(absent)
	for _, a := range absent {
		rows = append(rows, deviationRow{Activity: a, Events: res.NotInModel[a], NotInModel: true})
		marked[a] = "not in the model"
	}
	f["Deviations"] = rows
	var withheld *disclosure.Withheld
	if g != nil {
		withheld = &disclosure.Withheld{K: g.K()}
	}
	m, note, err := report.DrawableMap(l, processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}, g, withheld)
	var dm report.Drawing
	if err == nil {
		if g != nil {
			f["Disclosure"] = g.Done(withheld)
		}
		m.Marked = marked
		dm, err = report.MapSVG(r, m)
	}
	if err != nil {
		return nil, err
	}
	f["MapSVG"], f["MapNote"], f["MapNodes"] = dm.SVG, strings.TrimSpace(note+" "+dm.Note), len(m.Nodes)
	var dr report.Drawing
	if model != nil {
		if dr, err = report.BPMNSVG(r, model, report.Marks(res)); err != nil {
			return nil, err
		}
		f["ModelSVG"], f["ModelNote"] = dr.SVG, dr.Note
	}
	return f, report.Transient(dm, dr)
}

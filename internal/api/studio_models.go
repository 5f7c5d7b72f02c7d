package api

import (
	"bytes"
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
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/store"
)

// modelPageData fills what the model and conformance pages share: the
// process, the miner chosen in the query (its defaults when the query
// asks for something wrong, with the reason), and the process's current
// log (nil without data).
func (s *Server) modelPageData(w http.ResponseWriter, r *http.Request, title string) (map[string]any, *modelSource, miner, bool) {
	p, rec, err := s.reportProcess(r)
	if err != nil {
		s.pageError(w, r, err)
		return nil, nil, miner{}, false
	}
	q := r.URL.Query()
	mn, err := minerFrom(q)
	data := map[string]any{"Title": title + " · " + p.Name, "Env": request.Environment(r), "ID": p.ID, "Name": p.Name,
		"CanChange": authz.MayChange(r, rec)}
	if err != nil {
		data["MinerError"] = err.Error()
		mn, _ = minerFrom(url.Values{})
	}
	data["Algorithm"], data["Noise"], data["Dependency"] = mn.algorithm, mn.noise, mn.heuristic.Dependency
	data["Query"] = template.URL(minerQuery(mn).Encode())
	version, err := s.cfg.Store.LatestVersion(r.Context(), p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return data, nil, mn, true
	}
	src := &modelSource{}
	if err == nil {
		src.entry, err = s.logs.entry(r.Context(), s.cfg.Store, p.ID, version)
	}
	if err == nil && !authz.MayReadData(r, rec) {
		src.reader, _, err = s.readerFor(r, strconv.FormatInt(int64(version), 10), viewName(false), nil)
	}
	data["CanReadData"] = src.reader == nil
	if src.reader != nil {
		data["K"] = src.reader.k
		// A reader's model is mined with the defaults (readerMiner).
		mn = readerMiner(mn)
		data["Noise"], data["Dependency"] = mn.noise, mn.heuristic.Dependency
		data["Query"] = template.URL(minerQuery(mn).Encode())
	}
	if err != nil {
		s.pageError(w, r, err)
		return nil, nil, miner{}, false
	}
	data["HasData"] = true
	return data, src, mn, true
}

// modelSource is what the model and conformance pages compute from: the
// version's log, and disclosure control for a reader.
type modelSource struct {
	entry  *cached
	reader *reader
}

// view is the log the page's model is mined from or replayed on (see
// modelView), with its guard for the question asked beyond the view (what
// it is replayed on; "" for none).
func (src *modelSource) view(asked string) (*eventlog.Log, *disclosure.Guard, error) {
	rd := src.reader
	if asked != "" {
		rd = rd.asking(asked)
	}
	return modelView(src.entry.view(false), rd)
}

// key names a page's parts for the caller's kind.
func (src *modelSource) key(page string) string { return page + "&reader=" + src.reader.cacheKey() }

// tooFew shows a reader's refusal on the page instead of an error page.
func tooFew(data map[string]any, err error) bool {
	var e *response.Error
	if errors.As(err, &e) && e.Code == "too_few_cases" {
		data["TooFew"] = e.Message
		return true
	}
	return false
}

// minerQuery is the query that asks the API for the miner's model: every
// setting minerFrom reads, so that it also keys what is kept of a page.
func minerQuery(mn miner) url.Values {
	q := url.Values{"algorithm": {mn.algorithm}}
	if mn.algorithm == "inductive" {
		q.Set("noise", fmt.Sprint(mn.noise))
	} else {
		q.Set("dependency", fmt.Sprint(mn.heuristic.Dependency))
		q.Set("and", fmt.Sprint(mn.heuristic.And))
		q.Set("loop2", fmt.Sprint(mn.heuristic.LoopTwo))
	}
	return q
}

// modelPage shows the model mined from the process's data, drawn as BPMN,
// with its tree and downloads.
func (s *Server) modelPage(w http.ResponseWriter, r *http.Request) {
	data, src, mn, ok := s.modelPageData(w, r, "Model")
	if !ok {
		return
	}
	if src != nil && src.entry != nil {
		parts, err := s.keptParts(src.entry, src.key("studio-model?"+minerQuery(mn).Encode()), func() (map[string]any, error) {
			l, _, err := src.view("")
			if err != nil {
				return nil, err
			}
			var d discovered
			if err := s.mine(r.Context(), func() (err error) { d, err = mn.discover(l); return err }); err != nil {
				return nil, err
			}
			f := map[string]any{"Nodes": len(d.model.Nodes), "Flows": len(d.model.Flows)}
			dr, err := bpmnSVG(r, d.model, nil)
			if err != nil {
				return nil, err
			}
			f["ModelSVG"], f["ModelNote"] = dr.SVG, dr.Note
			if d.tree != nil {
				f["Tree"] = d.tree.String()
			}
			return f, transient(dr)
		})
		if err != nil && !tooFew(data, err) {
			s.pageError(w, r, err)
			return
		}
		maps.Copy(data, parts)
	}
	s.render(w, r, http.StatusOK, "model", data)
}

// bpmnSVG draws a model for a page. A drawing that cannot be made (too
// large, too slow) gives a note to show instead; with every layout worker
// busy, or the request gone, the page fails (it keeps its notes).
func bpmnSVG(r *http.Request, m *bpmn.Model, marks map[string]bpmn.Mark) (drawing, error) {
	var b bytes.Buffer
	if err := bpmn.WriteSVG(r.Context(), &b, m, marks); err != nil {
		if note := layoutNote(err); note != "" {
			return drawing{Note: note, Stopped: stopped(err)}, nil
		}
		var we *dot.WorkerError
		if errors.Is(err, dot.ErrBusy) || errors.As(err, &we) || r.Context().Err() != nil {
			return drawing{}, layoutError(err) // not the model's doing: not a note to keep
		}
		return drawing{Note: err.Error()}, nil // a model the layout refuses
	}
	return drawing{SVG: template.HTML(b.String())}, nil // WriteSVG escapes every text it writes
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
func (s *Server) conformancePage(w http.ResponseWriter, r *http.Request) {
	data, src, mn, ok := s.modelPageData(w, r, "Conformance")
	if !ok {
		return
	}
	ref, err := s.cfg.Store.GetReferenceModel(r.Context(), data["ID"].(access.ID))
	hasRef := err == nil
	if hasRef {
		data["Reference"] = ref
	} else if !errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, err)
		return
	}
	var use *store.ReferenceModel // nil: the mined model
	if hasRef && r.URL.Query().Get("model") == "reference" {
		use = &ref
	}
	data["UseReference"] = use != nil
	if src == nil || src.entry == nil {
		s.render(w, r, http.StatusOK, "conformance", data)
		return
	}
	key := "studio-conformance?" + minerQuery(mn).Encode()
	if use != nil {
		key = fmt.Sprintf("studio-conformance?reference=%d/%d", ref.Updated.UnixNano(), ref.Size)
	}
	parts, err := s.keptParts(src.entry, src.key(key), func() (map[string]any, error) {
		l, g, err := src.view(replayQuestion(mn, use))
		if err != nil {
			return nil, err
		}
		return s.conformanceParts(r, l, g, mn, use)
	})
	if err != nil && !tooFew(data, err) {
		s.pageError(w, r, err)
		return
	}
	maps.Copy(data, parts)
	s.render(w, r, http.StatusOK, "conformance", data)
}

// conformanceParts computes what the conformance page shows of a replay.
func (s *Server) conformanceParts(r *http.Request, l *eventlog.Log, g *disclosure.Guard, mn miner, ref *store.ReferenceModel) (map[string]any, error) {
	var model *bpmn.Model
	var res *conformance.Result
	err := s.mine(r.Context(), func() error {
		var net *petrinet.Net
		var err error
		if model, net, err = mn.modelFor(l, ref); err != nil {
			return err
		}
		if res, err = conformance.Replay(r.Context(), l, net); err != nil {
			return replayError(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	guardReplay(res, g)
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
	m, note, err := drawableMap(l, processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}, g, withheld)
	var dm drawing
	if err == nil {
		if g != nil {
			f["Disclosure"] = g.Done(withheld)
		}
		m.Marked = marked
		dm, err = mapSVG(r, m)
	}
	if err != nil {
		return nil, err
	}
	f["MapSVG"], f["MapNote"], f["MapNodes"] = dm.SVG, strings.TrimSpace(note+" "+dm.Note), len(m.Nodes)
	var dr drawing
	if model != nil {
		if dr, err = bpmnSVG(r, model, marks(res)); err != nil {
			return nil, err
		}
		f["ModelSVG"], f["ModelNote"] = dr.SVG, dr.Note
	}
	return f, transient(dm, dr)
}

// transientParts are a page's parts not to keep: a drawing in them was
// stopped at its deadline, which a quieter moment may not do.
type transientParts struct{}

func (t *transientParts) Error() string { return "a drawing was stopped at its deadline" }

// transient is the error that tells keptParts not to keep the parts of
// a page with a stopped drawing among ds (nil when none was).
func transient(ds ...drawing) error {
	for _, d := range ds {
		if d.Stopped {
			return &transientParts{}
		}
	}
	return nil
}

// pageParts are the computed parts of a page, kept with the version's log
// like the API's answers, and dropped with it.
type pageParts struct {
	fields map[string]any
	size   int64
}

// keptParts computes a page's parts once per version and key.
//
// Parts whose compute says they are transient (a drawing stopped at its
// deadline) are shown but not kept.
func (s *Server) keptParts(entry *cached, key string, compute func() (map[string]any, error)) (map[string]any, error) {
	var shown map[string]any
	p, err := keep(s.logs, entry, key, func(p pageParts) int64 { return p.size }, func() (pageParts, error) {
		f, err := compute()
		var t *transientParts
		if errors.As(err, &t) {
			shown = f // keep fails, so nothing is kept
		}
		size := int64(4096)
		for _, v := range f {
			if h, ok := v.(template.HTML); ok {
				size += int64(len(h))
			}
		}
		return pageParts{fields: f, size: size}, err
	})
	if shown != nil {
		return shown, nil
	}
	return p.fields, err
}

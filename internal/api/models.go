package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/discovery/heuristics"
	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/store"
)

// maxModelFile bounds an uploaded reference model.
const maxModelFile = 16 << 20

// miner is a discovery algorithm and its settings, from a query:
// algorithm=inductive (noise=0…1, 0.2 by default: IMf) or
// algorithm=heuristics (dependency, and, loop2).
type miner struct {
	algorithm string
	noise     float64
	heuristic heuristics.Options
}

func minerFrom(q url.Values) (miner, error) {
	m := miner{algorithm: orDefault(q.Get("algorithm"), "inductive"), noise: 0.2, heuristic: heuristics.Defaults()}
	num := func(name string, dst *float64) error {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return response.Invalid("%s must be a number", name)
			}
			*dst = f
		}
		return nil
	}
	switch m.algorithm {
	case "inductive":
		if err := num("noise", &m.noise); err != nil {
			return m, err
		}
		if !(m.noise >= 0 && m.noise <= 1) {
			return m, response.Invalid("noise must be between 0 and 1")
		}
	case "heuristics":
		for name, dst := range map[string]*float64{"dependency": &m.heuristic.Dependency, "and": &m.heuristic.And, "loop2": &m.heuristic.LoopTwo} {
			if err := num(name, dst); err != nil {
				return m, err
			}
		}
		if err := m.heuristic.Validate(); err != nil {
			return m, response.Invalid("%v", err)
		}
	default:
		return m, response.Invalid("algorithm must be inductive or heuristics")
	}
	return m, nil
}

// discovered is a model mined from a log: its BPMN and net, and the tree
// when the inductive miner made it.
type discovered struct {
	tree  *processtree.Tree
	model *bpmn.Model
	net   *petrinet.Net
}

// maxMinedActivities bounds the activities of a log the server mines a
// model from: the inductive miner's fall-throughs grow with their cube
// (activities in random order, BenchmarkRandomOrder: 300 take 3 s on the
// project's machine, 500 take 39 s), and a request cannot be stopped once
// mining has begun. The command line has no bound: there the time is its
// user's.
const maxMinedActivities = 300

func (m miner) discover(l *eventlog.Log) (discovered, error) {
	seen := map[int32]bool{}
	for _, a := range l.Act {
		seen[a] = true
	}
	if len(seen) > maxMinedActivities {
		return discovered{}, response.Invalid("the log has %d activities; the server mines models from at most %d: filter the log's events down to the main activities, or mine it with procmine discover", len(seen), maxMinedActivities)
	}
	if m.algorithm == "heuristics" {
		bm := heuristics.Discover(l, m.heuristic)
		return discovered{model: bm, net: bm.Net()}, nil
	}
	t := inductive.Discover(l, m.noise)
	return discovered{tree: t, model: bpmn.FromTree(t), net: petrinet.FromTree(t)}, nil
}

// processModel serves the model mined from the process's data (with the
// view and filters of the query) as JSON (its tree and size), BPMN, PNML
// or SVG. It is a report: whoever may read the process's reports may
// read it.
func (s *Server) processModel(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mn, err := minerFrom(q)
	if err == nil && !oneOf(orDefault(q.Get("format"), "json"), "json", "bpmn", "pnml", "svg") {
		err = response.Invalid("format must be json, bpmn, pnml or svg")
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.answer(w, r, func(src *reportSource, _ bool) (kept, error) {
		l, err := src.log()
		if err != nil {
			return kept{}, err
		}
		l, _, err = modelView(l, src.reader)
		if err != nil {
			return kept{}, err
		}
		mn := mn
		if src.reader != nil {
			mn = readerMiner(mn)
		}
		var d discovered
		if err := s.mine(r.Context(), func() (err error) { d, err = mn.discover(l); return err }); err != nil {
			return kept{}, err
		}
		var b bytes.Buffer
		switch q.Get("format") {
		case "bpmn":
			if err := bpmn.Write(r.Context(), &b, d.model); err != nil {
				return kept{}, layoutError(err)
			}
			return kept{contentType: "application/xml", body: b.Bytes()}, nil
		case "pnml":
			if err := petrinet.WritePNML(&b, d.net); err != nil {
				return kept{}, err
			}
			return kept{contentType: "application/xml", body: b.Bytes()}, nil
		case "svg":
			if err := bpmn.WriteSVG(r.Context(), &b, d.model, nil); err != nil {
				return kept{}, layoutError(err)
			}
			return kept{contentType: "image/svg+xml", body: b.Bytes()}, nil
		}
		out := map[string]any{"algorithm": mn.algorithm, "nodes": len(d.model.Nodes), "flows": len(d.model.Flows),
			"places": len(d.net.Places), "transitions": len(d.net.Transitions)}
		if d.tree != nil {
			out["tree"], out["noise"] = d.tree.String(), mn.noise
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
	q := r.URL.Query()
	which := orDefault(q.Get("model"), "discovered")
	format := orDefault(q.Get("format"), "json")
	var err error
	var mn miner
	switch {
	case which != "discovered" && which != "reference":
		err = response.Invalid("model must be discovered or reference")
	case format != "json" && format != "svg":
		err = response.Invalid("format must be json or svg")
	case which == "discovered":
		mn, err = minerFrom(q)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var ref *store.ReferenceModel
	extra := ""
	if which == "reference" {
		// The caller's right to the reports is checked (again) by
		// answerWith; the model is read only for one who has it.
		id, _, err := s.authz.ReportProcess(r)
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		m, err := s.cfg.Store.GetReferenceModel(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			err = response.Errorf(http.StatusConflict, "no_reference_model", "the process has no reference model: upload a BPMN or PNML file first")
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		ref = &m
		extra = strconv.FormatInt(m.Updated.UnixNano(), 10) + "/" + strconv.Itoa(m.Size)
	}
	s.answerWith(w, r, extra, func(src *reportSource, _ bool) (kept, error) {
		mn := mn
		if src.reader != nil {
			mn = readerMiner(mn)
		}
		l, err := src.log()
		if err != nil {
			return kept{}, err
		}
		l, g, err := modelView(l, src.reader.asking(replayQuestion(mn, ref)))
		if err != nil {
			return kept{}, err
		}
		var model *bpmn.Model
		var res *conformance.Result
		err = s.mine(r.Context(), func() error {
			var net *petrinet.Net
			var err error
			if model, net, err = mn.modelFor(l, ref); err != nil {
				return err
			}
			if format == "svg" && model == nil {
				return response.Errorf(http.StatusConflict, "no_drawing", "the reference model is a Petri net: only BPMN models are drawn")
			}
			if res, err = conformance.Replay(r.Context(), l, net); err != nil {
				return replayError(err)
			}
			return nil
		})
		if err != nil {
			return kept{}, err
		}
		guardReplay(res, g)
		if format == "svg" {
			var b bytes.Buffer
			if err := bpmn.WriteSVG(r.Context(), &b, model, marks(res)); err != nil {
				return kept{}, layoutError(err)
			}
			return kept{contentType: "image/svg+xml", body: b.Bytes()}, nil
		}
		return keptJSON(struct {
			Model string `json:"model"`
			*conformance.Result
		}{which, res})
	})
}

// marks are the deviations of a replay, by activity, to draw.
func marks(res *conformance.Result) map[string]bpmn.Mark {
	out := map[string]bpmn.Mark{}
	for _, d := range res.Deviating() {
		out[d.Activity] = bpmn.Mark{Missing: d.Missing, Remaining: d.Remaining}
	}
	return out
}

// modelFor is the model a log is compared with: the reference model when
// ref is not nil, else the one the miner mines from the log.
func (m miner) modelFor(l *eventlog.Log, ref *store.ReferenceModel) (*bpmn.Model, *petrinet.Net, error) {
	if ref != nil {
		return parseModel(ref.Format, ref.Name, ref.Data)
	}
	d, err := m.discover(l)
	return d.model, d.net, err
}

// parseModel reads a reference model file, BPMN (which is also drawn) or
// PNML, and checks that a log can be replayed on it. Its errors are the
// caller's.
func parseModel(format, name string, data []byte) (*bpmn.Model, *petrinet.Net, error) {
	var m *bpmn.Model
	var n *petrinet.Net
	var err error
	if format == "bpmn" {
		if m, err = bpmn.Read(bytes.NewReader(data), name); err == nil {
			n = m.Net()
		}
	} else {
		n, err = petrinet.ReadPNML(bytes.NewReader(data), name)
	}
	if err == nil {
		if err = conformance.Check(n); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
	}
	if err != nil {
		return nil, nil, response.Invalid("%v", err)
	}
	return m, n, nil
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
	if _, _, err := parseModel(format, name, data); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.PutReferenceModel(r.Context(), id, store.ReferenceModel{Format: format, Name: name, Data: data, By: request.Caller(r).ID}); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.audit(r, request.Environment(r), "process.reference_model.set", target("process", id), name)
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
	s.audit(r, request.Environment(r), "process.reference_model.delete", target("process", id), "")
	w.WriteHeader(http.StatusNoContent)
}

// replayError is a replay's error as the caller sees it: a net too large
// or too unlike the log is theirs to change (422); a replay stopped at a
// deadline is answered as such, and one stopped because its client went
// away stays context.Canceled (response.WriteError logs it as the client's doing).
func replayError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the client went away: response.WriteError says so
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return response.Errorf(http.StatusServiceUnavailable, "gave_up", "the replay was stopped before it finished")
	}
	return response.Invalid("%v", err)
}

// slotWait is how long a request waits for a mining slot before it is
// told to come back, and imageWait for a screenshot slot (an upload's
// cleaning takes seconds, and uploads are not to be refused lightly);
// variables for the tests, which wait less.
var (
	slotWait  = 5 * time.Second
	imageWait = 30 * time.Second
)

// mine runs heavy model work (mining a model, replaying a log on one)
// in one of the server's mining slots: a model cannot be stopped once
// its mining starts, so the slots bound how much of the machine requests
// can take. A caller holds at most miningPerCaller of them at once: its
// further requests wait for its own to finish, and a free slot goes to
// someone else meanwhile. A request that finds none free within slotWait
// is told to come back.
func (s *Server) mine(ctx context.Context, work func() error) error {
	deadline := time.Now().Add(slotWait)
	if own, done := s.callerSlots(ctx); own != nil {
		defer done()
		releaseOwn, err := takeSlot(ctx, own.slots, slotWait, "")
		var e *response.Error
		if errors.As(err, &e) {
			e.Status = http.StatusTooManyRequests
			e.Message = fmt.Sprintf("your other model work is still running (at most %d at once for one person): try again when it has finished", cap(own.slots))
		}
		if err != nil {
			return err
		}
		defer releaseOwn()
	}
	release, err := takeSlot(ctx, s.mining, max(0, time.Until(deadline)), "every mining slot is busy: try again in a few seconds")
	if err != nil {
		return err
	}
	defer release()
	return work()
}

// callerSlots are the mining slots one caller may hold at once, and how
// many of its requests use them (to forget them with the last).
type callerSlots struct {
	slots chan struct{}
	users int
}

// miningPerCaller is how many mining slots one caller may hold at once:
// half the server's, at least one, so that one person looping over heavy
// models leaves the other slots to everyone else.
func miningPerCaller(slots int) int { return max(1, slots/2) }

// callerSlots are the mining slots of the request's caller, a signed-in
// user (every route that mines has one; work without one is not limited
// here); done forgets them when no request of that user needs them any
// more.
func (s *Server) callerSlots(ctx context.Context) (*callerSlots, func()) {
	u, ok := request.User(ctx)
	if !ok {
		return nil, nil
	}
	who := u.ID
	s.minersMu.Lock()
	defer s.minersMu.Unlock()
	if s.miners == nil {
		s.miners = map[access.ID]*callerSlots{}
	}
	c := s.miners[who]
	if c == nil {
		c = &callerSlots{slots: make(chan struct{}, miningPerCaller(cap(s.mining)))}
		s.miners[who] = c
	}
	c.users++
	return c, func() {
		s.minersMu.Lock()
		defer s.minersMu.Unlock()
		if c.users--; c.users == 0 {
			delete(s.miners, who)
		}
	}
}

// takeSlot takes one of slots within wait, or answers busy (503 with
// Retry-After) with msg, or the request's end.
func takeSlot(ctx context.Context, slots chan struct{}, wait time.Duration, msg string) (release func(), err error) {
	if ctx.Err() == nil {
		// A free slot is taken whatever the wait left (select would
		// choose at random between it and a timer already run out).
		select {
		case slots <- struct{}{}:
			return func() { <-slots }, nil
		default:
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		e := response.Errorf(http.StatusServiceUnavailable, "busy", msg)
		e.RetryAfter = 5
		return nil, e
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

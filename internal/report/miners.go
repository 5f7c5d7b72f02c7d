package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/discovery/heuristics"
	"github.com/procmine/procmine/internal/discovery/inductive"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/store"
)

// Miner is a discovery algorithm and its settings, from a query:
// algorithm=inductive (noise=0…1, 0.2 by default: IMf) or
// algorithm=heuristics (dependency, and, loop2).
type Miner struct {
	Algorithm string
	Noise     float64
	Heuristic heuristics.Options
}

func MinerFrom(q url.Values) (Miner, error) {
	m := Miner{Algorithm: q.Get("algorithm"), Noise: 0.2, Heuristic: heuristics.Defaults()}
	if m.Algorithm == "" {
		m.Algorithm = "inductive"
	}
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
	switch m.Algorithm {
	case "inductive":
		if err := num("noise", &m.Noise); err != nil {
			return m, err
		}
		if !(m.Noise >= 0 && m.Noise <= 1) {
			return m, response.Invalid("noise must be between 0 and 1")
		}
	case "heuristics":
		for name, dst := range map[string]*float64{"dependency": &m.Heuristic.Dependency, "and": &m.Heuristic.And, "loop2": &m.Heuristic.LoopTwo} {
			if err := num(name, dst); err != nil {
				return m, err
			}
		}
		if err := m.Heuristic.Validate(); err != nil {
			return m, response.Invalid("%v", err)
		}
	default:
		return m, response.Invalid("algorithm must be inductive or heuristics")
	}
	return m, nil
}

// Discovered is a model mined from a log: its BPMN and net, and the tree
// when the inductive miner made it.
type Discovered struct {
	Tree  *processtree.Tree
	Model *bpmn.Model
	Net   *petrinet.Net
}

// MaxMinedActivities bounds the activities of a log the server mines a
// model from: the inductive miner's fall-throughs grow with their cube
// (activities in random order, BenchmarkRandomOrder: 300 take 3 s on the
// project's machine, 500 take 39 s), and a request cannot be stopped once
// mining has begun. The command line has no bound: there the time is its
// user's.
const MaxMinedActivities = 300

func (m Miner) Discover(l *eventlog.Log) (Discovered, error) {
	seen := map[int32]bool{}
	for _, a := range l.Act {
		seen[a] = true
	}
	if len(seen) > MaxMinedActivities {
		return Discovered{}, response.Invalid("the log has %d activities; the server mines models from at most %d: filter the log's events down to the main activities, or mine it with procmine discover", len(seen), MaxMinedActivities)
	}
	if m.Algorithm == "heuristics" {
		bm := heuristics.Discover(l, m.Heuristic)
		return Discovered{Model: bm, Net: bm.Net()}, nil
	}
	t := inductive.Discover(l, m.Noise)
	return Discovered{Tree: t, Model: bpmn.FromTree(t), Net: petrinet.FromTree(t)}, nil
}

// Marks are the deviations of a replay, by activity, to draw.
func Marks(res *conformance.Result) map[string]bpmn.Mark {
	out := map[string]bpmn.Mark{}
	for _, d := range res.Deviating() {
		out[d.Activity] = bpmn.Mark{Missing: d.Missing, Remaining: d.Remaining}
	}
	return out
}

// ModelFor is the model a log is compared with: the reference model when
// ref is not nil, else the one the miner mines from the log.
func (m Miner) ModelFor(l *eventlog.Log, ref *store.ReferenceModel) (*bpmn.Model, *petrinet.Net, error) {
	if ref != nil {
		return ParseModel(ref.Format, ref.Name, ref.Data)
	}
	d, err := m.Discover(l)
	return d.Model, d.Net, err
}

// ParseModel reads a reference model file, BPMN (which is also drawn) or
// PNML, and checks that a log can be replayed on it. Its errors are the
// caller's.
func ParseModel(format, name string, data []byte) (*bpmn.Model, *petrinet.Net, error) {
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

// ReplayError is a replay's error as the caller sees it: a net too large
// or too unlike the log is theirs to change (422); a replay stopped at a
// deadline is answered as such, and one stopped because its client went
// away stays context.Canceled (response.WriteError logs it as the client's doing).
func ReplayError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the client went away: response.WriteError says so
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return response.Errorf(http.StatusServiceUnavailable, "gave_up", "the replay was stopped before it finished")
	}
	return response.Invalid("%v", err)
}

// MinerQuery is the query that asks the API for the miner's model: every
// setting MinerFrom reads, so that it also keys what is kept of a page.
func MinerQuery(mn Miner) url.Values {
	q := url.Values{"algorithm": {mn.Algorithm}}
	if mn.Algorithm == "inductive" {
		q.Set("noise", fmt.Sprint(mn.Noise))
	} else {
		q.Set("dependency", fmt.Sprint(mn.Heuristic.Dependency))
		q.Set("and", fmt.Sprint(mn.Heuristic.And))
		q.Set("loop2", fmt.Sprint(mn.Heuristic.LoopTwo))
	}
	return q
}

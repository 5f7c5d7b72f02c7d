// Package conformance checks how well an event log fits a process model
// by token-based replay (Rozinat and van der Aalst, "Conformance checking
// of processes based on monitoring real behavior", 2008, with the silent
// transition heuristics of Berti and van der Aalst, "Reviving token-based
// replay", 2019): each trace is played on the Petri net from its initial
// marking, firing the transition of each event; where a transition is not
// enabled, silent transitions on the shortest silent path towards its
// empty input places are fired first, and tokens still missing are added
// and counted. At the end the tokens are led to the final marking the
// same way; those left elsewhere are counted as remaining.
//
// A trace's fitness is ½(1 − missing/consumed) + ½(1 − remaining/produced);
// the log's is the same over the sums of all traces. The figures agree
// with PM4Py's token replay on the reference logs.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/petrinet"
)

// Result is what replaying a log on a net found.
type Result struct {
	Traces        int `json:"traces"`
	FittingTraces int `json:"fitting_traces"`

	// LogFitness is ½(1 − missing/consumed) + ½(1 − remaining/produced)
	// over the tokens of all traces; AverageTraceFitness the mean of the
	// same per trace; PercentageOfFittingTraces the share of traces that
	// replayed with no token missing or remaining, 0 to 100.
	LogFitness                float64 `json:"log_fitness"`
	AverageTraceFitness       float64 `json:"average_trace_fitness"`
	PercentageOfFittingTraces float64 `json:"percentage_of_fitting_traces"`

	Produced  int `json:"produced"`
	Consumed  int `json:"consumed"`
	Missing   int `json:"missing"`
	Remaining int `json:"remaining"`

	// Activities are the deviations per activity, the worst first:
	// events that found tokens missing, and tokens left behind that the
	// activity was waiting for.
	Activities []Deviation `json:"activities"`
	// NotInModel counts the events of activities the net has no
	// transition for; they make their trace unfit and are otherwise
	// skipped.
	NotInModel map[string]int `json:"not_in_model,omitempty"`
}

// Deviating are the activities that found tokens missing or left tokens
// behind, the worst first.
func (r *Result) Deviating() []Deviation {
	var out []Deviation
	for _, d := range r.Activities {
		if d.Missing > 0 || d.Remaining > 0 {
			out = append(out, d)
		}
	}
	return out
}

// Deviation is what went wrong around one activity.
type Deviation struct {
	Activity string `json:"activity"`
	Events   int    `json:"events"`
	// UnfitEvents fired only after tokens were added for them; Missing
	// counts those tokens; Cases the traces with such an event.
	UnfitEvents int `json:"unfit_events"`
	Missing     int `json:"missing"`
	Cases       int `json:"cases"`
	// Remaining counts tokens left at the end waiting for this activity
	// (in its input places, or in places that lead to them through
	// silent transitions): it was expected and did not happen.
	Remaining int `json:"remaining"`
}

// ErrTooMuchWork is returned when a replay needs more steps than
// MaxWork: the net is too large, or too unlike the log, to replay.
var ErrTooMuchWork = fmt.Errorf("the replay needs more than %d steps: the model is too large or too unlike the log to replay", MaxWork)

// MaxWork bounds the steps of one replay (transitions fired or looked at
// on silent paths). BPI Challenge 2012 on its IMf model takes 4.8
// million (4,774,102, its 4,366 variants once each).
const MaxWork = 200_000_000

// Check says whether a net can be replayed on: it has an initial and a
// final marking and is not too large.
func Check(n *petrinet.Net) error {
	_, err := compile(n)
	return err
}

// Replay replays every trace of the log on the net. It stops when ctx is
// done, and with ErrTooMuchWork when the net asks for too much.
func Replay(ctx context.Context, l *eventlog.Log, n *petrinet.Net) (*Result, error) {
	m, err := compile(n)
	if err != nil {
		return nil, err
	}
	names := l.Activities.Names()
	byAct := make([]int32, len(names))
	for a, name := range names {
		byAct[a] = m.transitionFor(name)
	}
	// Traces with the same activities replay the same: each variant is
	// replayed once.
	variants := mining.Variants(l)
	res := &Result{NotInModel: map[string]int{}}
	dev := make([]Deviation, len(m.label))
	var sumFitness float64
	r := &run{m: m}
	for _, v := range variants {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tr := r.replay(v.Seq(), byAct)
		if r.work > MaxWork {
			return nil, ErrTooMuchWork
		}
		res.Traces += v.Cases
		res.Produced += v.Cases * tr.produced
		res.Consumed += v.Cases * tr.consumed
		res.Missing += v.Cases * tr.missing
		res.Remaining += v.Cases * tr.remaining
		sumFitness += float64(v.Cases) * tr.fitness()
		if tr.fit() {
			res.FittingTraces += v.Cases
		}
		for _, a := range v.Seq() {
			if t := byAct[a]; t >= 0 {
				dev[t].Events += v.Cases
			} else {
				res.NotInModel[names[a]] += v.Cases
			}
		}
		for t, k := range tr.missingAt {
			dev[t].UnfitEvents += v.Cases * k.events
			dev[t].Missing += v.Cases * k.tokens
			dev[t].Cases += v.Cases
		}
		for p, k := range tr.left {
			for _, t := range m.waiting[p] {
				dev[t].Remaining += v.Cases * k
			}
		}
	}
	if res.Traces > 0 {
		res.LogFitness = fitness(res.Missing, res.Consumed, res.Remaining, res.Produced)
		res.AverageTraceFitness = sumFitness / float64(res.Traces)
		res.PercentageOfFittingTraces = 100 * float64(res.FittingTraces) / float64(res.Traces)
	}
	for t, d := range dev {
		if m.label[t] == "" || (d.Events == 0 && d.Missing == 0 && d.Remaining == 0) {
			continue
		}
		d.Activity = m.label[t]
		res.Activities = append(res.Activities, d)
	}
	sort.SliceStable(res.Activities, func(i, j int) bool {
		a, b := res.Activities[i], res.Activities[j]
		if a.Missing+a.Remaining != b.Missing+b.Remaining {
			return a.Missing+a.Remaining > b.Missing+b.Remaining
		}
		return a.Activity < b.Activity
	})
	if len(res.NotInModel) == 0 {
		res.NotInModel = nil
	}
	return res, nil
}

func fitness(missing, consumed, remaining, produced int) float64 {
	f := 1.0
	if consumed > 0 {
		f -= 0.5 * float64(missing) / float64(consumed)
	}
	if produced > 0 {
		f -= 0.5 * float64(remaining) / float64(produced)
	}
	return f
}

// model is a net compiled for replay: places and transitions by number.
type model struct {
	places      int
	label       []string  // per transition; "" for silent
	pre, post   [][]int32 // per transition: input and output places, each once
	byLabel     map[string][]int32
	initial     []int32
	final       []int32
	atLeast     bool // the final places may hold more (Net.FinalAtLeast)
	finalPlaces []int32
	// paths[p] are the shortest runs of silent transitions that move a
	// token from p, found the first time a token sits in p (silentOut[p]
	// are the silent transitions p feeds).
	paths     []*silentPaths
	kept      int // transitions in the runs spelt out and kept
	silentOut [][]int32
	// waiting[p] are the labelled transitions a token in p would go to,
	// directly or through silent transitions.
	waiting [][]int32
}

// maxNodes bounds the nets replayed: the silent paths between places
// grow with the square of their number.
const maxNodes = petrinet.MaxNodes

func compile(n *petrinet.Net) (*model, error) {
	if k := len(n.Places) + len(n.Transitions); k > maxNodes {
		return nil, fmt.Errorf("the net has %d places and transitions; token replay takes at most %d", k, maxNodes)
	}
	if len(n.Initial) == 0 {
		return nil, errors.New("the net has no initial marking: token replay needs to know where runs start")
	}
	if len(n.Final) == 0 {
		return nil, errors.New("the net has no final marking: token replay needs to know where runs end")
	}
	x, err := n.Index()
	if err != nil {
		return nil, err
	}
	m := &model{places: x.Places, label: x.Labels, byLabel: x.ByLabel, pre: x.Pre, post: x.Post,
		initial: x.Initial, final: x.Final, atLeast: n.FinalAtLeast}
	for t := range m.pre {
		if hasRepeat(m.pre[t]) || hasRepeat(m.post[t]) {
			return nil, errors.New("an arc of the net repeats another: token replay takes and puts one token per arc")
		}
	}
	// The places the final marking names, in order.
	for i, pl := range n.Places {
		if _, ok := n.Final[pl.ID]; ok {
			m.finalPlaces = append(m.finalPlaces, int32(i))
		}
	}
	m.shortestPaths()
	m.findWaiting()
	return m, nil
}

// transitionFor is the transition of an activity, -1 when the net has
// none. Of several with the label, replay takes the first enabled one.
func (m *model) transitionFor(label string) int32 {
	if ts := m.byLabel[label]; len(ts) > 0 {
		return ts[0]
	}
	return -1
}

// shortestPaths prepares the search for silent paths; pathsFrom does it.
func (m *model) shortestPaths() {
	m.silentOut = make([][]int32, m.places)
	for t, ps := range m.pre {
		if m.label[t] != "" {
			continue
		}
		for _, p := range ps {
			if !slices.Contains(m.silentOut[p], int32(t)) {
				m.silentOut[p] = append(m.silentOut[p], int32(t))
			}
		}
	}
	m.paths = make([]*silentPaths, m.places)
}

// pathsFrom finds the shortest silent runs from a place to the places
// they lead to (breadth first; of equally short runs, the one through the
// transitions that come first in the net), kept as the last transition
// and place of each run so that they take room in proportion to the
// places, not to the square of them.
func (m *model) pathsFrom(from int32) *silentPaths {
	if m.paths[from] != nil {
		return m.paths[from]
	}
	sp := &silentPaths{from: from, via: make([]int32, m.places), prev: make([]int32, m.places)}
	for i := range sp.via {
		sp.via[i] = -1
	}
	seen := make([]bool, m.places)
	seen[from] = true
	queue := []int32{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, t := range m.silentOut[p] {
			for _, q := range m.post[t] {
				if seen[q] {
					continue
				}
				seen[q] = true
				sp.via[q], sp.prev[q] = t, p
				queue = append(queue, q)
			}
		}
	}
	m.paths[from] = sp
	return sp
}

// silentPaths are the shortest silent runs from one place: via[q] is the
// last transition of the run to q (-1: none), prev[q] the place before.
type silentPaths struct {
	from      int32
	via, prev []int32
	made      map[int32][]int32 // runs already spelt out
}

// to returns the run to q, nil when there is none. Runs spelt out are
// kept while the model's budget for them (kept) lasts.
func (sp *silentPaths) to(q int32, kept *int) []int32 {
	if q == sp.from || sp.via[q] < 0 {
		return nil
	}
	if path, ok := sp.made[q]; ok {
		return path
	}
	var path []int32
	for p := q; p != sp.from; p = sp.prev[p] {
		path = append(path, sp.via[p])
	}
	slices.Reverse(path)
	if *kept+len(path) <= maxKeptPath {
		*kept += len(path)
		if sp.made == nil {
			sp.made = map[int32][]int32{}
		}
		sp.made[q] = path
	}
	return path
}

// maxKeptPath bounds the transitions of the runs kept spelt out, over a
// whole model (4 bytes each).
const maxKeptPath = 4 << 20

func (m *model) findWaiting() {
	m.waiting = make([][]int32, m.places)
	out := make([][]int32, m.places) // place -> transitions it feeds
	for t, ps := range m.pre {
		for _, p := range ps {
			out[p] = append(out[p], int32(t))
		}
	}
	for p := range m.places {
		seen := map[int32]bool{}
		var walk func(q int32)
		walk = func(q int32) {
			for _, t := range out[q] {
				if seen[t] {
					continue
				}
				seen[t] = true
				if m.label[t] != "" {
					m.waiting[p] = append(m.waiting[p], t)
					continue
				}
				for _, r := range m.post[t] {
					walk(r)
				}
			}
		}
		walk(int32(p))
		slices.Sort(m.waiting[p])
	}
}

func hasRepeat(ps []int32) bool {
	for i, p := range ps {
		if slices.Contains(ps[i+1:], p) {
			return true
		}
	}
	return false
}

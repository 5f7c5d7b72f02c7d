package ocel

import (
	"slices"
	"strings"
)

// Graph is what a process keeps of the object-centric log a version was
// flattened from: per object type its objects, their lifetimes, the edges
// of its directly-follows graph with their times, and its start and end
// activities, and the activities across types; names, counts and times
// in aggregate, no object or event. Names are values (not keys), so
// that erasure, which rewrites values, reaches every one.
//
// Each figure also says how many cases (objects of the type the version
// is flattened on, which its reports count) its events involve, and how
// much the case with the most takes of it: an event touching one order
// and its twelve items is thirteen objects but one case, and disclosure
// control decides on cases (disclosure.Guard.ObjectCentric).
type Graph struct {
	// FlattenedOn is the object type whose objects are the version's
	// cases.
	FlattenedOn string          `json:"flattened_on"`
	Types       []TypeGraph     `json:"types"`
	Activities  []ActivityGraph `json:"activities"`
}

// TypeGraph is one object type's part of a Graph.
type TypeGraph struct {
	Name    string `json:"name"`
	Objects int    `json:"objects"`
	// Events counts the relations of events to objects of the type.
	Events int    `json:"events"`
	Edges  []Edge `json:"edges"`
	// Lifetime is the time from an object's first event to its last:
	// its mean and median over the type's objects with events.
	LifetimeMeanSeconds   *float64     `json:"lifetime_mean_seconds,omitempty"`
	LifetimeMedianSeconds *float64     `json:"lifetime_median_seconds,omitempty"`
	Starts                []NamedCount `json:"start"`
	Ends                  []NamedCount `json:"end"`
	// Cases counts the cases its objects' events involve; MaxCaseObjects
	// the most of its objects one case's events involve.
	Cases          int `json:"cases,omitempty"`
	MaxCaseObjects int `json:"max_case_objects,omitempty"`
}

// NamedCount is an activity and the objects of a type it starts or ends.
type NamedCount struct {
	Activity string `json:"activity"`
	Objects  int    `json:"objects"`
	Cases    int    `json:"cases,omitempty"`
}

// ActivityGraph is an activity of a Graph with its counts.
type ActivityGraph struct {
	Name string `json:"name"`
	ActivityCount
	Cases int `json:"cases,omitempty"`
}

// Graph is the object-centric graph of l as a process keeps it, flattened
// on the object type t.
func (l *Log) Graph(t string) Graph {
	dfg := l.DirectlyFollows()
	sum := l.Summarize()
	out := Graph{FlattenedOn: t}
	// casesOf are the cases (objects of type t) an event involves.
	casesOf := func(e int32) []int32 {
		var out []int32
		for _, r := range l.Events[e].Objects {
			if l.Objects[r.Object].Type == t && !slices.Contains(out, r.Object) {
				out = append(out, r.Object)
			}
		}
		return out
	}
	type set = map[int32]int // case → how much of the figure is its
	add := func(s set, e int32, n int) {
		for _, c := range casesOf(e) {
			s[c] += n
		}
	}
	for _, name := range l.TypesWithObjects() {
		tg := TypeGraph{Name: name, Objects: sum.ObjectsPerType[name], Events: sum.E2OPerType[name], Edges: slices.Clone(dfg.Edges[name])}
		_, events := l.timeline(name)
		lifetimes := make([]float64, 0, len(events))
		typeCases := set{}
		edgeCases := map[[2]string]set{}
		seenCouple := map[[2]int32]bool{}
		ends := [2]map[string]set{{}, {}}
		for _, evs := range events {
			lifetimes = append(lifetimes, float64(l.Events[evs[len(evs)-1]].Time-l.Events[evs[0]].Time)/1e9)
			// The object counts once in each case its events involve.
			involved := set{}
			for _, e := range evs {
				add(involved, e, 1)
			}
			for c := range involved {
				typeCases[c]++
			}
			for i, e := range []int32{evs[0], evs[len(evs)-1]} {
				a := l.Events[e].Type
				if ends[i][a] == nil {
					ends[i][a] = set{}
				}
				add(ends[i][a], e, 1)
			}
			for i := 1; i < len(evs); i++ {
				pair := [2]int32{evs[i-1], evs[i]}
				if seenCouple[pair] {
					continue // a couple counts once, whatever its objects
				}
				seenCouple[pair] = true
				key := [2]string{l.Events[pair[0]].Type, l.Events[pair[1]].Type}
				if edgeCases[key] == nil {
					edgeCases[key] = set{}
				}
				both := set{}
				add(both, pair[0], 1)
				add(both, pair[1], 1)
				for c := range both {
					edgeCases[key][c]++
				}
			}
		}
		tg.LifetimeMeanSeconds, tg.LifetimeMedianSeconds = meanMedian(lifetimes)
		tg.Cases, tg.MaxCaseObjects = len(typeCases), maxOf(typeCases)
		for i := range tg.Edges {
			e := &tg.Edges[i]
			cs := edgeCases[[2]string{e.From, e.To}]
			e.Cases, e.MaxCaseCouples = len(cs), maxOf(cs)
		}
		for i, m := range []struct {
			from map[string]int
			to   *[]NamedCount
		}{{dfg.Start[name], &tg.Starts}, {dfg.End[name], &tg.Ends}} {
			for a, n := range m.from {
				*m.to = append(*m.to, NamedCount{Activity: a, Objects: n, Cases: len(ends[i][a])})
			}
			slices.SortFunc(*m.to, func(a, b NamedCount) int { return strings.Compare(a.Activity, b.Activity) })
		}
		out.Types = append(out.Types, tg)
	}
	actCases := map[string]set{}
	for i, e := range l.Events {
		if actCases[e.Type] == nil {
			actCases[e.Type] = set{}
		}
		add(actCases[e.Type], int32(i), 1)
	}
	for a, c := range dfg.Activities {
		out.Activities = append(out.Activities, ActivityGraph{Name: a, ActivityCount: c, Cases: len(actCases[a])})
	}
	slices.SortFunc(out.Activities, func(a, b ActivityGraph) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// maxOf is the largest value of s (0 for none).
func maxOf[K comparable](s map[K]int) int {
	m := 0
	for _, n := range s {
		m = max(m, n)
	}
	return m
}

// DFG is the graph as DirectlyFollows gives it, to draw (WriteDOT).
func (g Graph) DFG() OCDFG {
	out := OCDFG{Edges: map[string][]Edge{}, Start: map[string]map[string]int{}, End: map[string]map[string]int{}, Activities: map[string]ActivityCount{}}
	for _, t := range g.Types {
		if len(t.Edges) > 0 {
			out.Edges[t.Name] = t.Edges
		}
		out.Start[t.Name], out.End[t.Name] = map[string]int{}, map[string]int{}
		for _, s := range t.Starts {
			out.Start[t.Name][s.Activity] = s.Objects
		}
		for _, e := range t.Ends {
			out.End[t.Name][e.Activity] = e.Objects
		}
	}
	for _, a := range g.Activities {
		out.Activities[a.Name] = a.ActivityCount
	}
	return out
}

// TookPart is the objects, by type, that events of the activity touched,
// each once, in the order they were first touched; a type with none is
// left out. An empty activity is refused by the caller.
func (l *Log) TookPart(activity string) map[string][]string {
	out := map[string][]string{}
	seen := make([]bool, len(l.Objects))
	for _, e := range l.Events {
		if e.Type != activity {
			continue
		}
		for _, r := range e.Objects {
			if seen[r.Object] {
				continue
			}
			seen[r.Object] = true
			o := l.Objects[r.Object]
			out[o.Type] = append(out[o.Type], o.ID)
		}
	}
	return out
}

package ocel

import (
	"slices"
	"strings"
)

// Graph is what a process keeps of the object-centric log a version was
// flattened from: per object type its objects, the edges of its
// directly-follows graph and its start and end activities, and the
// activities across types; counts and names only, no object, event or
// time. Names are values (not keys), so that erasure, which rewrites
// values, reaches every one.
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
}

// NamedCount is an activity and the objects of a type it starts or ends.
type NamedCount struct {
	Activity string `json:"activity"`
	Objects  int    `json:"objects"`
}

// ActivityGraph is an activity of a Graph with its counts.
type ActivityGraph struct {
	Name string `json:"name"`
	ActivityCount
}

// Graph is the object-centric graph of l as a process keeps it, flattened
// on the object type t.
func (l *Log) Graph(t string) Graph {
	dfg := l.DirectlyFollows()
	sum := l.Summarize()
	out := Graph{FlattenedOn: t}
	for _, name := range l.TypesWithObjects() {
		tg := TypeGraph{Name: name, Objects: sum.ObjectsPerType[name], Events: sum.E2OPerType[name], Edges: dfg.Edges[name]}
		_, events := l.timeline(name)
		lifetimes := make([]float64, 0, len(events))
		for _, evs := range events {
			lifetimes = append(lifetimes, float64(l.Events[evs[len(evs)-1]].Time-l.Events[evs[0]].Time)/1e9)
		}
		tg.LifetimeMeanSeconds, tg.LifetimeMedianSeconds = meanMedian(lifetimes)
		for _, m := range []struct {
			from map[string]int
			to   *[]NamedCount
		}{{dfg.Start[name], &tg.Starts}, {dfg.End[name], &tg.Ends}} {
			for a, n := range m.from {
				*m.to = append(*m.to, NamedCount{Activity: a, Objects: n})
			}
			slices.SortFunc(*m.to, func(a, b NamedCount) int { return strings.Compare(a.Activity, b.Activity) })
		}
		out.Types = append(out.Types, tg)
	}
	for a, c := range dfg.Activities {
		out.Activities = append(out.Activities, ActivityGraph{Name: a, ActivityCount: c})
	}
	slices.SortFunc(out.Activities, func(a, b ActivityGraph) int { return strings.Compare(a.Name, b.Name) })
	return out
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

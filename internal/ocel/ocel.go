// Package ocel reads object-centric event logs (OCEL 2.0 in JSON, XML and
// SQLite; OCEL 1.0 in JSON), summarises them, flattens them into one
// ordinary log per object type (one case per object), and computes their
// object-centric directly-follows graph, as PM4Py does.
package ocel

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// Log is an object-centric event log.
type Log struct {
	// ObjectTypes and EventTypes are the declared types, in the file's
	// order, with their attributes.
	ObjectTypes, EventTypes []Type
	Events                  []Event
	Objects                 []Object
	// Version is "2.0" or "1.0".
	Version string
}

// Type is an object or event type and the attributes it declares.
type Type struct {
	Name  string
	Attrs []AttrDecl
}

// AttrDecl declares an attribute: its name and its kind.
type AttrDecl struct {
	Name string
	Kind eventlog.Kind
}

// Event is one event: its type (the activity), time and the objects it
// touched.
type Event struct {
	ID, Type string
	Time     int64 // Unix nanoseconds
	Attrs    []eventlog.Attr
	Objects  []Relation
}

// Relation links to an object (an index into Log.Objects), with the
// relation's qualifier ("" when it has none).
type Relation struct {
	Object    int32
	Qualifier string
}

// Object is one object: its type, its attribute values over time and the
// objects it relates to.
type Object struct {
	ID, Type string
	Attrs    []ObjectAttr
	Objects  []Relation
}

// ObjectAttr is an object's attribute value from a time on.
type ObjectAttr struct {
	Name  string
	Time  int64
	Value eventlog.Value
}

// kindOf reads an OCEL attribute type.
func kindOf(t string) (eventlog.Kind, bool) {
	switch t {
	case "string":
		return eventlog.KindString, true
	case "integer", "int":
		return eventlog.KindInt, true
	case "float", "double":
		return eventlog.KindFloat, true
	case "boolean":
		return eventlog.KindBool, true
	case "time", "date":
		return eventlog.KindDate, true
	}
	return 0, false
}

// Summary is what a log holds, counted.
type Summary struct {
	Events, Objects int
	// ObjectTypes and EventTypes count the types that have objects and
	// events (a log may declare more).
	ObjectTypes, EventTypes int
	ObjectsPerType          map[string]int
	EventsPerType           map[string]int
	// E2O counts event-to-object relations, E2OPerType by the object's
	// type; O2O object-to-object relations.
	E2O        int
	E2OPerType map[string]int
	O2O        int
	// ObjectsWithoutEvents are the objects no event touched.
	ObjectsWithoutEvents int
	First, Last          int64
}

// Summarize counts what l holds.
func (l *Log) Summarize() Summary {
	s := Summary{Events: len(l.Events), Objects: len(l.Objects), ObjectsPerType: map[string]int{}, EventsPerType: map[string]int{}, E2OPerType: map[string]int{}}
	touched := make([]bool, len(l.Objects))
	for i, e := range l.Events {
		s.EventsPerType[e.Type]++
		for _, r := range e.Objects {
			s.E2O++
			s.E2OPerType[l.Objects[r.Object].Type]++
			touched[r.Object] = true
		}
		if i == 0 || e.Time < s.First {
			s.First = e.Time
		}
		if i == 0 || e.Time > s.Last {
			s.Last = e.Time
		}
	}
	for i, o := range l.Objects {
		s.ObjectsPerType[o.Type]++
		s.O2O += len(o.Objects)
		if !touched[i] {
			s.ObjectsWithoutEvents++
		}
	}
	s.ObjectTypes, s.EventTypes = len(s.ObjectsPerType), len(s.EventsPerType)
	return s
}

// TypesWithObjects are the object types that have objects, sorted.
func (l *Log) TypesWithObjects() []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range l.Objects {
		if !seen[o.Type] {
			seen[o.Type] = true
			out = append(out, o.Type)
		}
	}
	sort.Strings(out)
	return out
}

// timeline is the events of each object of type t, in time order (file
// order among equal times), objects in the order of their first event.
func (l *Log) timeline(t string) (objects []int32, events [][]int32) {
	at := map[int32]int{}
	for i, e := range l.Events {
		for _, r := range e.Objects {
			if l.Objects[r.Object].Type != t {
				continue
			}
			k, ok := at[r.Object]
			if ok && events[k][len(events[k])-1] == int32(i) {
				continue // an event related twice to one object counts once
			}
			if !ok {
				k = len(objects)
				at[r.Object] = k
				objects = append(objects, r.Object)
				events = append(events, nil)
			}
			events[k] = append(events[k], int32(i))
		}
	}
	for _, evs := range events {
		slices.SortStableFunc(evs, func(a, b int32) int {
			switch ta, tb := l.Events[a].Time, l.Events[b].Time; {
			case ta < tb:
				return -1
			case ta > tb:
				return 1
			}
			return 0
		})
	}
	return objects, events
}

// Flatten is the log of object type t: one case per object of the type
// that an event touched (its id the case id), with the events that
// touched it in time order (PM4Py's ocel_flattening). The events keep
// their attributes and their id (ocel:eid); the object's attributes, at
// their first value, are the case's. An event touching many objects is in
// each of their cases, so the flattened log is held within budget as any
// log being read is.
func (l *Log) Flatten(t string, budget eventlog.Budget) (*eventlog.Log, error) {
	objects, events := l.timeline(t)
	if len(objects) == 0 {
		types := l.TypesWithObjects()
		if !slices.Contains(types, t) {
			return nil, fmt.Errorf("no object type %q (types with objects: %s)", t, Listed(types))
		}
		return nil, fmt.Errorf("no event touches an object of type %q", t)
	}
	b := eventlog.NewBuilder()
	b.SetBudget("object type "+t, budget)
	lg := b.Log()
	for k, o := range objects {
		obj := &l.Objects[o]
		c := b.NewCase(obj.ID)
		for _, a := range firstValues(obj.Attrs) {
			b.CaseAttr(c, a)
		}
		for _, ei := range events[k] {
			ev := &l.Events[ei]
			e := b.Event(c, lg.Activities.ID(ev.Type), ev.Time, eventlog.None, eventlog.None)
			b.EventAttr(e, eventlog.Attr{Key: "ocel:eid", Value: eventlog.StringValue(ev.ID)})
			for _, a := range ev.Attrs {
				b.EventAttr(e, a)
			}
			if err := b.Err(0); err != nil {
				return nil, err
			}
		}
	}
	return b.Finish(), nil
}

// Listed writes names for a message, at most twenty of them.
func Listed(names []string) string {
	if len(names) > 20 {
		return strings.Join(names[:20], ", ") + fmt.Sprintf(" and %d more", len(names)-20)
	}
	return strings.Join(names, ", ")
}

// firstValues are an object's attributes at their earliest values, in the
// order the attributes first appear.
func firstValues(attrs []ObjectAttr) []eventlog.Attr {
	at := map[string]int{}
	var out []eventlog.Attr
	var times []int64
	for _, a := range attrs {
		i, seen := at[a.Name]
		if !seen {
			at[a.Name] = len(out)
			out = append(out, eventlog.Attr{Key: a.Name, Value: a.Value})
			times = append(times, a.Time)
			continue
		}
		if a.Time < times[i] {
			out[i].Value, times[i] = a.Value, a.Time
		}
	}
	return out
}

// Edge is an edge of the object-centric directly-follows graph of one
// object type, counted as PM4Py counts it.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	// EventCouples is the distinct pairs of events that directly follow
	// each other for some object; UniqueObjects the objects for which
	// they do; TotalObjects the (pair, object) combinations.
	EventCouples  int `json:"event_couples"`
	UniqueObjects int `json:"unique_objects"`
	TotalObjects  int `json:"total_objects"`
	// MeanSeconds and MedianSeconds are the time from the first event to
	// the second of the edge's event couples (its performance).
	MeanSeconds   *float64 `json:"mean_seconds,omitempty"`
	MedianSeconds *float64 `json:"median_seconds,omitempty"`
	// Cases counts the cases (objects of the type a log is flattened
	// on) the couples' events involve, MaxCaseCouples the most couples
	// one case takes part in (ocel.Log.Graph; 0 in DirectlyFollows).
	Cases          int `json:"cases,omitempty"`
	MaxCaseCouples int `json:"max_case_couples,omitempty"`
}

// ActivityCount is an activity of the object-centric directly-follows
// graph: its events, the distinct objects they touch, and the (event,
// object) relations.
type ActivityCount struct {
	Events        int `json:"events"`
	UniqueObjects int `json:"unique_objects"`
	TotalObjects  int `json:"total_objects"`
}

// OCDFG is the object-centric directly-follows graph: per object type its
// edges, start and end activities (counted in objects), and the
// activities counted across types.
type OCDFG struct {
	Edges      map[string][]Edge
	Start, End map[string]map[string]int
	Activities map[string]ActivityCount
}

// meanMedian is the mean and median of xs (nil for none); it sorts xs.
func meanMedian(xs []float64) (*float64, *float64) {
	if len(xs) == 0 {
		return nil, nil
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean, median := sum/float64(len(xs)), xs[len(xs)/2]
	if len(xs)%2 == 0 {
		median = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return &mean, &median
}

// DirectlyFollows computes the object-centric directly-follows graph
// (PM4Py's discover_ocdfg).
func (l *Log) DirectlyFollows() OCDFG {
	g := OCDFG{Edges: map[string][]Edge{}, Start: map[string]map[string]int{}, End: map[string]map[string]int{}, Activities: map[string]ActivityCount{}}
	for _, t := range l.TypesWithObjects() {
		objects, events := l.timeline(t)
		type key struct{ from, to string }
		couples := map[key]map[[2]int32]bool{}
		var waits map[key][]float64 // per edge, each event couple's time, once
		objs := map[key]map[int32]bool{}
		total := map[key]int{}
		start, end := map[string]int{}, map[string]int{}
		for k, evs := range events {
			if len(evs) == 0 {
				continue
			}
			start[l.Events[evs[0]].Type]++
			end[l.Events[evs[len(evs)-1]].Type]++
			for i := 1; i < len(evs); i++ {
				kk := key{l.Events[evs[i-1]].Type, l.Events[evs[i]].Type}
				if couples[kk] == nil {
					couples[kk], objs[kk] = map[[2]int32]bool{}, map[int32]bool{}
				}
				pair := [2]int32{evs[i-1], evs[i]}
				if !couples[kk][pair] {
					if waits == nil {
						waits = map[key][]float64{}
					}
					waits[kk] = append(waits[kk], float64(l.Events[evs[i]].Time-l.Events[evs[i-1]].Time)/1e9)
				}
				couples[kk][pair] = true
				objs[kk][objects[k]] = true
				total[kk]++
			}
		}
		var edges []Edge
		for kk, c := range couples {
			e := Edge{From: kk.from, To: kk.to, EventCouples: len(c), UniqueObjects: len(objs[kk]), TotalObjects: total[kk]}
			e.MeanSeconds, e.MedianSeconds = meanMedian(waits[kk])
			edges = append(edges, e)
		}
		sort.Slice(edges, func(i, j int) bool {
			if edges[i].From != edges[j].From {
				return edges[i].From < edges[j].From
			}
			return edges[i].To < edges[j].To
		})
		if len(edges) > 0 {
			g.Edges[t] = edges
		}
		g.Start[t], g.End[t] = start, end
	}
	type eo struct {
		events, total int
		objects       map[int32]bool
	}
	acts := map[string]*eo{}
	// last is the last event that touched each object: an event related
	// twice to one object counts once.
	last := make([]int, len(l.Objects))
	for i := range last {
		last[i] = -1
	}
	for i, e := range l.Events {
		a := acts[e.Type]
		if a == nil {
			a = &eo{objects: map[int32]bool{}}
			acts[e.Type] = a
		}
		a.events++
		for _, r := range e.Objects {
			if last[r.Object] != i {
				last[r.Object] = i
				a.objects[r.Object] = true
				a.total++
			}
		}
	}
	for name, a := range acts {
		g.Activities[name] = ActivityCount{Events: a.events, UniqueObjects: len(a.objects), TotalObjects: a.total}
	}
	return g
}

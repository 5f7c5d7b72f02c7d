package eventlog

import "fmt"

// Dict interns names (activities, resources, lifecycle transitions) so that
// columns hold small integer ids.
type Dict struct {
	names []string
	ids   map[string]int32
}

// NewDict returns an empty dictionary.
func NewDict() *Dict { return &Dict{ids: map[string]int32{}} }

// ID returns the id of name, adding it when new.
func (d *Dict) ID(name string) int32 {
	if id, ok := d.ids[name]; ok {
		return id
	}
	id := int32(len(d.names))
	d.names = append(d.names, name)
	d.ids[name] = id
	return id
}

// IDBytes is ID for a byte slice; it allocates only for a new name.
func (d *Dict) IDBytes(name []byte) int32 {
	if id, ok := d.ids[string(name)]; ok {
		return id
	}
	return d.ID(string(name))
}

// Lookup returns the id of name without adding it.
func (d *Dict) Lookup(name string) (int32, bool) {
	id, ok := d.ids[name]
	return id, ok
}

// Name returns the name of id.
func (d *Dict) Name(id int32) string { return d.names[id] }

// Len is the number of names.
func (d *Dict) Len() int { return len(d.names) }

// Names returns all names, indexed by id. The result must not be modified.
func (d *Dict) Names() []string { return d.names }

// None is the id stored where an event has no resource or lifecycle.
const None int32 = -1

// Meta is what an XES file says about the log as a whole; procmine keeps it
// so that a converted log says the same.
type Meta struct {
	Attrs       []Attr
	Extensions  []Extension
	Globals     []Global
	Classifiers []Classifier
}

// Extension declares an XES extension.
type Extension struct{ Name, Prefix, URI string }

// Global gives default attribute values for traces or events.
type Global struct {
	Scope string
	Attrs []Attr
}

// Classifier names a set of attribute keys that identify an activity.
type Classifier struct{ Name, Keys string }

// Log is an event log stored by column. Events of case c are the indexes
// CaseOffsets[c] to CaseOffsets[c+1]-1, in time order.
type Log struct {
	Activities *Dict
	Resources  *Dict
	Lifecycles *Dict

	CaseIDs     []string
	CaseOffsets []int32
	CaseAttrs   AttrTable

	Act []int32 // activity id per event
	// End is the event's timestamp (time:timestamp); NoTime when the log is
	// untimed. Start is the start of the activity instance: the same slice as
	// End unless the source had separate start times.
	Start, End []int64
	Res        []int32 // resource id per event, or None
	Life       []int32 // lifecycle transition id per event, or None; nil in an instance view
	// Offsets is the UTC offset, in minutes, at which the source wrote
	// each event's timestamp ("+02:00" is 120), so that a log written
	// again says its times as its source did; nil when every time was
	// in UTC or had no zone, and in an instance view. Times themselves
	// are always UTC instants.
	Offsets []int16

	EventAttrs AttrTable
	Meta       Meta

	// Timed reports whether every event has a timestamp. An untimed log keeps
	// events in file order and has no durations.
	Timed bool
	// Merged reports whether this is the activity-instance view (Instances).
	Merged bool
	// Warnings says what the importer had to decide on the user's behalf.
	Warnings []string
}

// NumCases is the number of cases.
func (l *Log) NumCases() int { return len(l.CaseIDs) }

// NumEvents is the number of events.
func (l *Log) NumEvents() int { return len(l.Act) }

// Events returns the event index range [lo, hi) of case c.
func (l *Log) Events(c int) (lo, hi int) {
	return int(l.CaseOffsets[c]), int(l.CaseOffsets[c+1])
}

// HasStarts reports whether events carry start times of their own.
func (l *Log) HasStarts() bool {
	return len(l.Start) > 0 && &l.Start[0] != &l.End[0]
}

// ActivityName returns the activity name of event e.
func (l *Log) ActivityName(e int) string { return l.Activities.Name(l.Act[e]) }

// ResourceName returns the resource of event e, or "".
func (l *Log) ResourceName(e int) string {
	if l.Res[e] == None {
		return ""
	}
	return l.Resources.Name(l.Res[e])
}

// Offset returns the UTC offset in minutes event e's timestamp was
// written at (0 for UTC).
func (l *Log) Offset(e int) int16 {
	if l.Offsets == nil {
		return 0
	}
	return l.Offsets[e]
}

// LifecycleName returns the lifecycle transition of event e, or "".
func (l *Log) LifecycleName(e int) string {
	if l.Life == nil || l.Life[e] == None {
		return ""
	}
	return l.Lifecycles.Name(l.Life[e])
}

// CaseDuration returns the duration of case c in nanoseconds: the last end
// minus the first start.
func (l *Log) CaseDuration(c int) int64 {
	lo, hi := l.Events(c)
	if lo == hi {
		return 0
	}
	first, last := l.Start[lo], l.End[lo]
	for e := lo; e < hi; e++ {
		if l.Start[e] < first {
			first = l.Start[e]
		}
		if l.End[e] > last {
			last = l.End[e]
		}
	}
	return last - first
}

// Raw returns the log with every event reduced to its own timestamp, as
// PM4Py sees it: explicit start times are dropped from the view (they stay
// in l, so a conversion still writes them).
func (l *Log) Raw() *Log {
	if !l.HasStarts() {
		return l
	}
	out := *l
	out.Start = out.End
	return &out
}

// SelectCases returns a log with only the given cases, in that order. The
// dictionaries and metadata are shared with l.
func (l *Log) SelectCases(cases []int32) *Log {
	n := 0
	for _, c := range cases {
		lo, hi := l.Events(int(c))
		n += hi - lo
	}
	keep := make([]int32, 0, n)
	offsets := make([]int32, 1, len(cases)+1)
	for _, c := range cases {
		lo, hi := l.Events(int(c))
		for e := lo; e < hi; e++ {
			keep = append(keep, int32(e))
		}
		offsets = append(offsets, int32(len(keep)))
	}
	return l.project(cases, offsets, keep)
}

// SelectEvents returns a log with only the events for which keep is true;
// cases left without events are dropped.
func (l *Log) SelectEvents(keep func(e int) bool) *Log {
	var cases []int32
	events := make([]int32, 0, len(l.Act))
	offsets := []int32{0}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		before := len(events)
		for e := lo; e < hi; e++ {
			if keep(e) {
				events = append(events, int32(e))
			}
		}
		if len(events) > before {
			cases = append(cases, int32(c))
			offsets = append(offsets, int32(len(events)))
		}
	}
	return l.project(cases, offsets, events)
}

// project builds a log from chosen cases and events (events grouped by case
// and in the order they should stand).
func (l *Log) project(cases, offsets, events []int32) *Log {
	out := *l
	out.CaseIDs, out.CaseAttrs = l.selectCases(cases)
	out.CaseOffsets = offsets
	out.Act = make([]int32, len(events))
	out.End = make([]int64, len(events))
	out.Res = make([]int32, len(events))
	if l.Life != nil {
		out.Life = make([]int32, len(events))
	}
	if l.Offsets != nil {
		out.Offsets = make([]int16, len(events))
	}
	if l.HasStarts() {
		out.Start = make([]int64, len(events))
	} else {
		out.Start = out.End
	}
	for i, e := range events {
		out.Act[i] = l.Act[e]
		out.End[i] = l.End[e]
		out.Res[i] = l.Res[e]
		if out.Life != nil {
			out.Life[i] = l.Life[e]
		}
		if out.Offsets != nil {
			out.Offsets[i] = l.Offsets[e]
		}
		if l.HasStarts() {
			out.Start[i] = l.Start[e]
		}
	}
	out.EventAttrs = l.selectEventAttrs(events)
	return &out
}

// selectCases gives the ids and attributes of the chosen cases, case i
// of the result being case cases[i].
func (l *Log) selectCases(cases []int32) ([]string, AttrTable) {
	ids := make([]string, len(cases))
	caseNew := make([]int32, len(l.CaseIDs))
	for i := range caseNew {
		caseNew[i] = -1
	}
	for i, c := range cases {
		ids[i] = l.CaseIDs[c]
		caseNew[c] = int32(i)
	}
	return ids, l.CaseAttrs.remap(func(c int32) int32 { return caseNew[c] }, len(cases))
}

// selectEventAttrs gives the attributes of the chosen events, event i of
// the result being event events[i].
func (l *Log) selectEventAttrs(events []int32) AttrTable {
	if l.EventAttrs.Len() == 0 {
		return AttrTable{}
	}
	evNew := make([]int32, len(l.Act))
	for i := range evNew {
		evNew[i] = -1
	}
	for i, e := range events {
		evNew[e] = int32(i)
	}
	return l.EventAttrs.remap(func(e int32) int32 { return evNew[e] }, len(events))
}

// Validate checks the invariants the analyses rely on. Importers call it
// in tests; a failure is a bug in procmine, not in the input.
func (l *Log) Validate() error {
	n := len(l.Act)
	if len(l.End) != n || len(l.Start) != n || len(l.Res) != n || (l.Life != nil && len(l.Life) != n) || (l.Offsets != nil && len(l.Offsets) != n) {
		return fmt.Errorf("eventlog: column lengths differ")
	}
	if len(l.CaseOffsets) != len(l.CaseIDs)+1 || l.CaseOffsets[0] != 0 || int(l.CaseOffsets[len(l.CaseIDs)]) != n {
		return fmt.Errorf("eventlog: bad case offsets")
	}
	// Every id names an entry of its dictionary (or None where allowed),
	// and attributes belong to cases and events that exist, in order.
	ids := func(col []int32, d *Dict, none bool) bool {
		for _, id := range col {
			if id >= int32(d.Len()) || id < 0 && !(none && id == None) {
				return false
			}
		}
		return true
	}
	if !ids(l.Act, l.Activities, false) || !ids(l.Res, l.Resources, true) || l.Life != nil && !ids(l.Life, l.Lifecycles, true) {
		return fmt.Errorf("eventlog: an id outside its dictionary")
	}
	if !l.CaseAttrs.ownedWithin(len(l.CaseIDs)) || !l.EventAttrs.ownedWithin(n) {
		return fmt.Errorf("eventlog: attributes of no case or event")
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		if hi <= lo {
			return fmt.Errorf("eventlog: case %q has no events", l.CaseIDs[c])
		}
		if !l.Timed {
			continue
		}
		key := l.End
		if l.Merged {
			key = l.Start
		}
		for e := lo + 1; e < hi; e++ {
			if key[e] < key[e-1] {
				return fmt.Errorf("eventlog: case %q is out of time order", l.CaseIDs[c])
			}
		}
	}
	return nil
}

package eventlog

import "slices"

// Append returns a log of the cases and events of old followed by those of
// add, as if one file held old's events and then add's: a case of add
// whose id old has continues that case (its events join old's, in time
// order, and old's case attributes stay), and every other case of add
// comes after old's, in add's order. An incremental refresh appends the
// rows read since the last one to the version it made, without reading
// the old rows again. Neither log is changed; old's metadata is kept.
func Append(old, add *Log) *Log { return AppendAll(old, add) }

// AppendAll is Append of several logs, in order, in one pass: the logs
// of a folder's files, read one by one. The first log's metadata is
// kept. It needs at least one log.
func AppendAll(logs ...*Log) *Log {
	b := NewBuilder()
	events, eventAttrs, caseAttrs := 0, 0, 0
	for _, l := range logs {
		events, eventAttrs, caseAttrs = events+l.NumEvents(), eventAttrs+l.EventAttrs.Len(), caseAttrs+l.CaseAttrs.Len()
	}
	b.Grow(events)
	// The attribute tables sized once: a million events' attributes
	// appended one by one are copied at every doubling.
	b.log.EventAttrs.grow(eventAttrs)
	b.log.CaseAttrs.grow(caseAttrs)
	var warnings []string
	for _, l := range logs {
		l.appendTo(b)
		warnings = append(warnings, l.Warnings...)
	}
	out := b.Finish()
	out.Meta = logs[0].Meta
	for _, w := range warnings {
		if !slices.Contains(out.Warnings, w) {
			out.Warnings = append(out.Warnings, w)
		}
	}
	return out
}

// appendTo adds l's cases and events to b.
func (l *Log) appendTo(b *Builder) {
	to := b.Log()
	ids := func(from, into *Dict) []int32 {
		m := make([]int32, from.Len())
		for i, name := range from.Names() {
			m[i] = into.ID(name)
		}
		return m
	}
	acts, ress, lifes := ids(l.Activities, to.Activities), ids(l.Resources, to.Resources), ids(l.Lifecycles, to.Lifecycles)
	id := func(m []int32, v int32) int32 {
		if v == None {
			return None
		}
		return m[v]
	}
	starts := l.HasStarts()
	for c, caseID := range l.CaseIDs {
		ci, isNew := b.Case(caseID)
		if isNew {
			for _, a := range l.CaseAttrs.Of(int32(c)) {
				b.CaseAttr(ci, a)
			}
		}
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			life := None
			if l.Life != nil {
				life = id(lifes, l.Life[e])
			}
			ne := b.Event(ci, acts[l.Act[e]], l.End[e], id(ress, l.Res[e]), life)
			if starts && l.Start[e] != l.End[e] {
				b.SetStart(ne, l.Start[e])
			}
			if l.Offsets != nil {
				b.SetOffset(ne, l.Offsets[e])
			}
			for _, a := range l.EventAttrs.Of(int32(e)) {
				b.EventAttr(ne, a)
			}
		}
	}
}

package eventlog

import "slices"

// Append returns a log of the cases and events of old followed by those of
// add, as if one file held old's events and then add's: a case of add
// whose id old has continues that case (its events join old's, in time
// order, and old's case attributes stay), and every other case of add
// comes after old's, in add's order. An incremental refresh appends the
// rows read since the last one to the version it made, without reading
// the old rows again. Neither log is changed; old's metadata is kept.
func Append(old, add *Log) *Log {
	b := NewBuilder()
	b.Grow(old.NumEvents() + add.NumEvents())
	// The attribute tables sized once: a million events' attributes
	// appended one by one are copied at every doubling.
	b.log.EventAttrs.grow(old.EventAttrs.Len() + add.EventAttrs.Len())
	b.log.CaseAttrs.grow(old.CaseAttrs.Len() + add.CaseAttrs.Len())
	for _, l := range []*Log{old, add} {
		l.appendTo(b)
	}
	out := b.Finish()
	out.Meta = old.Meta
	for _, w := range slices.Concat(old.Warnings, add.Warnings) {
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

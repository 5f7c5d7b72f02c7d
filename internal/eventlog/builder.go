package eventlog

import (
	"fmt"
	"math"
	"slices"
)

// Builder assembles a Log from events arriving in file order. Events of one
// case need not be contiguous (CSV rows rarely are); Finish groups them by
// case, in order of each case's first appearance, and sorts each case by
// time, stably, so that events with equal timestamps keep their file order.
type Builder struct {
	log     *Log
	evCase  []int32
	caseIdx map[string]int32
	start   []int64 // explicit start times, allocated at the first one
	offsets []int16 // UTC offsets, allocated at the first that is not 0
	untimed int
	merged  int // cases merged into an earlier one of the same id

	// What the log holds so far, against its budget (see budget.go).
	file     string
	budget   Budget
	used     int64
	keys     map[string]struct{}
	dictSeen [3]int
	over     string // why the log is past its budget; "" while within
}

// NewBuilder returns an empty builder with no budget, for logs the program
// makes itself; a reader of files gives it one with SetBudget.
func NewBuilder() *Builder {
	return &Builder{
		log: &Log{
			Activities: NewDict(),
			Resources:  NewDict(),
			Lifecycles: NewDict(),
		},
		caseIdx: map[string]int32{},
		budget:  Budget{MaxMemory: math.MaxInt64, MaxKeys: math.MaxInt},
		keys:    map[string]struct{}{},
	}
}

// Grow reserves room for n more events.
func (b *Builder) Grow(n int) {
	l := b.log
	l.Act = slices.Grow(l.Act, n)
	l.End = slices.Grow(l.End, n)
	l.Res = slices.Grow(l.Res, n)
	l.Life = slices.Grow(l.Life, n)
	b.evCase = slices.Grow(b.evCase, n)
	if b.start != nil {
		b.start = slices.Grow(b.start, n)
	}
	if b.offsets != nil {
		b.offsets = slices.Grow(b.offsets, n)
	}
}

// Reserve makes room for n events in all, when there is less: a reader
// that can tell how many events a file holds sizes the columns once
// instead of doubling them as they fill (each doubling a copy, and memory
// the log does not keep).
func (b *Builder) Reserve(n int) {
	if k := len(b.log.Act); n > cap(b.log.Act) {
		b.Grow(n - k)
	}
}

// Log gives access to the dictionaries and metadata while building.
func (b *Builder) Log() *Log { return b.log }

// NewCase starts a case that is distinct from every other, whatever its id
// (an XES trace is a case of its own even when another has the same name).
func (b *Builder) NewCase(id string) int32 {
	b.Charge(costCase + int64(len(id)))
	c := int32(len(b.log.CaseIDs))
	b.log.CaseIDs = append(b.log.CaseIDs, id)
	return c
}

// NameCase gives case c, the case created last, its id. When an earlier
// case has that id, the events of c join it and c disappears: two XES
// traces with one name are one case, as they are for PM4Py and as rows with
// one case id are in a CSV file. It reports whether c was merged.
func (b *Builder) NameCase(c int32, id string) bool {
	if prev, ok := b.caseIdx[id]; ok && prev != c {
		for i := len(b.evCase) - 1; i >= 0 && b.evCase[i] == c; i-- {
			b.evCase[i] = prev
		}
		b.merged++
		return true
	}
	b.log.CaseIDs[c] = id
	b.caseIdx[id] = c
	return false
}

// Case returns the case with this id, creating it when new. The second
// result reports whether it was created.
func (b *Builder) Case(id string) (int32, bool) {
	if c, ok := b.caseIdx[id]; ok {
		return c, false
	}
	c := b.NewCase(id)
	b.caseIdx[id] = c
	return c, true
}

// CaseAttr adds an attribute to case c. Attributes must be added in
// ascending case order. Past the budget it keeps nothing.
func (b *Builder) CaseAttr(c int32, a Attr) {
	if b.attr(&a) {
		b.log.CaseAttrs.Add(c, a)
	}
}

// attr counts a against the budget and tells whether it is within.
func (b *Builder) attr(a *Attr) bool {
	b.Key(a.Key)
	b.Charge(AttrCost(a))
	return b.over == ""
}

// Event appends an event of case c and returns its index in arrival order.
// end is NoTime when the event has no timestamp.
func (b *Builder) Event(c, act int32, end int64, res, life int32) int32 {
	b.Charge(costEvent)
	l := b.log
	e := int32(len(l.Act))
	if len(l.Act) == cap(l.Act) {
		// Double at once: append's gentler growth for large slices costs
		// several copies of every column on a log of millions of events.
		b.Grow(max(len(l.Act), 1024))
	}
	l.Act = append(l.Act, act)
	l.End = append(l.End, end)
	l.Res = append(l.Res, res)
	l.Life = append(l.Life, life)
	b.evCase = append(b.evCase, c)
	if b.start != nil {
		b.start = append(b.start, end)
	}
	if b.offsets != nil {
		b.offsets = append(b.offsets, 0)
	}
	if end == NoTime {
		b.untimed++
	}
	return e
}

// SetStart gives event e a start time of its own.
func (b *Builder) SetStart(e int32, start int64) {
	if b.start == nil {
		b.start = make([]int64, len(b.log.End), cap(b.log.End))
		copy(b.start, b.log.End)
	}
	b.start[e] = start
}

// SetOffset records the UTC offset, in minutes, event e's timestamp was
// written at (see Log.Offsets).
func (b *Builder) SetOffset(e int32, minutes int16) {
	if minutes == 0 && b.offsets == nil {
		return
	}
	if b.offsets == nil {
		b.offsets = make([]int16, len(b.log.End), cap(b.log.End))
	}
	b.offsets[e] = minutes
}

// EventAttr adds an extra attribute to event e. Attributes must be added
// in ascending event order (the order Event returned the indexes in).
// Past the budget it keeps nothing.
func (b *Builder) EventAttr(e int32, a Attr) {
	if b.attr(&a) {
		b.log.EventAttrs.Add(e, a)
	}
}

// Finish orders the events and returns the log. The builder must not be
// used afterwards, nor Finish called once Err reports the log past its
// budget.
func (b *Builder) Finish() *Log {
	if b.over != "" {
		panic("eventlog: Finish of a log past its budget: " + b.over)
	}
	l := b.log
	n := len(l.Act)
	l.Timed = b.untimed == 0 && n > 0
	if b.untimed > 0 && b.untimed < n {
		l.Warnings = append(l.Warnings, fmt.Sprintf(
			"%d of %d events have no timestamp: events stay in file order and durations are unavailable", b.untimed, n))
	}
	if b.start != nil {
		l.Start = b.start
	} else {
		l.Start = l.End
	}
	if allNone(l.Life) {
		l.Life = nil
	}
	l.Offsets = b.offsets

	// Drop cases that ended up without events (an empty XES trace).
	counts := make([]int32, len(l.CaseIDs)+1)
	for _, c := range b.evCase {
		counts[c+1]++
	}
	caseNew := make([]int32, len(l.CaseIDs))
	var ids []string
	for c := range l.CaseIDs {
		if counts[c+1] == 0 {
			caseNew[c] = -1
			continue
		}
		caseNew[c] = int32(len(ids))
		ids = append(ids, l.CaseIDs[c])
	}
	if b.merged > 0 {
		l.Warnings = append(l.Warnings, fmt.Sprintf("%d traces repeat the name of an earlier trace: their events were merged into that case", b.merged))
	}
	if empty := len(l.CaseIDs) - len(ids) - b.merged; empty > 0 {
		l.Warnings = append(l.Warnings, fmt.Sprintf("%d cases without events were left out", empty))
	}
	if len(ids) < len(l.CaseIDs) {
		l.CaseAttrs = l.CaseAttrs.remap(func(c int32) int32 { return caseNew[c] }, len(ids))
		for i, c := range b.evCase {
			b.evCase[i] = caseNew[c]
		}
	}
	l.CaseIDs = ids
	l.CaseOffsets = make([]int32, len(ids)+1)
	for _, c := range b.evCase {
		l.CaseOffsets[c+1]++
	}
	for c := 1; c <= len(ids); c++ {
		l.CaseOffsets[c] += l.CaseOffsets[c-1]
	}

	// perm[new] = arrival index; nil while arrival order is already right.
	var perm []int32
	if !slices.IsSorted(b.evCase) {
		perm = make([]int32, n)
		next := slices.Clone(l.CaseOffsets[:len(ids)])
		for e, c := range b.evCase {
			perm[next[c]] = int32(e)
			next[c]++
		}
	}
	if l.Timed {
		key := func(e int32) int64 { return l.End[e] }
		for c := range ids {
			lo, hi := l.Events(c)
			sorted := true
			for i := lo + 1; i < hi && sorted; i++ {
				sorted = key(at(perm, i-1)) <= key(at(perm, i))
			}
			if sorted {
				continue
			}
			if perm == nil {
				perm = make([]int32, n)
				for i := range perm {
					perm[i] = int32(i)
				}
			}
			slices.SortStableFunc(perm[lo:hi], func(a, b int32) int {
				ka, kb := key(a), key(b)
				switch {
				case ka < kb:
					return -1
				case ka > kb:
					return 1
				}
				return 0
			})
		}
	}
	if perm != nil {
		applyPerm(l, perm)
	} else {
		trim(l)
	}
	b.evCase = nil
	l.CaseAttrs.trim()
	l.EventAttrs.trim()
	b.log = nil
	return l
}

// trim gives the columns back the slack that doubling left, so a loaded
// log holds what it needs and no more.
func trim(l *Log) {
	if cap(l.Act) <= len(l.Act)+len(l.Act)/16 {
		return
	}
	hasStart := l.HasStarts()
	l.Act = slices.Clone(l.Act)
	l.End = slices.Clone(l.End)
	l.Res = slices.Clone(l.Res)
	if l.Life != nil {
		l.Life = slices.Clone(l.Life)
	}
	if l.Offsets != nil {
		l.Offsets = slices.Clone(l.Offsets)
	}
	if hasStart {
		l.Start = slices.Clone(l.Start)
	} else {
		l.Start = l.End
	}
}

func at(perm []int32, i int) int32 {
	if perm == nil {
		return int32(i)
	}
	return perm[i]
}

func allNone(ids []int32) bool {
	for _, id := range ids {
		if id != None {
			return false
		}
	}
	return true
}

// applyPerm reorders the event columns so that new event i is old perm[i],
// in place: a log of millions of events is not held twice while it is
// loaded (issue 16 bounds the peak to twice what the log keeps).
func applyPerm(l *Log, perm []int32) {
	hasStart := l.HasStarts()
	done := make([]uint64, (len(perm)+63)/64)
	permute(l.Act, perm, done)
	permute(l.End, perm, done)
	permute(l.Res, perm, done)
	if l.Life != nil {
		permute(l.Life, perm, done)
	}
	if l.Offsets != nil {
		permute(l.Offsets, perm, done)
	}
	if hasStart {
		permute(l.Start, perm, done)
	} else {
		l.Start = l.End
	}
	if l.EventAttrs.Len() > 0 {
		inv := make([]int32, len(perm))
		for i, e := range perm {
			inv[e] = int32(i)
		}
		l.EventAttrs = l.EventAttrs.remap(func(e int32) int32 { return inv[e] }, len(perm))
	}
	trim(l)
}

// permute puts col[perm[i]] at i for every i, following the cycles of the
// permutation: each element moves once, and nothing but done, a bit per
// element, is allocated.
func permute[T any](col []T, perm []int32, done []uint64) {
	clear(done)
	for i := range perm {
		if done[i>>6]&(1<<(i&63)) != 0 {
			continue
		}
		first := col[i]
		j := i
		for {
			done[j>>6] |= 1 << (j & 63)
			k := int(perm[j])
			if k == i {
				col[j] = first
				break
			}
			col[j] = col[k]
			j = k
		}
	}
}

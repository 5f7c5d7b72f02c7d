package eventlog

import "unsafe"

// Resident is the memory the logs hold, in bytes: their columns,
// dictionaries, attribute tables and the text in them. What two of them
// share (a view shares most of the log it was made from) is counted
// once: arrays by their address, dictionaries by theirs. It is what a
// server's memory budget counts (TestResidentIsWhatTheHeapHolds compares
// it with the heap).
func Resident(logs ...*Log) int64 {
	m := meter{arrays: map[unsafe.Pointer]bool{}, dicts: map[*Dict]bool{}}
	for _, l := range logs {
		m.log(l)
	}
	return m.n
}

// meter adds up what it is shown, each array and dictionary once.
type meter struct {
	n      int64
	arrays map[unsafe.Pointer]bool
	dicts  map[*Dict]bool
}

// mapEntry is what a map of names to ids holds per name, beside the
// name's text: the key's header, the id and the table's control bytes
// and slack (Go's maps keep at most 7/8 of their slots full).
const mapEntry = 32

func (m *meter) log(l *Log) {
	if l == nil {
		return
	}
	m.n += int64(unsafe.Sizeof(*l))
	for _, d := range []*Dict{l.Activities, l.Resources, l.Lifecycles} {
		m.dict(d)
	}
	if array(m, l.CaseIDs) {
		m.strings(l.CaseIDs)
	}
	array(m, l.CaseOffsets)
	array(m, l.Act)
	array(m, l.Start)
	array(m, l.End)
	array(m, l.Res)
	array(m, l.Life)
	array(m, l.Offsets)
	m.table(&l.CaseAttrs)
	m.table(&l.EventAttrs)
	m.meta(&l.Meta)
	if array(m, l.Warnings) {
		m.strings(l.Warnings)
	}
}

// meta counts what the file said of the log as a whole: an XES file may
// give it as much as its events (globals of thousands of attributes).
func (m *meter) meta(md *Meta) {
	m.attrs(md.Attrs)
	if array(m, md.Extensions) {
		for _, e := range md.Extensions {
			m.text(e.Name)
			m.text(e.Prefix)
			m.text(e.URI)
		}
	}
	if array(m, md.Globals) {
		for _, g := range md.Globals {
			m.text(g.Scope)
			m.attrs(g.Attrs)
		}
	}
	if array(m, md.Classifiers) {
		for _, c := range md.Classifiers {
			m.text(c.Name)
			m.text(c.Keys)
		}
	}
}

func (m *meter) dict(d *Dict) {
	if d == nil || m.dicts[d] {
		return
	}
	m.dicts[d] = true
	if array(m, d.names) {
		m.strings(d.names)
	}
	m.n += int64(len(d.ids)) * mapEntry
}

func (m *meter) table(t *AttrTable) {
	array(m, t.owner)
	m.attrs(t.attrs)
}

// attrs counts an attribute array with its keys, text values and
// children, unless it was counted before.
func (m *meter) attrs(as []Attr) {
	if !array(m, as) {
		return
	}
	for i := range as {
		m.text(as[i].Key)
		m.text(as[i].Value.Str)
		m.attrs(as[i].Children)
	}
}

func (m *meter) strings(ss []string) {
	for _, s := range ss {
		m.text(s)
	}
}

// text counts a string's bytes. A stored log once loaded holds the text
// of each list of strings in one allocation (columnar.go), so there is
// no allocator's rounding to add. Strings are not told apart by address
// (a million of them would make the meter a burden itself): one held
// twice counts twice.
func (m *meter) text(s string) { m.n += int64(len(s)) }

// array counts a slice's backing array, by its capacity, the first time
// it is seen, and reports whether it was new.
func array[T any](m *meter, s []T) bool {
	if cap(s) == 0 {
		return false
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	if m.arrays[p] {
		return false
	}
	m.arrays[p] = true
	var zero T
	m.n += int64(cap(s)) * int64(unsafe.Sizeof(zero))
	return true
}

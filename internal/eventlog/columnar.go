package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The stored form of a log (version 2) is its columns as they are in
// memory, one block after another, little-endian, so that opening a
// stored log is reading blocks straight into their final slices, never
// decoding element by element as gob did (version 1, still read):
//
//	magic "PMLOG\x00\x02\x00"
//	flags u8 (1 timed, 2 merged, 4 own start times, 8 lifecycles,
//	         16 UTC offsets)
//	strings  activities, resources, lifecycles, case ids, warnings
//	int32s   case offsets, activity, resource, lifecycle (flag 8)
//	int64s   end, start (flag 4)
//	attrs    case attributes, event attributes
//	meta     the log's own attributes (attrs), extensions (three
//	         strings), globals (scopes as strings, attribute counts as
//	         int32s, their attributes as attrs) and classifiers (two
//	         strings)
//	int32s   UTC offsets in minutes plus 1,440 (flag 16)
//
// strings is a count, then each length (u32), then the text of all of
// them, which the decoded strings share; int64s a count then the values;
// int32s a count, a width (1, 2 or 4 bytes) and the values, in one or two
// bytes as value+1 when every value lies in [-1, 254] or [-1, 65534]
// (ids of small dictionaries, None as 0); attrs the owners (int32s), then the attributes: their keys
// as indexes into a list of distinct keys (strings, then int32s), kinds
// (bytes), texts (strings), numbers (int64s) and child counts (int32s),
// then the children of all of them as attrs again, at most maxAttrDepth
// deep. Every count is checked against what is left before anything is
// allocated.
var columnarMagic = []byte("PMLOG\x00\x03\x00")

// columnarMagic2 is the form before int32 columns were narrowed (version
// 2: every int32 in four bytes), still read.
var columnarMagic2 = []byte("PMLOG\x00\x02\x00")

const (
	flagTimed = 1 << iota
	flagMerged
	flagStarts
	flagLifecycles
	flagOffsets
)

// maxAttrDepth bounds the nesting of stored attributes (XES containers
// are read at most 64 deep).
const maxAttrDepth = 100

// marshalColumnar writes l in the stored form.
func marshalColumnar(l *Log) ([]byte, error) { return marshalForm(l, false) }

// marshalForm writes l in the stored form, or with wide in version 2's
// (for the tests that it is still read).
func marshalForm(l *Log, wide bool) ([]byte, error) {
	w := &colWriter{wide: wide}
	if err := w.log(l); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// BinarySize is the length of the log's stored form (MarshalBinary), for
// a caller that sizes its buffer once (AppendBinary).
func (l *Log) BinarySize() (int, error) {
	w := &colWriter{counting: true}
	err := w.log(l)
	return w.n, err
}

// AppendBinary appends the log's stored form to b: a caller that sizes b
// with BinarySize has it written without a copy, whatever its size.
func (l *Log) AppendBinary(b []byte) ([]byte, error) {
	if cap(b) == len(b) { // else the caller has made room, BinarySize's
		n, err := l.BinarySize()
		if err != nil {
			return nil, err
		}
		b = slices.Grow(b, n)
	}
	w := &colWriter{buf: b}
	if err := w.log(l); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// log writes l, or counts what it would write.
func (w *colWriter) log(l *Log) error {
	lists := [][]Attr{l.CaseAttrs.attrs, l.EventAttrs.attrs, l.Meta.Attrs}
	for _, g := range l.Meta.Globals {
		lists = append(lists, g.Attrs)
	}
	for _, as := range lists {
		if depth(as) > maxAttrDepth {
			return fmt.Errorf("eventlog: attributes nested more than %d deep cannot be stored", maxAttrDepth)
		}
	}
	if w.buf == nil && !w.counting {
		w.buf = make([]byte, 0, 64+len(l.Act)*12)
	}
	if w.wide {
		w.raw(columnarMagic2...)
	} else {
		w.raw(columnarMagic...)
	}
	var flags byte
	if l.Timed {
		flags |= flagTimed
	}
	if l.Merged {
		flags |= flagMerged
	}
	if l.HasStarts() {
		flags |= flagStarts
	}
	if l.Life != nil {
		flags |= flagLifecycles
	}
	if l.Offsets != nil {
		flags |= flagOffsets
	}
	w.raw(flags)
	for _, ss := range [][]string{l.Activities.Names(), l.Resources.Names(), l.Lifecycles.Names(), l.CaseIDs, l.Warnings} {
		w.strings(ss)
	}
	w.int32s(l.CaseOffsets)
	w.int32s(l.Act)
	w.int32s(l.Res)
	if l.Life != nil {
		w.int32s(l.Life)
	}
	w.int64s(l.End)
	if flags&flagStarts != 0 {
		w.int64s(l.Start)
	}
	w.table(&l.CaseAttrs)
	w.table(&l.EventAttrs)
	w.meta(&l.Meta)
	if l.Offsets != nil {
		w.int16s(l.Offsets)
	}
	return nil
}

func (w *colWriter) meta(m *Meta) {
	w.attrs(m.Attrs)
	var name, prefix, uri []string
	for _, e := range m.Extensions {
		name, prefix, uri = append(name, e.Name), append(prefix, e.Prefix), append(uri, e.URI)
	}
	w.strings(name)
	w.strings(prefix)
	w.strings(uri)
	var scopes []string
	var counts []int32
	var attrs []Attr
	for _, g := range m.Globals {
		scopes, counts, attrs = append(scopes, g.Scope), append(counts, int32(len(g.Attrs))), append(attrs, g.Attrs...)
	}
	w.strings(scopes)
	w.int32s(counts)
	w.attrs(attrs)
	var cname, keys []string
	for _, c := range m.Classifiers {
		cname, keys = append(cname, c.Name), append(keys, c.Keys)
	}
	w.strings(cname)
	w.strings(keys)
}

// depth is how deep attributes nest: 0 without any, 1 without children.
func depth(as []Attr) int {
	d := 0
	for i := range as {
		d = max(d, 1+depth(as[i].Children))
	}
	return d
}

type colWriter struct {
	buf  []byte
	wide bool // int32s as version 2 wrote them
	// counting counts in n the bytes it would write, and writes none.
	counting bool
	n        int
}

func (w *colWriter) raw(b ...byte) {
	if w.counting {
		w.n += len(b)
		return
	}
	w.buf = append(w.buf, b...)
}

func (w *colWriter) u32(n int) {
	if w.counting {
		w.n += 4
		return
	}
	w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(n))
}

func (w *colWriter) strings(ss []string) {
	w.u32(len(ss))
	if w.counting {
		w.n += 4 * len(ss)
		for _, s := range ss {
			w.n += len(s)
		}
		return
	}
	for _, s := range ss {
		w.u32(len(s))
	}
	for _, s := range ss {
		w.buf = append(w.buf, s...)
	}
}

func (w *colWriter) int32s(xs []int32) {
	w.u32(len(xs))
	if len(xs) == 0 {
		return
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	if w.counting {
		switch {
		case w.wide:
			w.n += 4 * len(xs)
		case lo >= -1 && hi <= math.MaxUint8-1:
			w.n += 1 + len(xs)
		case lo >= -1 && hi <= math.MaxUint16-1:
			w.n += 1 + 2*len(xs)
		default:
			w.n += 1 + 4*len(xs)
		}
		return
	}
	switch {
	case w.wide:
		for _, x := range xs {
			w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(x))
		}
	case lo >= -1 && hi <= math.MaxUint8-1:
		w.buf = append(w.buf, 1)
		for _, x := range xs {
			w.buf = append(w.buf, byte(x+1))
		}
	case lo >= -1 && hi <= math.MaxUint16-1:
		w.buf = append(w.buf, 2)
		for _, x := range xs {
			w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(x+1))
		}
	default:
		w.buf = append(w.buf, 4)
		for _, x := range xs {
			w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(x))
		}
	}
}

func (w *colWriter) int64s(xs []int64) {
	w.u32(len(xs))
	if w.counting {
		w.n += 8 * len(xs)
		return
	}
	for _, x := range xs {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(x))
	}
}

func (w *colWriter) bytes(b []byte) {
	w.u32(len(b))
	w.raw(b...)
}

func (w *colWriter) table(t *AttrTable) {
	w.int32s(t.owner)
	w.attrs(t.attrs)
}

// attrs writes attributes with their keys as indexes into the distinct
// keys, which repeat on every case or event that has them.
func (w *colWriter) attrs(as []Attr) {
	index := map[string]int32{}
	var keys []string
	keyOf := make([]int32, len(as))
	kinds := make([]byte, len(as))
	strs := make([]string, len(as))
	nums := make([]int64, len(as))
	kids := make([]int32, len(as))
	var children []Attr
	for i, a := range as {
		k, ok := index[a.Key]
		if !ok {
			k = int32(len(keys))
			index[a.Key] = k
			keys = append(keys, a.Key)
		}
		keyOf[i], kinds[i], strs[i], nums[i], kids[i] = k, byte(a.Value.Kind), a.Value.Str, a.Value.Num, int32(len(a.Children))
		children = append(children, a.Children...)
	}
	w.strings(keys)
	w.int32s(keyOf)
	w.bytes(kinds)
	w.strings(strs)
	w.int64s(nums)
	w.int32s(kids)
	if len(children) > 0 {
		w.attrs(children)
	}
}

// errCorrupt is a stored log that does not read as one.
var errCorrupt = errors.New("eventlog: stored log: corrupt")

type colReader struct {
	data []byte
	off  int
	err  error
	// wide reads int32s as version 2 wrote them: four bytes each, no
	// width.
	wide bool
}

// take returns the next n bytes, or nil with r.err set when fewer are
// left.
func (r *colReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.data)-r.off {
		r.err = errCorrupt
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

// count reads a count of elements of size bytes each, no more than what
// is left could hold.
func (r *colReader) count(size int) int {
	b := r.take(4)
	if b == nil {
		return 0
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n > uint64((len(r.data)-r.off)/size) {
		r.err = errCorrupt
		return 0
	}
	return int(n)
}

func (r *colReader) strings() []string {
	n := r.count(4)
	lens := r.take(4 * n)
	if r.err != nil || n == 0 {
		return nil
	}
	var total uint64
	for i := range n {
		total += uint64(binary.LittleEndian.Uint32(lens[4*i:]))
	}
	if total > uint64(len(r.data)-r.off) {
		r.err = errCorrupt
		return nil
	}
	text := string(r.take(int(total))) // one allocation the strings share
	out := make([]string, n)
	at := 0
	for i := range out {
		m := int(binary.LittleEndian.Uint32(lens[4*i:]))
		out[i] = text[at : at+m]
		at += m
	}
	return out
}

// int16s writes UTC offsets, in minutes, as int32s (two bytes each, as
// minutes from -24 hours).
func (w *colWriter) int16s(xs []int16) {
	wide := make([]int32, len(xs))
	for i, x := range xs {
		wide[i] = int32(x) + 24*60
	}
	w.int32s(wide)
}

// int16s reads what colWriter.int16s wrote.
func (r *colReader) int16s() []int16 {
	wide := r.int32s()
	out := make([]int16, len(wide))
	for i, x := range wide {
		if x < 0 || x > 48*60 {
			r.err = errCorrupt
			return nil
		}
		out[i] = int16(x - 24*60)
	}
	return out
}

func (r *colReader) int32s() []int32 {
	n := r.count(1)
	if r.err != nil || n == 0 {
		return nil
	}
	width := 4 // version 2: no width, four bytes each
	if !r.wide {
		w := r.take(1)
		if w == nil || w[0] != 1 && w[0] != 2 && w[0] != 4 {
			r.err = errCorrupt
			return nil
		}
		width = int(w[0])
	}
	if n > (len(r.data)-r.off)/width {
		r.err = errCorrupt
		return nil
	}
	b := r.take(width * n)
	out := make([]int32, n)
	switch width {
	case 1:
		for i, x := range b {
			out[i] = int32(x) - 1
		}
	case 2:
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint16(b[2*i:])) - 1
		}
	default:
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return out
}

func (r *colReader) int64s() []int64 {
	n := r.count(8)
	b := r.take(8 * n)
	if r.err != nil || n == 0 {
		return nil
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func (r *colReader) bytes() []byte {
	return r.take(r.count(1))
}

func (r *colReader) table() AttrTable {
	owner := r.int32s()
	attrs := r.attrs(0)
	if r.err == nil && len(attrs) != len(owner) {
		r.err = errCorrupt
	}
	return AttrTable{owner: owner, attrs: attrs}
}

func (r *colReader) attrs(depth int) []Attr {
	keys := r.strings()
	keyOf := r.int32s()
	kinds := r.bytes()
	strs := r.strings()
	nums := r.int64s()
	kids := r.int32s()
	n := len(keyOf)
	if r.err != nil || depth > maxAttrDepth || len(kinds) != n || len(strs) != n || len(nums) != n || len(kids) != n {
		r.err = errCorrupt
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]Attr, n)
	children := 0
	for i := range out {
		k, c := keyOf[i], kids[i]
		if k < 0 || int(k) >= len(keys) || c < 0 || Kind(kinds[i]) > KindContainer {
			r.err = errCorrupt
			return nil
		}
		children += int(c)
		if children > math.MaxInt32 {
			r.err = errCorrupt
			return nil
		}
		out[i] = Attr{Key: keys[k], Value: Value{Kind: Kind(kinds[i]), Str: strs[i], Num: nums[i]}}
	}
	if children == 0 {
		return out
	}
	all := r.attrs(depth + 1)
	if r.err != nil || len(all) != children {
		r.err = errCorrupt
		return nil
	}
	at := 0
	for i := range out {
		if c := int(kids[i]); c > 0 {
			out[i].Children = all[at : at+c : at+c]
			at += c
		}
	}
	return out
}

func (r *colReader) meta() Meta {
	var m Meta
	m.Attrs = r.attrs(0)
	name, prefix, uri := r.strings(), r.strings(), r.strings()
	if len(prefix) != len(name) || len(uri) != len(name) {
		r.err = errCorrupt
	}
	for i := range name {
		if r.err == nil {
			m.Extensions = append(m.Extensions, Extension{Name: name[i], Prefix: prefix[i], URI: uri[i]})
		}
	}
	scopes, counts, attrs := r.strings(), r.int32s(), r.attrs(0)
	if len(counts) != len(scopes) {
		r.err = errCorrupt
	}
	at := 0
	for i := range scopes {
		if r.err != nil {
			break
		}
		c := int(counts[i])
		if c < 0 || c > len(attrs)-at {
			r.err = errCorrupt
			break
		}
		g := Global{Scope: scopes[i]}
		if c > 0 {
			g.Attrs = attrs[at : at+c : at+c]
		}
		m.Globals = append(m.Globals, g)
		at += c
	}
	if r.err == nil && at != len(attrs) {
		r.err = errCorrupt
	}
	cname, keys := r.strings(), r.strings()
	if len(keys) != len(cname) {
		r.err = errCorrupt
	}
	for i := range cname {
		if r.err == nil {
			m.Classifiers = append(m.Classifiers, Classifier{Name: cname[i], Keys: keys[i]})
		}
	}
	return m
}

// unmarshalColumnar reads the stored form into l.
func unmarshalColumnar(l *Log, data []byte) error {
	r := &colReader{data: data, off: len(columnarMagic), wide: bytes.HasPrefix(data, columnarMagic2)}
	flagsB := r.take(1)
	if r.err != nil {
		return errCorrupt
	}
	flags := flagsB[0]
	dict := func(names []string) *Dict {
		d := &Dict{names: names, ids: make(map[string]int32, len(names))}
		for i, n := range names {
			if _, dup := d.ids[n]; dup {
				r.err = errCorrupt
			}
			d.ids[n] = int32(i)
		}
		return d
	}
	*l = Log{Activities: dict(r.strings()), Resources: dict(r.strings()), Lifecycles: dict(r.strings())}
	l.CaseIDs = r.strings()
	l.Warnings = r.strings()
	l.CaseOffsets = r.int32s()
	l.Act = r.int32s()
	l.Res = r.int32s()
	if flags&flagLifecycles != 0 {
		l.Life = r.int32s()
	}
	l.End = r.int64s()
	l.Start = l.End
	if flags&flagStarts != 0 {
		l.Start = r.int64s()
	}
	l.CaseAttrs = r.table()
	l.EventAttrs = r.table()
	l.Meta = r.meta()
	if flags&flagOffsets != 0 {
		if l.Offsets = r.int16s(); len(l.Offsets) != len(l.Act) && r.err == nil {
			r.err = errCorrupt
		}
	}
	if r.err != nil {
		return r.err
	}
	if r.off != len(data) {
		return fmt.Errorf("%w: %d bytes after the log", errCorrupt, len(data)-r.off)
	}
	l.Timed, l.Merged = flags&flagTimed != 0, flags&flagMerged != 0
	if len(l.CaseOffsets) == 0 {
		l.CaseOffsets = []int32{0}
	}
	return nil
}

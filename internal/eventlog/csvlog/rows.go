package csvlog

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/eventlog"
)

// rowReader turns the records of one file into rows. It is read-only
// while workers use it.
type rowReader struct {
	name             string
	header           []string
	cols             columns
	evCols, caseCols []*column
	parseTime        func(string) (int64, int16, bool)
	hint             string // how to fix a timestamp that cannot be read
	delim            rune
	size             int64 // of the text, when known (Mapping.Size)
}

// batch is what a worker made of one run of records: rows whose case,
// activity, resource and lifecycle are ids in dictionaries of the batch,
// to be mapped onto the log's own when the batch joins the log.
type batch struct {
	rows       []row
	evAttrs    []string // len(evCols) per row; "" for an empty cell
	caseAttrs  []string // len(caseCols) per case of the batch, from its first row
	cases      names
	acts, ress names
	lifes      names
	err        error  // the first error, on the row after the last of rows
	text       []byte // the chunk read, to read the next into
	bytes      int    // of the text the rows come from
	panicked   string // what a worker panicked with, and where
}

type row struct {
	line      int
	c, act    int32
	res, life int32 // eventlog.None when empty
	ts, st    int64 // eventlog.NoTime when empty
	off       int16 // the UTC offset ts was written at, in minutes
}

// maxInterned bounds the values a worker keeps one copy of, in all its
// columns (a file may have 10,000 of them).
const maxInterned = 1 << 16

// worker reads batches. What it keeps across batches (one copy of each
// repeated value, the types seen) is its own.
type worker struct {
	*rowReader
	s                *splitter
	evVals, caseVals []map[string]string
	interned         int // values in evVals and caseVals
	// The types of the event attribute values seen. A case's values are
	// typed as they join the log, since the first row of a case in a
	// batch need not be its first in the file.
	evTypes []colType
}

func (rr *rowReader) newWorker() *worker {
	w := &worker{
		rowReader: rr,
		s:         newSplitter(rr.name, rr.delim),
		evVals:    make([]map[string]string, len(rr.evCols)),
		caseVals:  make([]map[string]string, len(rr.caseCols)),
		evTypes:   make([]colType, len(rr.evCols)),
	}
	for i := range w.evVals {
		w.evVals[i] = map[string]string{}
		w.evTypes[i] = *newColType()
	}
	for i := range w.caseVals {
		w.caseVals[i] = map[string]string{}
	}
	return w
}

// readAll reads the rows of first[from:] (the chunk of the header, after
// it, starting on line) and of the chunks after it into b, in file order,
// with one worker per core.
func (rr *rowReader) readAll(b *eventlog.Builder, chunks *chunker, first []byte, from, line int) error {
	type job struct {
		data []byte
		line int
		text []byte // the chunk data is read from
		out  chan *batch
	}
	n := min(runtime.GOMAXPROCS(0), 8)
	jobs := make(chan job)
	var wg sync.WaitGroup
	workers := make([]*worker, n)
	for i := range workers {
		workers[i] = rr.newWorker()
		wg.Go(func() {
			for j := range jobs {
				bt := workers[i].safeParse(j.data, j.line)
				bt.text = j.text
				j.out <- bt
			}
		})
	}
	finish := sync.OnceFunc(func() {
		close(jobs)
		wg.Wait()
	})
	defer finish()

	var queue []chan *batch
	m := merger{rowReader: rr, b: b}
	text, data, line := first, first[from:], line
	for {
		if len(data) > 0 {
			out := make(chan *batch, 1)
			jobs <- job{data, line, text, out}
			queue = append(queue, out)
		}
		var err error
		data, line, err = chunks.next()
		text = data
		for len(queue) > 0 && (len(queue) > n || err != nil) {
			bt := <-queue[0]
			if err := m.add(bt); err != nil {
				return err
			}
			queue = queue[1:]
			// Nothing of the batch refers to its text (what it keeps is
			// copied), and the chunker has copied on what followed it.
			chunks.recycle(bt.text)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvError(rr.name, err)
		}
	}
	finish()
	for _, w := range workers {
		for i, c := range rr.evCols {
			c.typ.merge(&w.evTypes[i])
		}
	}
	return nil
}

// safeParse is parse that hands a panic to the merger, which panics with
// it where Read was called: a reader's panic on some file is its caller's
// to recover from (an import job fails; the server stays).
func (w *worker) safeParse(data []byte, line int) (bt *batch) {
	defer func() {
		if p := recover(); p != nil {
			bt = &batch{panicked: fmt.Sprintf("%v\n%s", p, debug.Stack())}
		}
	}()
	return w.parse(data, line)
}

// parse reads the records of data, which starts on line.
func (w *worker) parse(data []byte, line int) *batch {
	bt := &batch{cases: newNames(), acts: newNames(), ress: newNames(), lifes: newNames(), bytes: len(data)}
	// As many rows as lines, but no more than records of the header's
	// fields fit in data: blank lines, and quoted fields of many lines,
	// are lines without rows.
	rows := min(bytes.Count(data, []byte{'\n'})+1, len(data)/len(w.header)+1)
	bt.rows = make([]row, 0, rows)
	checkUTF8 := !utf8.Valid(data)
	w.s.reset(data, line)
	for {
		rec, at, err := w.s.record()
		if err == io.EOF {
			return bt
		}
		if err != nil {
			bt.err = csvError(w.name, err)
			return bt
		}
		if len(rec) != len(w.header) {
			bt.err = eventlog.Errorf(w.name, at, "", "the row has %d fields, the header %d", len(rec), len(w.header))
			return bt
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if err := w.row(bt, rec, at, checkUTF8); err != nil {
			bt.err = err
			return bt
		}
	}
}

// row adds the record rec, on line, to bt.
func (w *worker) row(bt *batch, rec []string, line int, checkUTF8 bool) error {
	cols := &w.cols
	caseID := rec[cols.caseCol]
	if caseID == "" {
		return eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[cols.caseCol]), "empty case id")
	}
	actName := rec[cols.actCol]
	if actName == "" {
		return eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[cols.actCol]), "empty activity")
	}
	for i, f := range rec {
		if checkUTF8 && !utf8.ValidString(f) {
			return eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[i]), "not valid UTF-8")
		}
		if len(f) > eventlog.MaxField {
			return eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[i]), "a field longer than %d MiB: procmine reads no more at once", eventlog.MaxField>>20)
		}
	}
	r := row{line: line, res: eventlog.None, life: eventlog.None, ts: eventlog.NoTime, st: eventlog.NoTime}
	var err error
	if cols.timeCol >= 0 {
		if r.ts, r.off, err = w.timeAt(rec, cols.timeCol, line); err != nil {
			return err
		}
	}
	if cols.startCol >= 0 {
		var off int16
		if r.st, off, err = w.timeAt(rec, cols.startCol, line); err != nil {
			return err
		}
		if r.ts == eventlog.NoTime {
			// Without an end (work still going on) the event is an
			// instant at its start.
			r.ts, r.st, r.off = r.st, eventlog.NoTime, off
		}
	}
	// Nothing below fails: the row is added whole or not at all.
	var isNew bool
	r.c, isNew = bt.cases.id(caseID)
	r.act, _ = bt.acts.id(actName)
	if cols.resCol >= 0 && rec[cols.resCol] != "" {
		r.res, _ = bt.ress.id(rec[cols.resCol])
	}
	if cols.lifeCol >= 0 && rec[cols.lifeCol] != "" {
		r.life, _ = bt.lifes.id(rec[cols.lifeCol])
	}
	bt.rows = append(bt.rows, r)
	for i, col := range w.evCols {
		bt.evAttrs = append(bt.evAttrs, w.keep(w.evVals[i], &w.evTypes[i], rec[col.index]))
	}
	if isNew {
		for i, col := range w.caseCols {
			bt.caseAttrs = append(bt.caseAttrs, w.keep(w.caseVals[i], nil, rec[col.index]))
		}
	}
	return nil
}

// timeAt reads the timestamp in column col; an empty cell leaves the
// event untimed, and the builder reports how many are.
func (w *worker) timeAt(rec []string, col int, line int) (int64, int16, error) {
	s := strings.TrimSpace(rec[col])
	if s == "" {
		return eventlog.NoTime, 0, nil
	}
	ts, off, ok := w.parseTime(s)
	if !ok {
		return 0, 0, eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[col]), "%q is not a timestamp%s", clip(s), w.hint)
	}
	if !eventlog.ValidEventTime(ts) {
		return 0, 0, eventlog.Errorf(w.name, line, fmt.Sprintf("column %q", w.header[col]), "%q is outside the years 1850 to 2140 that procmine analyses", clip(s))
	}
	return ts, off, nil
}

// names is a batch's dictionary of one column. It remembers the last name
// asked for: the rows of a case, or of a lifecycle, often come in runs.
type names struct {
	*eventlog.Dict
	last   string
	lastID int32
}

func newNames() names { return names{Dict: eventlog.NewDict(), lastID: -1} }

// id returns the id of s, adding a copy of s when it is new.
func (n *names) id(s string) (int32, bool) {
	if n.lastID >= 0 && s == n.last {
		return n.lastID, false
	}
	id, ok := n.Lookup(s)
	if !ok {
		id = n.ID(strings.Clone(s))
	}
	n.last, n.lastID = n.Name(id), id
	return id, !ok
}

// keep returns a copy of the attribute value v to keep, one copy per
// distinct value of the column (vals) while the worker keeps fewer than
// maxInterned, and learns its type unless typ is nil.
func (w *worker) keep(vals map[string]string, typ *colType, v string) string {
	if v == "" {
		return ""
	}
	if s, ok := vals[v]; ok {
		return s
	}
	s := strings.Clone(v)
	if typ != nil {
		typ.add(s)
	}
	if w.interned < maxInterned {
		vals[s] = s
		w.interned++
	}
	return s
}

// merger adds batches to the log's builder in file order.
type merger struct {
	*rowReader
	b               *eventlog.Builder
	caseMap, actMap []int32
	resMap, lifeMap []int32
	read            int64 // the bytes of text of the batches added
}

// add adds the rows of bt, then returns its error if it has one. A case
// or name of the batch joins the log at its first row, as it would read
// front to back, so that the budget stops at the row that crossed it.
func (m *merger) add(bt *batch) error {
	if bt.panicked != "" {
		panic("csvlog: a worker panicked: " + bt.panicked)
	}
	b, l := m.b, m.b.Log()
	m.read += int64(bt.bytes)
	// A size below what was read already (a hint that was wrong: the
	// last member's of a gzip file of several) tells nothing.
	if n := l.NumEvents() + len(bt.rows); m.size > 0 && m.size >= m.read && n > cap(l.Act) {
		// The file's events as its rows so far foretell them, and a
		// thirty-second more (Finish trims only past a sixteenth);
		// never more than twice the rows so far, which a file whose
		// first rows are short would otherwise make room for at once.
		est := int(float64(n) * float64(m.size) / float64(m.read) * (1 + 1.0/32))
		b.Reserve(max(n, min(est, 2*max(n, 1024))))
	}
	m.caseMap = unmapped(m.caseMap, bt.cases.Len())
	m.actMap = unmapped(m.actMap, bt.acts.Len())
	m.resMap = unmapped(m.resMap, bt.ress.Len())
	m.lifeMap = unmapped(m.lifeMap, bt.lifes.Len())
	nc, ne := len(m.caseCols), len(m.evCols)
	for i := range bt.rows {
		r := &bt.rows[i]
		c := m.caseMap[r.c]
		if c < 0 {
			var isNew bool
			c, isNew = b.Case(bt.cases.Name(r.c))
			m.caseMap[r.c] = c
			if isNew {
				for j, col := range m.caseCols {
					if v := bt.caseAttrs[int(r.c)*nc+j]; v != "" {
						col.typ.add(v)
						b.CaseAttr(c, eventlog.Attr{Key: col.key, Value: eventlog.StringValue(v)})
					}
				}
			}
		}
		act := mapID(m.actMap, r.act, l.Activities, bt.acts.Dict)
		res := mapID(m.resMap, r.res, l.Resources, bt.ress.Dict)
		life := mapID(m.lifeMap, r.life, l.Lifecycles, bt.lifes.Dict)
		e := b.Event(c, act, r.ts, res, life)
		if r.st != eventlog.NoTime {
			b.SetStart(e, r.st)
		}
		b.SetOffset(e, r.off)
		for j, col := range m.evCols {
			if v := bt.evAttrs[i*ne+j]; v != "" {
				b.EventAttr(e, eventlog.Attr{Key: col.key, Value: eventlog.StringValue(v)})
			}
		}
		if err := b.Err(r.line); err != nil {
			return err
		}
	}
	return bt.err
}

// unmapped is dst with n ids, none mapped yet (-1).
func unmapped(dst []int32, n int) []int32 {
	dst = dst[:0]
	for range n {
		dst = append(dst, -1)
	}
	return dst
}

// mapID is the log's id of a batch's id, mapped at its first use;
// eventlog.None stays itself.
func mapID(ids []int32, id int32, log, local *eventlog.Dict) int32 {
	if id == eventlog.None {
		return id
	}
	if ids[id] < 0 {
		ids[id] = log.ID(local.Name(id))
	}
	return ids[id]
}

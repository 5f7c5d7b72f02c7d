package datasource

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// Rows is what Read reads: *sql.Rows.
type Rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Read reads the rows of a source's query into a log, one event per row,
// its columns mapped as a CSV file's (csvlog.MapColumns; case:KEY is a
// case attribute, taken from the first row of each case; every other
// column an event attribute of the value's own type: integers, numbers,
// booleans, times and text). A NULL is no attribute. name is used in
// errors, which name the row (counted from 1) and the column.
//
// watermark, when not empty, names the column whose last value Read
// returns (the query orders the rows by it, so it is the largest): the
// next incremental refresh reads only rows past it. WatermarkAlias, the
// copy a refresh's query adds, is not an attribute. More than maxRows
// rows fail.
func Read(rows Rows, name string, m csvlog.Mapping, watermark string, maxRows int) (*eventlog.Log, Watermark, error) {
	header, err := rows.Columns()
	if err != nil {
		return nil, Watermark{}, err
	}
	cols, err := csvlog.MapColumns(name, header, m)
	if err != nil {
		return nil, Watermark{}, err
	}
	rd := &reader{name: name, header: header, cols: cols, wm: -1}
	if rd.parseTime, err = csvlog.TimeParser(m.TimestampFormat, m.WallClock); err != nil {
		return nil, Watermark{}, eventlog.Errorf(name, 0, "timestamp format", "%v", err)
	}
	if watermark != "" {
		named, alias := -1, -1
		for i, h := range header {
			switch h {
			case watermark:
				named = i
			case WatermarkAlias:
				alias = i
			}
		}
		if named < 0 {
			return nil, Watermark{}, eventlog.Errorf(name, 0, fmt.Sprintf("column %q", watermark), "the watermark column is not among the query's columns (%q)", slices.DeleteFunc(slices.Clone(header), func(h string) bool { return h == WatermarkAlias }))
		}
		rd.wm, rd.wmName = named, watermark
		if alias >= 0 {
			// The copy a refresh's query adds holds the value as stored;
			// it is not an attribute.
			rd.wm = alias
			cols.Special[alias] = true
		}
	}
	b := eventlog.NewBuilder()
	b.SetBudget(name, m.Budget)
	for i, h := range header {
		if cols.Special[i] {
			continue
		}
		if key, ok := cutPrefix(h, "case:"); ok {
			rd.caseCols = append(rd.caseCols, attrCol{index: i, key: key})
		} else {
			key, _ := cutPrefix(h, "attr:")
			rd.evCols = append(rd.evCols, attrCol{index: i, key: key})
		}
		b.Key(h)
	}
	if err := b.Err(0); err != nil {
		return nil, Watermark{}, err
	}
	values := make([]any, len(header))
	dest := make([]any, len(header))
	for i := range values {
		dest[i] = &values[i]
	}
	for rows.Next() {
		rd.row++
		if rd.row > maxRows {
			return nil, Watermark{}, eventlog.Errorf(name, 0, "", "the query returned more than %d rows, the most one refresh reads: narrow it, or refresh incrementally with a watermark column", maxRows)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, Watermark{}, rd.errorf(-1, "cannot be read (%v)", err)
		}
		if err := rd.add(b, values); err != nil {
			return nil, Watermark{}, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, Watermark{}, err
	}
	if rd.row == 0 {
		return nil, rd.max, nil
	}
	l := b.Log()
	if cols.Time < 0 {
		l.Warnings = append(l.Warnings, "no timestamp column: durations are unavailable")
	}
	return b.Finish(), rd.max, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

type attrCol struct {
	index int
	key   string
}

type reader struct {
	name             string
	header           []string
	cols             csvlog.Columns
	caseCols, evCols []attrCol
	parseTime        func(string) (int64, bool)
	row              int
	wm               int // the watermark column (its copy); -1 for none
	wmName           string
	max              Watermark
}

// add adds one row's event.
func (rd *reader) add(b *eventlog.Builder, row []any) error {
	l := b.Log()
	c := rd.cols
	caseID, ok, err := rd.text(row, c.Case)
	if err != nil {
		return err
	}
	if !ok {
		return rd.errorf(c.Case, "has no case id")
	}
	ci, isNew := b.Case(caseID)
	if isNew {
		for _, col := range rd.caseCols {
			if v, ok, err := rd.value(row, col.index); err != nil {
				return err
			} else if ok {
				b.CaseAttr(ci, eventlog.Attr{Key: col.key, Value: v})
			}
		}
	}
	act, err := rd.id(row, c.Activity, l.Activities)
	if err != nil {
		return err
	}
	if act == eventlog.None {
		return rd.errorf(c.Activity, "has no activity")
	}
	res, err := rd.id(row, c.Resource, l.Resources)
	if err != nil {
		return err
	}
	life, err := rd.id(row, c.Lifecycle, l.Lifecycles)
	if err != nil {
		return err
	}
	end, err := rd.time(row, c.Time)
	if err != nil {
		return err
	}
	e := b.Event(ci, act, end, res, life)
	if c.Start >= 0 {
		start, err := rd.time(row, c.Start)
		if err != nil {
			return err
		}
		if start != eventlog.NoTime {
			b.SetStart(e, start)
		}
	}
	for _, col := range rd.evCols {
		if v, ok, err := rd.value(row, col.index); err != nil {
			return err
		} else if ok {
			b.EventAttr(e, eventlog.Attr{Key: col.key, Value: v})
		}
	}
	if rd.wm >= 0 {
		w, err := watermarkOf(row[rd.wm])
		if err != nil {
			return rd.errorfName(rd.wmName, "%v", err)
		}
		if rd.max.Kind != "" && w.Kind != rd.max.Kind {
			return rd.errorfName(rd.wmName, "holds a %s after a %s: a watermark column holds values of one type", w.Kind, rd.max.Kind)
		}
		// The rows come in the watermark's order, as the database
		// orders it (its collation, its types): the last is the largest.
		rd.max = w
	}
	return b.Err(0)
}

func (rd *reader) errorf(col int, format string, args ...any) error {
	name := ""
	if col >= 0 {
		name = rd.header[col]
	}
	return rd.errorfName(name, format, args...)
}

func (rd *reader) errorfName(col string, format string, args ...any) error {
	where := fmt.Sprintf("row %d", rd.row)
	if col != "" {
		where += fmt.Sprintf(", column %q", col)
	}
	return eventlog.Errorf(rd.name, 0, where, format, args...)
}

// id is the dictionary id of a text column's value; None for a NULL or
// no column.
func (rd *reader) id(row []any, col int, d *eventlog.Dict) (int32, error) {
	if col < 0 {
		return eventlog.None, nil
	}
	if b, ok := row[col].([]byte); ok && utf8.Valid(b) {
		return d.IDBytes(b), nil
	}
	s, ok, err := rd.text(row, col)
	if err != nil || !ok {
		return eventlog.None, err
	}
	return d.ID(s), nil
}

// text is a column's value as text: a string, or an integer written out.
func (rd *reader) text(row []any, col int) (string, bool, error) {
	if col < 0 {
		return "", false, nil
	}
	switch v := row[col].(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case []byte:
		if !utf8.Valid(v) {
			return "", false, rd.errorf(col, "holds binary data; it must be text or an integer")
		}
		return string(v), true, nil
	case int64:
		return strconv.FormatInt(v, 10), true, nil
	}
	return "", false, rd.errorf(col, "holds %s; it must be text or an integer", typeName(row[col]))
}

// time is a time column's value in Unix nanoseconds; NoTime for a NULL.
func (rd *reader) time(row []any, col int) (int64, error) {
	if col < 0 || row[col] == nil {
		return eventlog.NoTime, nil
	}
	var ns int64
	switch v := row[col].(type) {
	case time.Time:
		ns = v.UnixNano()
		if v.Year() < 1678 || v.Year() > 2261 {
			return 0, rd.errorf(col, "%s is outside the years procmine reads", v.Format(time.RFC3339))
		}
	case string, []byte:
		s, _, err := rd.text(row, col)
		if err != nil {
			return 0, err
		}
		var ok bool
		if ns, ok = rd.parseTime(s); !ok {
			return 0, rd.errorf(col, "%q is not a time (give its form in the source's timestamp format)", s)
		}
	default:
		return 0, rd.errorf(col, "holds %s, not a time", typeName(row[col]))
	}
	if !eventlog.ValidEventTime(ns) {
		return 0, rd.errorf(col, "%s is outside the years procmine reads", eventlog.FormatTime(ns))
	}
	return ns, nil
}

// value is a column's value as an attribute's; false for a NULL.
func (rd *reader) value(row []any, col int) (eventlog.Value, bool, error) {
	switch v := row[col].(type) {
	case nil:
		return eventlog.Value{}, false, nil
	case int64:
		return eventlog.IntValue(v), true, nil
	case float64:
		return eventlog.FloatValue(v), true, nil
	case bool:
		return eventlog.BoolValue(v), true, nil
	case time.Time:
		ns := v.UnixNano()
		if !eventlog.ValidEventTime(ns) || v.Year() < 1678 || v.Year() > 2261 {
			return eventlog.Value{}, false, rd.errorf(col, "%s is outside the years procmine reads", v.Format(time.RFC3339))
		}
		return eventlog.DateValue(ns), true, nil
	case string:
		return eventlog.StringValue(v), true, nil
	case []byte:
		if !utf8.Valid(v) {
			return eventlog.Value{}, false, rd.errorf(col, "holds binary data, which an event log cannot keep")
		}
		return eventlog.StringValue(string(v)), true, nil
	}
	return eventlog.Value{}, false, rd.errorf(col, "holds %s, which an event log cannot keep", typeName(row[col]))
}

// typeName says what kind of value a driver gave.
func typeName(v any) string {
	switch v.(type) {
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case time.Time:
		return "a time"
	case string, []byte:
		return "text"
	}
	return fmt.Sprintf("a value of type %T", v)
}

var _ Rows = (*sql.Rows)(nil)

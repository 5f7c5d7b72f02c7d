// Package parquetlog reads and writes event logs as Parquet files: one row
// per event, its columns named and mapped as a CSV file's (csvlog.Mapping),
// each attribute column keeping its Parquet type.
package parquetlog

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// Options say how to read a file.
type Options struct {
	Mapping csvlog.Mapping
	// MaxContent bounds the file's content once decompressed, in bytes
	// (0: no bound): what its column chunks say they hold, checked before
	// any is read.
	MaxContent int64
}

// ErrTooLarge is a file whose content is over Options.MaxContent.
type ErrTooLarge struct{ Limit int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("the file's content is larger than %d bytes once decompressed", e.Limit)
}

// batch is how many rows are read at a time.
const batch = 1024

// Read reads the Parquet file r of size bytes. name is used in errors,
// which name the row (counted from 1) and the column.
//
// Columns are found as in a CSV header (csvlog.MapColumns); columns
// named case:KEY are case attributes, taken from the first row of each
// case; every other column is an event attribute of the column's type:
// integers, floating-point and decimal numbers, booleans, dates and
// timestamps (any unit; a timestamp not adjusted to UTC is its wall-clock
// time taken as UTC, as a time without zone is in a CSV file), and text.
// A null is no attribute. Nested and repeated columns, and types with no
// counterpart in a log (intervals, BSON, geometry), are refused by name.
func Read(r io.ReaderAt, size int64, name string, o Options) (l *eventlog.Log, err error) {
	// The library is not hardened against every malformed file; what it
	// panics on is refused like any other broken file.
	defer func() {
		if p := recover(); p != nil {
			l, err = nil, eventlog.Errorf(name, 0, "", "not a readable Parquet file (%v)", p)
		}
	}()
	if err := checkFile(r, size, o.MaxContent); errors.Is(err, errNotParquet) {
		return nil, eventlog.Errorf(name, 0, "", "not a Parquet file: %v", err)
	} else if tl := (*ErrTooLarge)(nil); errors.As(err, &tl) {
		return nil, eventlog.Errorf(name, 0, "", "%v", err)
	} else if err != nil {
		return nil, eventlog.Errorf(name, 0, "", "not a readable Parquet file: %v", err)
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(256<<10))
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "", "not a Parquet file (%v)", err)
	}
	fields := f.Schema().Fields()
	header := make([]string, len(fields))
	kinds := make([]kind, len(fields))
	for i, fl := range fields {
		header[i] = fl.Name()
		if !fl.Leaf() || fl.Repeated() {
			return nil, eventlog.Errorf(name, 0, fmt.Sprintf("column %q", fl.Name()), "is a nested or repeated column; procmine reads one value per column and row")
		}
		if kinds[i], err = kindOf(fl.Type()); err != nil {
			return nil, eventlog.Errorf(name, 0, fmt.Sprintf("column %q", fl.Name()), "%v", err)
		}
	}
	m := o.Mapping
	cols, err := csvlog.MapColumns(name, header, m)
	if err != nil {
		return nil, err
	}
	rd := &reader{name: name, header: header, kinds: kinds, cols: cols, offset: -1,
		cases: map[string]int32{}, acts: map[string]int32{}, ress: map[string]int32{}, lifes: map[string]int32{}}
	// The offsets Write keeps beside the timestamps are the events',
	// not an attribute.
	if i := slices.Index(header, OffsetColumn); i >= 0 && cols.Time >= 0 && !cols.Special[i] {
		if kinds[i].is != isInt {
			return nil, eventlog.Errorf(name, 0, fmt.Sprintf("column %q", OffsetColumn), "holds no integers: it is the UTC offset of each timestamp, in minutes")
		}
		rd.offset, cols.Special[i] = i, true
	}
	if rd.parseTime, err = csvlog.TimeParser(m.TimestampFormat, m.WallClock); err != nil {
		return nil, eventlog.Errorf(name, 0, "--timestamp-format", "%v", err)
	}
	b := eventlog.NewBuilder()
	b.SetBudget(name, m.Budget)
	// Sized once from the file's row count, within what the budget can
	// hold and a row for four bytes: a file may claim any number of rows,
	// and a real log's case ids and times take more than that (a file
	// that takes less grows its columns as they fill).
	b.Reserve(int(min(f.NumRows(), m.Budget.MaxEvents(), size/4)))
	// As in a CSV header: case:KEY is a case attribute; attr:KEY an event
	// attribute whose key a reader would otherwise take for a column of
	// the log's own (csvlog.EventColumn).
	for i, h := range header {
		if cols.Special[i] {
			continue
		}
		if key, ok := strings.CutPrefix(h, "case:"); ok {
			rd.caseCols = append(rd.caseCols, attrCol{index: i, key: key})
		} else {
			key, _ := strings.CutPrefix(h, "attr:")
			rd.evCols = append(rd.evCols, attrCol{index: i, key: key})
		}
	}
	for _, c := range rd.caseCols {
		b.Key(c.key)
	}
	for _, c := range rd.evCols {
		b.Key(c.key)
	}
	if err := b.Err(0); err != nil {
		return nil, err
	}
	rows := make([]parquet.Row, batch)
	for _, g := range f.RowGroups() {
		rr := g.Rows()
		for {
			n, err := rr.ReadRows(rows)
			for _, row := range rows[:n] {
				rd.row++
				if err := rd.add(b, row); err != nil {
					rr.Close()
					return nil, err
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return nil, eventlog.Errorf(name, 0, fmt.Sprintf("row %d", rd.row+1), "cannot be read (%v)", err)
			}
		}
		if err := rr.Close(); err != nil {
			return nil, eventlog.Errorf(name, 0, "", "cannot be read (%v)", err)
		}
	}
	l = b.Log()
	if l.NumEvents() == 0 {
		return nil, eventlog.Errorf(name, 0, "", "no events: the file has columns but no rows")
	}
	if cols.Time < 0 {
		l.Warnings = append(l.Warnings, "no timestamp column: durations are unavailable")
	}
	return b.Finish(), nil
}

type attrCol struct {
	index int
	key   string
}

type reader struct {
	name              string
	header            []string
	kinds             []kind
	cols              csvlog.Columns
	caseCols, evCols  []attrCol
	parseTime         func(string) (int64, bool)
	row               int
	offset            int // the OffsetColumn, -1 for none
	acts, ress, lifes map[string]int32
	cases             map[string]int32
}

// add adds one row's event.
func (rd *reader) add(b *eventlog.Builder, row parquet.Row) error {
	if len(row) != len(rd.header) {
		return rd.errorf(-1, "holds %d values for %d columns", len(row), len(rd.header))
	}
	l := b.Log()
	c := rd.cols
	// A case seen before is found by its id's bytes, without making a
	// string of them for every row.
	ci, known := int32(0), false
	if rd.kinds[c.Case].is == isText && !row[c.Case].IsNull() {
		ci, known = rd.cases[string(row[c.Case].ByteArray())]
	}
	if !known {
		caseID, ok, err := rd.text(row, c.Case)
		if err != nil {
			return err
		}
		if !ok {
			return rd.errorf(c.Case, "has no case id")
		}
		var isNew bool
		ci, isNew = b.Case(caseID)
		rd.cases[caseID] = ci
		if isNew {
			for _, col := range rd.caseCols {
				v, ok, err := rd.value(row, col.index)
				if err != nil {
					return err
				}
				if ok {
					b.CaseAttr(ci, eventlog.Attr{Key: col.key, Value: v})
				}
			}
		}
	}
	act, err := rd.id(row, c.Activity, rd.acts, l.Activities)
	if err != nil {
		return err
	}
	if act == eventlog.None {
		return rd.errorf(c.Activity, "has no activity")
	}
	res, err := rd.id(row, c.Resource, rd.ress, l.Resources)
	if err != nil {
		return err
	}
	life, err := rd.id(row, c.Lifecycle, rd.lifes, l.Lifecycles)
	if err != nil {
		return err
	}
	end, err := rd.time(row, c.Time)
	if err != nil {
		return err
	}
	e := b.Event(ci, act, end, res, life)
	if rd.offset >= 0 && !row[rd.offset].IsNull() {
		v, _, err := rd.value(row, rd.offset)
		if err != nil {
			return err
		}
		if v.Num < -(23*60+59) || v.Num > 23*60+59 {
			return rd.errorf(rd.offset, "%d minutes is no UTC offset (at most 23:59 either way)", v.Num)
		}
		b.SetOffset(e, int16(v.Num))
	}
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
		v, ok, err := rd.value(row, col.index)
		if err != nil {
			return err
		}
		if ok {
			b.EventAttr(e, eventlog.Attr{Key: col.key, Value: v})
		}
	}
	return b.Err(0)
}

func (rd *reader) errorf(col int, format string, args ...any) error {
	where := fmt.Sprintf("row %d", rd.row)
	if col >= 0 {
		where += fmt.Sprintf(", column %q", rd.header[col])
	}
	return eventlog.Errorf(rd.name, 0, where, format, args...)
}

// id is the dictionary id of a text column's value; None for a null or
// no column.
func (rd *reader) id(row parquet.Row, col int, seen map[string]int32, d *eventlog.Dict) (int32, error) {
	if col < 0 || row[col].IsNull() {
		return eventlog.None, nil
	}
	if rd.kinds[col].is == isText {
		b := row[col].ByteArray()
		if id, ok := seen[string(b)]; ok {
			return id, nil
		}
	}
	s, ok, err := rd.text(row, col)
	if err != nil || !ok {
		return eventlog.None, err
	}
	id := d.ID(s)
	seen[s] = id
	return id, nil
}

// text is a column's value as text: a string, or a number written out.
func (rd *reader) text(row parquet.Row, col int) (string, bool, error) {
	v, ok, err := rd.value(row, col)
	if err != nil || !ok {
		return "", ok, err
	}
	switch v.Kind {
	case eventlog.KindString, eventlog.KindInt:
		return v.String(), true, nil
	}
	return "", false, rd.errorf(col, "is %s; it must be text or an integer", v.Kind)
}

// time is a time column's value in Unix nanoseconds; NoTime for a null.
func (rd *reader) time(row parquet.Row, col int) (int64, error) {
	if col < 0 || row[col].IsNull() {
		return eventlog.NoTime, nil
	}
	v, ok, err := rd.value(row, col)
	if err != nil || !ok {
		return eventlog.NoTime, err
	}
	var ns int64
	switch v.Kind {
	case eventlog.KindDate:
		ns = v.Num
	case eventlog.KindString:
		if ns, ok = rd.parseTime(v.Str); !ok {
			return 0, rd.errorf(col, "%q is not a time (give its form with --timestamp-format)", v.Str)
		}
	default:
		return 0, rd.errorf(col, "is %s, not a time", v.Kind)
	}
	if !eventlog.ValidEventTime(ns) {
		return 0, rd.errorf(col, "%s is outside the years procmine reads", eventlog.FormatTime(ns))
	}
	return ns, nil
}

// value is the value of a row's column; false for a null.
func (rd *reader) value(row parquet.Row, col int) (eventlog.Value, bool, error) {
	pv := row[col]
	if pv.IsNull() {
		return eventlog.Value{}, false, nil
	}
	v, err := rd.kinds[col].value(pv)
	if err != nil {
		return v, false, rd.errorf(col, "%v", err)
	}
	return v, true, nil
}

// kind is how a column's values become attribute values.
type kind struct {
	is       int
	physical parquet.Kind
	unit     int64 // nanoseconds in a time unit
	scale    int32 // a decimal's
	unsigned bool
}

const (
	isText = iota
	isInt
	isFloat
	isBool
	isTimestamp
	isDate
	isInt96
	isDecimal
	isUUID
	isTime
)

// kindOf reads a column's type.
func kindOf(t parquet.Type) (kind, error) {
	k := kind{physical: t.Kind()}
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			k.is = isText
		case *format.IntType:
			k.is, k.unsigned = isInt, !v.IsSigned
		case *format.DecimalType:
			k.is, k.scale = isDecimal, v.Scale
		case *format.DateType:
			k.is = isDate
		case *format.TimestampType:
			k.is, k.unit = isTimestamp, unitNanos(v.Unit)
		case *format.TimeType:
			k.is, k.unit = isTime, unitNanos(v.Unit)
		case *format.UUIDType:
			k.is = isUUID
		default:
			return k, fmt.Errorf("is of the Parquet type %s, which procmine does not read", lt)
		}
		return k, k.physicalFits()
	}
	if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			k.is = isText
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			k.is, k.unsigned = isInt, true
		case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64:
			k.is = isInt
		case deprecated.Date:
			k.is = isDate
		case deprecated.TimestampMillis:
			k.is, k.unit = isTimestamp, 1e6
		case deprecated.TimestampMicros:
			k.is, k.unit = isTimestamp, 1e3
		case deprecated.TimeMillis:
			k.is, k.unit = isTime, 1e6
		case deprecated.TimeMicros:
			k.is, k.unit = isTime, 1e3
		case deprecated.Decimal:
			return k, errors.New("is a decimal of the old form without its scale; write it with the DECIMAL logical type")
		default:
			return k, fmt.Errorf("is of the Parquet converted type %d, which procmine does not read", *ct)
		}
		return k, k.physicalFits()
	}
	switch k.physical {
	case parquet.Boolean:
		k.is = isBool
	case parquet.Int32, parquet.Int64:
		k.is = isInt
	case parquet.Float, parquet.Double:
		k.is = isFloat
	case parquet.Int96:
		k.is = isInt96
	case parquet.ByteArray:
		k.is = isText
	default:
		return k, fmt.Errorf("holds %s values with no logical type, which procmine does not read", k.physical)
	}
	return k, nil
}

// physicalFits refuses a logical type on a physical type it cannot have.
func (k kind) physicalFits() error {
	p := k.physical
	ok := false
	switch k.is {
	case isText:
		ok = p == parquet.ByteArray
	case isInt, isTime:
		ok = p == parquet.Int32 || p == parquet.Int64
	case isDate:
		ok = p == parquet.Int32
	case isTimestamp:
		ok = p == parquet.Int64
	case isDecimal:
		ok = p == parquet.Int32 || p == parquet.Int64 || p == parquet.ByteArray || p == parquet.FixedLenByteArray
	case isUUID:
		ok = p == parquet.FixedLenByteArray
	}
	if !ok {
		return fmt.Errorf("has a logical type that its %s values cannot carry", p)
	}
	return nil
}

func unitNanos(u format.TimeUnit) int64 {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return 1e6
	case *format.MicroSeconds:
		return 1e3
	}
	return 1
}

const nanosPerDay = 86400 * int64(time.Second)

// value converts one non-null value.
func (k kind) value(v parquet.Value) (eventlog.Value, error) {
	integer := func() int64 {
		if v.Kind() == parquet.Int32 {
			if k.unsigned {
				return int64(uint32(v.Int32()))
			}
			return int64(v.Int32())
		}
		return v.Int64()
	}
	switch k.is {
	case isText:
		b := v.ByteArray()
		if !utf8.Valid(b) {
			return eventlog.Value{}, errors.New("holds bytes that are not UTF-8 text")
		}
		return eventlog.StringValue(string(b)), nil
	case isInt:
		if k.unsigned && v.Kind() == parquet.Int64 && v.Int64() < 0 {
			return eventlog.Value{}, fmt.Errorf("%d is larger than procmine's integers", uint64(v.Int64()))
		}
		return eventlog.IntValue(integer()), nil
	case isFloat:
		if v.Kind() == parquet.Float {
			return eventlog.FloatValue(float64(v.Float())), nil
		}
		return eventlog.FloatValue(v.Double()), nil
	case isBool:
		return eventlog.BoolValue(v.Boolean()), nil
	case isDate:
		return date(integer(), nanosPerDay)
	case isTimestamp:
		n := integer()
		return date(n, k.unit)
	case isInt96:
		i := v.Int96()
		nanos := int64(uint64(i[0]) | uint64(i[1])<<32)
		day := int64(i[2]) - 2440588 // the Julian day of 1970-01-01
		if nanos < 0 || nanos >= nanosPerDay {
			return eventlog.Value{}, errors.New("is an INT96 timestamp with a time of day outside the day")
		}
		d, err := date(day, nanosPerDay)
		if err != nil || d.Num > math.MaxInt64-nanos {
			return eventlog.Value{}, errors.New("is an INT96 timestamp outside the years procmine reads")
		}
		d.Num += nanos
		return d, nil
	case isTime:
		n := integer()
		if n < 0 || n >= nanosPerDay/k.unit {
			return eventlog.Value{}, fmt.Errorf("%d is not a time of day", integer())
		}
		n *= k.unit
		return eventlog.StringValue(time.Unix(0, n).UTC().Format("15:04:05.999999999")), nil
	case isUUID:
		b := v.ByteArray()
		if len(b) != 16 {
			return eventlog.Value{}, fmt.Errorf("is a UUID of %d bytes, not 16", len(b))
		}
		return eventlog.StringValue(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])), nil
	case isDecimal:
		var unscaled *big.Int
		switch v.Kind() {
		case parquet.Int32, parquet.Int64:
			unscaled = big.NewInt(integer())
		default:
			b := v.ByteArray()
			if len(b) > 64 {
				return eventlog.Value{}, errors.New("is a decimal of more than 64 bytes")
			}
			unscaled = new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
				unscaled.Sub(unscaled, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
		}
		if k.scale < 0 || k.scale > 76 {
			return eventlog.Value{}, fmt.Errorf("is a decimal of scale %d", k.scale)
		}
		f, _ := new(big.Rat).SetFrac(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k.scale)), nil)).Float64()
		return eventlog.FloatValue(f), nil
	}
	return eventlog.Value{}, errors.New("has an unknown type")
}

// date is the date n units of unit nanoseconds from 1970, refused when
// it is past what nanoseconds can count.
func date(n, unit int64) (eventlog.Value, error) {
	if n > math.MaxInt64/unit || n < math.MinInt64/unit {
		return eventlog.Value{}, fmt.Errorf("%s units from 1970 is outside the years procmine reads", strconv.FormatInt(n, 10))
	}
	return eventlog.DateValue(n * unit), nil
}

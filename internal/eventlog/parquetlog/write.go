package parquetlog

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// OffsetColumn holds, in minutes, the UTC offset each event's timestamp
// was written at (eventlog.Log.Offsets): Parquet's timestamps are
// instants without one. Read takes it back; other readers see a column of
// integers.
const OffsetColumn = "time:utc_offset_minutes"

// Write writes the log as Parquet with the column names csvlog.Write
// gives: one row per event, case attributes repeated on every row of
// their case as case:KEY columns. Each attribute column has its values'
// type (integers, doubles, booleans, timestamps in nanoseconds adjusted to
// UTC, text); a key whose values have several types is written as text.
// Ids, lists and containers are written as text, without their children.
// Columns are in the order of their names, as the Parquet library orders
// a schema's fields.
func Write(w io.Writer, l *eventlog.Log) error {
	type column struct {
		name  string
		kind  eventlog.Kind
		value func(c, e int) (eventlog.Value, bool)
	}
	text := func(s string) (eventlog.Value, bool) { return eventlog.StringValue(s), true }
	cols := []column{
		{"case:concept:name", eventlog.KindString, func(c, _ int) (eventlog.Value, bool) { return text(l.CaseIDs[c]) }},
		{"concept:name", eventlog.KindString, func(_, e int) (eventlog.Value, bool) { return text(l.ActivityName(e)) }},
	}
	timed := false
	for _, t := range l.End {
		if t != eventlog.NoTime {
			timed = true
			break
		}
	}
	if timed {
		cols = append(cols, column{"time:timestamp", eventlog.KindDate, func(_, e int) (eventlog.Value, bool) {
			return eventlog.DateValue(l.End[e]), l.End[e] != eventlog.NoTime
		}})
	}
	if timed && l.Offsets != nil {
		// A Parquet timestamp is an instant without the offset it was
		// written at: the offsets go in a column of their own, in
		// minutes, which Read gives back to the events.
		cols = append(cols, column{OffsetColumn, eventlog.KindInt, func(_, e int) (eventlog.Value, bool) {
			return eventlog.IntValue(int64(l.Offsets[e])), l.End[e] != eventlog.NoTime
		}})
	}
	if l.HasStarts() {
		cols = append(cols, column{"start_timestamp", eventlog.KindDate, func(_, e int) (eventlog.Value, bool) {
			return eventlog.DateValue(l.Start[e]), l.Start[e] != l.End[e] && l.Start[e] != eventlog.NoTime
		}})
	}
	for _, r := range l.Res {
		if r != eventlog.None {
			cols = append(cols, column{"org:resource", eventlog.KindString, func(_, e int) (eventlog.Value, bool) {
				return eventlog.StringValue(l.ResourceName(e)), l.Res[e] != eventlog.None
			}})
			break
		}
	}
	if l.Life != nil {
		cols = append(cols, column{"lifecycle:transition", eventlog.KindString, func(_, e int) (eventlog.Value, bool) {
			return eventlog.StringValue(l.LifecycleName(e)), l.Life[e] != eventlog.None
		}})
	}
	caseKinds, eventKinds := kinds(&l.CaseAttrs), kinds(&l.EventAttrs)
	for _, k := range l.CaseAttrs.Keys() {
		cols = append(cols, column{"case:" + k, caseKinds[k], func(c, _ int) (eventlog.Value, bool) { return l.CaseAttrs.Get(int32(c), k) }})
	}
	for _, k := range l.EventAttrs.Keys() {
		cols = append(cols, column{csvlog.EventColumn(k), eventKinds[k], func(_, e int) (eventlog.Value, bool) { return l.EventAttrs.Get(int32(e), k) }})
	}

	group := parquet.Group{}
	for i, c := range cols {
		if _, taken := group[c.name]; taken {
			return fmt.Errorf("parquetlog: two columns would be named %q (a case attribute named as the log's own column?)", c.name)
		}
		var node parquet.Node
		switch c.kind {
		case eventlog.KindInt:
			node = parquet.Int(64)
		case eventlog.KindFloat:
			node = parquet.Leaf(parquet.DoubleType)
		case eventlog.KindBool:
			node = parquet.Leaf(parquet.BooleanType)
		case eventlog.KindDate:
			node = parquet.TimestampAdjusted(parquet.Nanosecond, true)
		default:
			node = parquet.String()
		}
		if i >= 2 { // the case id and the activity are in every row
			node = parquet.Optional(node)
		}
		group[c.name] = node
	}
	schema := parquet.NewSchema("event", group)
	// The schema orders the columns by name; index says where each of
	// ours went.
	index := map[string]int{}
	for i, path := range schema.Columns() {
		index[path[0]] = i
	}
	order := make([]int, len(cols))
	for i, c := range cols {
		order[i] = index[c.name]
	}
	// Snappy, as most writers: reading it back checks each page's size
	// from its first bytes, where zstd would have it decompressed twice.
	pw := parquet.NewWriter(w, schema, parquet.Compression(&snappy.Codec{}))
	rows := make([]parquet.Row, 0, batch)
	flush := func() error {
		_, err := pw.WriteRows(rows)
		rows = rows[:0]
		return err
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			row := make(parquet.Row, len(cols))
			for i, col := range cols {
				v, ok := col.value(c, e)
				row[order[i]] = parquetValue(v, ok, col.kind, i >= 2).Level(0, definition(ok, i >= 2), order[i])
			}
			if rows = append(rows, row); len(rows) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return pw.Close()
}

func definition(present, optional bool) int {
	if present && optional {
		return 1
	}
	return 0
}

// parquetValue is v in the column's type; a null when absent.
func parquetValue(v eventlog.Value, present bool, k eventlog.Kind, optional bool) parquet.Value {
	if !present && optional {
		return parquet.NullValue()
	}
	switch k {
	case eventlog.KindInt, eventlog.KindDate:
		return parquet.Int64Value(v.Num)
	case eventlog.KindFloat:
		return parquet.DoubleValue(v.Float())
	case eventlog.KindBool:
		return parquet.BooleanValue(v.Num != 0)
	}
	return parquet.ByteArrayValue([]byte(v.String()))
}

// kinds is the column type of each key of t: its values' kind when they
// all have one, text otherwise.
func kinds(t *eventlog.AttrTable) map[string]eventlog.Kind {
	out := map[string]eventlog.Kind{}
	mixed := map[string]bool{}
	for _, a := range t.All() {
		k := a.Value.Kind
		switch k {
		case eventlog.KindInt, eventlog.KindFloat, eventlog.KindBool, eventlog.KindDate:
		default:
			k = eventlog.KindString
		}
		if prev, ok := out[a.Key]; ok && prev != k {
			mixed[a.Key] = true
		}
		out[a.Key] = k
	}
	for key := range mixed {
		out[key] = eventlog.KindString
	}
	return out
}

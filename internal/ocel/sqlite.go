package ocel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/sqliteread"
	// the driver, as the store uses it
)

// ReadSQLite reads an OCEL 2.0 SQLite file, opened read-only. name is used
// in errors, which name the table and the row.
func ReadSQLite(ctx context.Context, path, name string, o Options) (*Log, error) {
	d := newDraft(name, o)
	d.log.Version = "2.0"
	// The file may come from anyone (an upload).
	db, conn, err := sqliteread.Open(ctx, path, sqliteread.Options{MaxValue: maxValue, Pragmas: []string{"table_info"}, NoViews: true, Immutable: true})
	if err != nil {
		return nil, d.errorf(0, "", "not a readable SQLite file (%v)", err)
	}
	defer db.Close()
	defer conn.Close()
	// An OCEL file holds tables: a view, a trigger or a virtual table
	// in one is refused by name rather than read.
	var kind, obj string
	switch err := conn.QueryRowContext(ctx, "SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'trigger') OR sql LIKE 'CREATE VIRTUAL%' LIMIT 1").Scan(&kind, &obj); {
	case err == nil:
		return nil, d.errorf(0, kind+" "+obj, "an OCEL SQLite file holds tables only; views, triggers and virtual tables are not read")
	case !errors.Is(err, sql.ErrNoRows):
		return nil, d.errorf(0, "", "not a readable SQLite file (%v)", err)
	}
	r := &sqliteReader{d: d, db: conn, ctx: ctx}
	if err := r.read(); err != nil {
		return nil, err
	}
	return d.finish()
}

type sqliteReader struct {
	d   *draft
	db  *sql.Conn
	ctx context.Context
}

// maxValue bounds one value of an OCEL SQLite file: ids, types and
// attribute values are short.
const maxValue = 1 << 20

// ident quotes a table or column name.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (r *sqliteReader) errorf(table string, row int, format string, args ...any) error {
	where := "table " + table
	if row > 0 {
		where += fmt.Sprintf(", row %d", row)
	}
	return r.d.errorf(0, where, format, args...)
}

// rows runs a query and calls f with each row's values (which f must not
// keep), by position and by column name.
func (r *sqliteReader) rows(table, query string, f func(row int, vals []any, byName map[string]any) error, args ...any) error {
	rows, err := r.db.QueryContext(r.ctx, query, args...)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "file is not a database") {
			return r.d.errorf(0, "", "not an OCEL 2.0 SQLite file: %v", err)
		}
		return r.errorf(table, 0, "%v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return r.errorf(table, 0, "%v", err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	byName := make(map[string]any, len(cols))
	n := 0
	for rows.Next() {
		n++
		// Every row counts against the bound as it is read (a view may
		// give rows without end).
		if err := r.d.charge(64); err != nil {
			return err
		}
		if err := rows.Scan(ptrs...); err != nil {
			return r.errorf(table, n, "%v", err)
		}
		for i, c := range cols {
			byName[c] = vals[i]
		}
		if err := f(n, vals, byName); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return r.errorf(table, n, "%v", err)
	}
	return nil
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return fmt.Sprint(x), true
	case float64:
		return fmt.Sprint(x), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	}
	return "", false
}

// sqlValue is a column's value as an attribute of the declared kind.
func sqlValue(v any, k eventlog.Kind) (eventlog.Value, bool, error) {
	if v == nil {
		return eventlog.Value{}, false, nil
	}
	if t, ok := v.(time.Time); ok {
		return eventlog.DateValue(t.UnixNano()), true, nil
	}
	s, _ := text(v)
	val, err := value(s, k, true)
	return val, err == nil, err
}

// kindOfColumn reads a column's declared SQL type.
func kindOfColumn(t string) eventlog.Kind {
	switch t = strings.ToUpper(t); {
	case strings.Contains(t, "INT"):
		return eventlog.KindInt
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"), strings.Contains(t, "NUM"):
		return eventlog.KindFloat
	case strings.Contains(t, "BOOL"):
		return eventlog.KindBool
	case strings.Contains(t, "TIME"), strings.Contains(t, "DATE"):
		return eventlog.KindDate
	}
	return eventlog.KindString
}

// typeTables reads event_map_type or object_map_type: each type and the
// table of its attributes.
func (r *sqliteReader) typeTables(prefix string) ([][2]string, error) {
	var out [][2]string
	err := r.rows(prefix+"_map_type", "SELECT ocel_type, ocel_type_map FROM "+ident(prefix+"_map_type"), func(row int, v []any, _ map[string]any) error {
		typ, ok1 := text(v[0])
		m, ok2 := text(v[1])
		if !ok1 || !ok2 || typ == "" || m == "" {
			return r.errorf(prefix+"_map_type", row, "a type or its table name is empty")
		}
		out = append(out, [2]string{typ, prefix + "_" + m})
		return nil
	})
	return out, err
}

// attrColumns are a type table's attribute columns and their kinds.
func (r *sqliteReader) attrColumns(table string) ([]AttrDecl, error) {
	var out []AttrDecl
	err := r.rows(table, "SELECT name, type FROM pragma_table_info(?)", func(_ int, v []any, _ map[string]any) error {
		name, _ := text(v[0])
		typ, _ := text(v[1])
		if name != "ocel_id" && name != "ocel_time" && name != "ocel_changed_field" {
			out = append(out, AttrDecl{Name: name, Kind: kindOfColumn(typ)})
		}
		return nil
	}, table)
	return out, err
}

func (r *sqliteReader) read() error {
	d := r.d
	objTables, err := r.typeTables("object")
	if err != nil {
		return err
	}
	evTables, err := r.typeTables("event")
	if err != nil {
		return err
	}
	objAttrs := map[string][]AttrDecl{}
	for _, t := range objTables {
		attrs, err := r.attrColumns(t[1])
		if err != nil {
			return err
		}
		d.declare(true, t[0], attrs)
		objAttrs[t[0]] = attrs
	}
	evAttrs := map[string][]AttrDecl{}
	for _, t := range evTables {
		attrs, err := r.attrColumns(t[1])
		if err != nil {
			return err
		}
		d.declare(false, t[0], attrs)
		evAttrs[t[0]] = attrs
	}

	// Objects, their attributes over time, their relations.
	objIndex := map[string]int{}
	var objects []Object
	if err := r.rows("object", "SELECT ocel_id, ocel_type FROM object ORDER BY rowid", func(row int, v []any, _ map[string]any) error {
		id, _ := text(v[0])
		typ, _ := text(v[1])
		if _, ok := objAttrs[typ]; !ok {
			return r.errorf("object", row, "object %q has the type %q, which object_map_type does not declare", id, typ)
		}
		objIndex[id] = len(objects)
		objects = append(objects, Object{ID: id, Type: typ})
		return nil
	}); err != nil {
		return err
	}
	for _, t := range objTables {
		attrs := objAttrs[t[0]]
		if err := r.rows(t[1], "SELECT * FROM "+ident(t[1])+" ORDER BY rowid", func(row int, _ []any, cols map[string]any) error {
			var err error
			id, _ := text(cols["ocel_id"])
			i, ok := objIndex[id]
			if !ok {
				return r.errorf(t[1], row, "object %q is not in table object", id)
			}
			at := int64(0)
			if tv := cols["ocel_time"]; tv != nil {
				s, _ := text(tv)
				if at, err = eventTime(s); err != nil {
					return r.errorf(t[1], row, "ocel_time %v", err)
				}
			}
			changed, _ := text(cols["ocel_changed_field"])
			for _, a := range attrs {
				if changed != "" && a.Name != changed {
					continue
				}
				val, ok, err := sqlValue(cols[a.Name], a.Kind)
				if err != nil {
					return r.errorf(t[1], row, "column %q: %v", a.Name, err)
				}
				if ok {
					objects[i].Attrs = append(objects[i].Attrs, ObjectAttr{Name: a.Name, Time: at, Value: val})
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	objRels := make([][]rawRel, len(objects))
	if err := r.rows("object_object", "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object ORDER BY rowid", func(row int, v []any, _ map[string]any) error {
		src, _ := text(v[0])
		dst, _ := text(v[1])
		q, _ := text(v[2])
		i, ok := objIndex[src]
		if !ok {
			return r.errorf("object_object", row, "object %q is not in table object", src)
		}
		objRels[i] = append(objRels[i], rawRel{dst, q})
		return nil
	}); err != nil {
		return err
	}
	for i, o := range objects {
		if err := d.addObject(o, objRels[i]); err != nil {
			return err
		}
	}

	// Events: their type from table event, their time and attributes
	// from their type's table, their objects from event_object.
	type ev struct {
		Event
		timed bool
	}
	evIndex := map[string]int{}
	var events []ev
	if err := r.rows("event", "SELECT ocel_id, ocel_type FROM event ORDER BY rowid", func(row int, v []any, _ map[string]any) error {
		id, _ := text(v[0])
		typ, _ := text(v[1])
		if _, ok := evAttrs[typ]; !ok {
			return r.errorf("event", row, "event %q has the type %q, which event_map_type does not declare", id, typ)
		}
		evIndex[id] = len(events)
		events = append(events, ev{Event: Event{ID: id, Type: typ}})
		return nil
	}); err != nil {
		return err
	}
	for _, t := range evTables {
		attrs := evAttrs[t[0]]
		if err := r.rows(t[1], "SELECT * FROM "+ident(t[1])+" ORDER BY rowid", func(row int, _ []any, cols map[string]any) error {
			var err error
			id, _ := text(cols["ocel_id"])
			i, ok := evIndex[id]
			if !ok {
				return r.errorf(t[1], row, "event %q is not in table event", id)
			}
			s, _ := text(cols["ocel_time"])
			if events[i].Time, err = eventTime(s); err != nil {
				return r.errorf(t[1], row, "ocel_time %v", err)
			}
			events[i].timed = true
			for _, a := range attrs {
				val, ok, err := sqlValue(cols[a.Name], a.Kind)
				if err != nil {
					return r.errorf(t[1], row, "column %q: %v", a.Name, err)
				}
				if ok {
					events[i].Attrs = append(events[i].Attrs, eventlog.Attr{Key: a.Name, Value: val})
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	evRels := make([][]rawRel, len(events))
	if err := r.rows("event_object", "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object ORDER BY rowid", func(row int, v []any, _ map[string]any) error {
		e, _ := text(v[0])
		o, _ := text(v[1])
		q, _ := text(v[2])
		i, ok := evIndex[e]
		if !ok {
			return r.errorf("event_object", row, "event %q is not in table event", e)
		}
		evRels[i] = append(evRels[i], rawRel{o, q})
		return nil
	}); err != nil {
		return err
	}
	for i, e := range events {
		if !e.timed {
			return r.errorf("event", 0, "event %q has no row in its type's table, so no time", e.ID)
		}
		if err := d.addEvent(e.Event, evRels[i], fmt.Sprintf("event %q", e.ID)); err != nil {
			return err
		}
	}
	return nil
}

package ocel

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// draft is a log being read: relations name their objects by id until
// every object is known, and what is read is counted against a bound.
type draft struct {
	file     string
	log      Log
	evRels   [][]rawRel // per event
	objRels  [][]rawRel // per object
	evWhere  []string   // how an error names each event
	used     int64
	maxBytes int64
	evKinds  map[string]map[string]eventlog.Kind // event type → attribute → kind
	objKinds map[string]map[string]eventlog.Kind
}

type rawRel struct{ id, qualifier string }

// Options bound what a reader keeps.
type Options struct {
	// MaxMemory bounds the estimated bytes the log takes once read (0:
	// eventlog.DefaultMaxMemory).
	MaxMemory int64
}

func newDraft(file string, o Options) *draft {
	if o.MaxMemory <= 0 {
		o.MaxMemory = eventlog.DefaultMaxMemory
	}
	return &draft{file: file, maxBytes: o.MaxMemory, evKinds: map[string]map[string]eventlog.Kind{}, objKinds: map[string]map[string]eventlog.Kind{}}
}

// errorf is an error in the file, at line (0: unknown) and a place.
func (d *draft) errorf(line int, where, format string, args ...any) error {
	return eventlog.Errorf(d.file, line, where, format, args...)
}

// charge counts n bytes against the bound.
func (d *draft) charge(n int) error {
	d.used += int64(n)
	if d.used > d.maxBytes {
		return d.errorf(0, "", "the log would take more than %d MB of memory: procmine reads no more", d.maxBytes>>20)
	}
	return nil
}

func (d *draft) declare(object bool, name string, attrs []AttrDecl) {
	t := Type{Name: name, Attrs: attrs}
	kinds := map[string]eventlog.Kind{}
	for _, a := range attrs {
		kinds[a.Name] = a.Kind
	}
	if object {
		d.log.ObjectTypes = append(d.log.ObjectTypes, t)
		d.objKinds[name] = kinds
	} else {
		d.log.EventTypes = append(d.log.EventTypes, t)
		d.evKinds[name] = kinds
	}
}

// textOf is the text an item's attributes and relations hold.
func textOf(attrs []eventlog.Attr, oattrs []ObjectAttr, rels []rawRel) int {
	n := 0
	for _, a := range attrs {
		n += len(a.Key) + len(a.Value.Str)
	}
	for _, a := range oattrs {
		n += len(a.Name) + len(a.Value.Str)
	}
	for _, r := range rels {
		n += len(r.id) + len(r.qualifier)
	}
	return n
}

func (d *draft) addEvent(e Event, rels []rawRel, where string) error {
	if err := d.charge(96 + len(e.ID) + len(e.Type) + 48*len(rels) + 64*len(e.Attrs) + textOf(e.Attrs, nil, rels)); err != nil {
		return err
	}
	d.log.Events = append(d.log.Events, e)
	d.evRels = append(d.evRels, rels)
	d.evWhere = append(d.evWhere, where)
	return nil
}

func (d *draft) addObject(o Object, rels []rawRel) error {
	if err := d.charge(96 + len(o.ID) + len(o.Type) + 48*len(rels) + 64*len(o.Attrs) + textOf(nil, o.Attrs, rels)); err != nil {
		return err
	}
	d.log.Objects = append(d.log.Objects, o)
	d.objRels = append(d.objRels, rels)
	return nil
}

// finish resolves the relations and checks that ids are unique.
func (d *draft) finish() (*Log, error) {
	index := make(map[string]int32, len(d.log.Objects))
	for i, o := range d.log.Objects {
		if o.ID == "" {
			return nil, d.errorf(0, fmt.Sprintf("object %d", i+1), "has no id")
		}
		if _, dup := index[o.ID]; dup {
			return nil, d.errorf(0, fmt.Sprintf("object %q", o.ID), "is in the log twice")
		}
		index[o.ID] = int32(i)
	}
	resolve := func(rels []rawRel, where string) ([]Relation, error) {
		out := make([]Relation, 0, len(rels))
		for _, r := range rels {
			o, ok := index[r.id]
			if !ok {
				return nil, d.errorf(0, where, "relates to object %q, which the log does not have", r.id)
			}
			out = append(out, Relation{Object: o, Qualifier: r.qualifier})
		}
		return out, nil
	}
	events := make(map[string]bool, len(d.log.Events))
	for i := range d.log.Events {
		e := &d.log.Events[i]
		if e.ID == "" {
			return nil, d.errorf(0, d.evWhere[i], "has no id")
		}
		if events[e.ID] {
			return nil, d.errorf(0, d.evWhere[i], "is in the log twice")
		}
		events[e.ID] = true
		var err error
		if e.Objects, err = resolve(d.evRels[i], d.evWhere[i]); err != nil {
			return nil, err
		}
	}
	for i := range d.log.Objects {
		var err error
		if d.log.Objects[i].Objects, err = resolve(d.objRels[i], fmt.Sprintf("object %q", d.log.Objects[i].ID)); err != nil {
			return nil, err
		}
	}
	if len(d.log.Events) == 0 {
		return nil, d.errorf(0, "", "no events")
	}
	l := d.log
	return &l, nil
}

// value reads an attribute value of the declared kind (text when the
// attribute is not declared) from a JSON value (string, json.Number,
// bool) or text.
func value(v any, kind eventlog.Kind, declared bool) (eventlog.Value, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return eventlog.Value{}, fmt.Errorf("is null")
	case string:
		text = x
	case json.Number:
		text = x.String()
	case bool:
		if !declared || kind == eventlog.KindBool {
			return eventlog.BoolValue(x), nil
		}
		text = strconv.FormatBool(x)
	default:
		return eventlog.Value{}, fmt.Errorf("is a JSON %T, not a value", v)
	}
	if !declared {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return eventlog.IntValue(i), nil
			}
			if f, err := n.Float64(); err == nil {
				return eventlog.FloatValue(f), nil
			}
		}
		return eventlog.StringValue(text), nil
	}
	switch kind {
	case eventlog.KindInt:
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return eventlog.IntValue(i), nil
		}
		// PM4Py writes integers of float columns as 3.0.
		if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return eventlog.IntValue(int64(f)), nil
		}
		return eventlog.Value{}, fmt.Errorf("%q is not an integer", clip(text))
	case eventlog.KindFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return eventlog.Value{}, fmt.Errorf("%q is not a number", clip(text))
		}
		return eventlog.FloatValue(f), nil
	case eventlog.KindBool:
		switch strings.ToLower(text) {
		case "true", "1":
			return eventlog.BoolValue(true), nil
		case "false", "0":
			return eventlog.BoolValue(false), nil
		}
		return eventlog.Value{}, fmt.Errorf("%q is not true or false", clip(text))
	case eventlog.KindDate:
		ns, ok := eventlog.ParseTime(text)
		if !ok {
			return eventlog.Value{}, fmt.Errorf("%q is not a time", clip(text))
		}
		return eventlog.DateValue(ns), nil
	}
	return eventlog.StringValue(text), nil
}

// eventTime reads an event's time.
func eventTime(text string) (int64, error) {
	ns, ok := eventlog.ParseTime(text)
	if !ok || !eventlog.ValidEventTime(ns) {
		return 0, fmt.Errorf("%q is not a time", clip(text))
	}
	return ns, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

package ocel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/procmine/procmine/internal/eventlog"
)

// ReadJSON reads an OCEL 2.0 JSON file (objectTypes, eventTypes, objects,
// events) or an OCEL 1.0 one (ocel:global-log, ocel:events,
// ocel:objects). name is used in errors.
func ReadJSON(data []byte, name string, o Options) (*Log, error) {
	return newDraft(name, o).readJSON(data)
}

// jsonHead is what one pass over a JSON file tells: its types (OCEL 2.0)
// and which version's members it has.
type jsonHead struct {
	ObjectTypes []jsonType `json:"objectTypes"`
	EventTypes  []jsonType `json:"eventTypes"`
	Events      present    `json:"events"`
	Events10    present    `json:"ocel:events"`
}

// present records that a member is there, keeping nothing of its value.
type present bool

func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

func (d *draft) readJSON(data []byte) (*Log, error) {
	var head jsonHead
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, d.jsonError(data, err)
	}
	switch {
	case bool(head.Events10):
		var top map[string]json.RawMessage
		if err := decode(data, &top); err != nil {
			return nil, d.jsonError(data, err)
		}
		return d.json10(data, top)
	case bool(head.Events) || head.ObjectTypes != nil:
		return d.json20(data, head)
	}
	return nil, d.errorf(0, "", "not an OCEL file: no events or ocel:events")
}

// decode reads JSON keeping numbers as written.
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonError names the line of a syntax error.
func (d *draft) jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return d.errorf(lineAt(data, syntax.Offset), "", "not JSON: %v", syntax)
	case errors.As(err, &typ):
		return d.errorf(lineAt(data, typ.Offset), typ.Field, "is a JSON %s, not %s", typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return d.errorf(0, "", "not JSON: the text ends early")
	}
	return d.errorf(0, "", "not JSON: %v", err)
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

// jsonObject and jsonEvent are the members of objects and events, read
// one at a time.
type jsonObject struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes []struct {
		Name  string `json:"name"`
		Time  string `json:"time"`
		Value any    `json:"value"`
	} `json:"attributes"`
	Relationships []jsonRel `json:"relationships"`
}

type jsonEvent struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Time       string `json:"time"`
	Attributes []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"attributes"`
	Relationships []jsonRel `json:"relationships"`
}

type jsonType struct {
	Name       string `json:"name"`
	Attributes []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"attributes"`
}

type jsonRel struct {
	ObjectID  string `json:"objectId"`
	Qualifier string `json:"qualifier"`
}

// json20 reads OCEL 2.0 in two passes over the text: the types first
// (readJSON's, wherever they are), then the objects and the events one at
// a time, each counted against the bound as it is read.
func (d *draft) json20(data []byte, types jsonHead) (*Log, error) {
	d.log.Version = "2.0"
	for _, list := range []struct {
		object bool
		types  []jsonType
	}{{true, types.ObjectTypes}, {false, types.EventTypes}} {
		for _, t := range list.types {
			var attrs []AttrDecl
			for _, a := range t.Attributes {
				k, ok := kindOf(a.Type)
				if !ok {
					return nil, d.errorf(0, fmt.Sprintf("type %q, attribute %q", t.Name, a.Name), "has the type %q; OCEL's are string, integer, float, boolean and time", a.Type)
				}
				attrs = append(attrs, AttrDecl{Name: a.Name, Kind: k})
			}
			d.declare(list.object, t.Name, attrs)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, d.jsonError(data, err)
	}
	lines := &lineCounter{data: data, line: 1}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, d.jsonError(data, err)
		}
		switch t {
		case "objects", "events":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				if tok == nil && err == nil { // null
					continue
				}
				return nil, d.errorf(lineAt(data, dec.InputOffset()), fmt.Sprint(t), "is not an array")
			}
			for k := 1; dec.More(); k++ {
				line := lines.at(dec.InputOffset())
				item := fmt.Sprintf("%s[%d]", t, k-1)
				if t == "objects" {
					var o jsonObject
					if err := dec.Decode(&o); err != nil {
						return nil, d.itemError(line, item, err)
					}
					if err := d.jsonObject(o); err != nil {
						return nil, withLine(err, line)
					}
				} else {
					var e jsonEvent
					if err := dec.Decode(&e); err != nil {
						return nil, d.itemError(line, item, err)
					}
					if err := d.jsonEvent(e); err != nil {
						return nil, withLine(err, line)
					}
				}
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, d.jsonError(data, err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, d.jsonError(data, err)
			}
		}
	}
	return d.finish()
}

// lineCounter tells the line of offsets that only grow, counting each
// newline once.
type lineCounter struct {
	data      []byte
	off, line int
}

// at is the line of the first value at or after offset (past the spaces
// and the comma before it).
func (c *lineCounter) at(offset int64) int {
	o := int(min(max(offset, 0), int64(len(c.data))))
	for o < len(c.data) && (c.data[o] == ',' || c.data[o] == ' ' || c.data[o] == '\n' || c.data[o] == '\r' || c.data[o] == '\t') {
		o++
	}
	if o > c.off {
		c.line += bytes.Count(c.data[c.off:o], []byte{'\n'})
		c.off = o
	}
	return c.line
}

// itemError is an error decoding one object or event: a syntax error is
// the file's, a type error the item's field.
func (d *draft) itemError(line int, item string, err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		where := item
		if typ.Field != "" {
			where += "." + typ.Field
		}
		return d.errorf(line, where, "is a JSON %s, not %s", typ.Value, typ.Type)
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return d.errorf(line, item, "not JSON: %v", syntax)
	}
	return d.errorf(line, item, "%v", err)
}

// withLine gives an error of the draft the line it was found at.
func withLine(err error, line int) error {
	var pe *eventlog.ParseError
	if errors.As(err, &pe) && pe.Line == 0 {
		pe.Line = line
	}
	return err
}

func (d *draft) jsonObject(o jsonObject) error {
	where := fmt.Sprintf("object %q", o.ID)
	kinds, ok := d.objKinds[o.Type]
	if !ok {
		return d.errorf(0, where, "has the type %q, which objectTypes does not declare", o.Type)
	}
	obj := Object{ID: o.ID, Type: o.Type}
	for _, a := range o.Attributes {
		k, declared := kinds[a.Name]
		v, err := value(a.Value, k, declared)
		if err != nil {
			return d.errorf(0, where+fmt.Sprintf(", attribute %q", a.Name), "%v", err)
		}
		at := int64(0)
		if a.Time != "" {
			if at, err = eventTime(a.Time); err != nil {
				return d.errorf(0, where+fmt.Sprintf(", attribute %q", a.Name), "time %v", err)
			}
		}
		obj.Attrs = append(obj.Attrs, ObjectAttr{Name: a.Name, Time: at, Value: v})
	}
	return d.addObject(obj, rels(o.Relationships))
}

func (d *draft) jsonEvent(e jsonEvent) error {
	where := fmt.Sprintf("event %q", e.ID)
	kinds, ok := d.evKinds[e.Type]
	if !ok {
		return d.errorf(0, where, "has the type %q, which eventTypes does not declare", e.Type)
	}
	at, err := eventTime(e.Time)
	if err != nil {
		return d.errorf(0, where, "time %v", err)
	}
	ev := Event{ID: e.ID, Type: e.Type, Time: at}
	for _, a := range e.Attributes {
		k, declared := kinds[a.Name]
		v, err := value(a.Value, k, declared)
		if err != nil {
			return d.errorf(0, where+fmt.Sprintf(", attribute %q", a.Name), "%v", err)
		}
		ev.Attrs = append(ev.Attrs, eventlog.Attr{Key: a.Name, Value: v})
	}
	return d.addEvent(ev, rels(e.Relationships), where)
}

func rels(rs []jsonRel) []rawRel {
	out := make([]rawRel, len(rs))
	for i, r := range rs {
		out[i] = rawRel{r.ObjectID, r.Qualifier}
	}
	return out
}

// json10 reads OCEL 1.0: events and objects are JSON objects keyed by id,
// read in the file's order.
func (d *draft) json10(data []byte, top map[string]json.RawMessage) (*Log, error) {
	d.log.Version = "1.0"
	var global struct {
		Types []string `json:"ocel:object-types"`
	}
	if raw := top["ocel:global-log"]; raw != nil {
		if err := decode(raw, &global); err != nil {
			return nil, d.errorf(0, "ocel:global-log", "%v", err)
		}
	}
	for _, t := range global.Types {
		d.declare(true, t, nil)
	}
	declared := map[string]bool{}
	for _, t := range global.Types {
		declared[t] = true
	}
	err := members(top["ocel:objects"], func(id string, dec *json.Decoder) error {
		var o struct {
			Type  string         `json:"ocel:type"`
			Ovmap map[string]any `json:"ocel:ovmap"`
		}
		where := fmt.Sprintf("object %q", id)
		if err := dec.Decode(&o); err != nil {
			return d.errorf(0, where, "%v", err)
		}
		if !declared[o.Type] {
			declared[o.Type] = true
			d.declare(true, o.Type, nil)
		}
		obj := Object{ID: id, Type: o.Type}
		for _, name := range sortedKeys(o.Ovmap) {
			v, err := value(o.Ovmap[name], 0, false)
			if err != nil {
				return d.errorf(0, where+fmt.Sprintf(", attribute %q", name), "%v", err)
			}
			obj.Attrs = append(obj.Attrs, ObjectAttr{Name: name, Value: v})
		}
		return d.addObject(obj, nil)
	})
	if err != nil {
		return nil, d.member("ocel:objects", err)
	}
	types := map[string]bool{}
	err = members(top["ocel:events"], func(id string, dec *json.Decoder) error {
		var e struct {
			Activity  string         `json:"ocel:activity"`
			Timestamp string         `json:"ocel:timestamp"`
			Omap      []string       `json:"ocel:omap"`
			Vmap      map[string]any `json:"ocel:vmap"`
		}
		where := fmt.Sprintf("event %q", id)
		if err := dec.Decode(&e); err != nil {
			return d.errorf(0, where, "%v", err)
		}
		if e.Activity == "" {
			return d.errorf(0, where, "has no ocel:activity")
		}
		if !types[e.Activity] {
			types[e.Activity] = true
			d.declare(false, e.Activity, nil)
		}
		at, err := eventTime(e.Timestamp)
		if err != nil {
			return d.errorf(0, where, "ocel:timestamp %v", err)
		}
		ev := Event{ID: id, Type: e.Activity, Time: at}
		for _, name := range sortedKeys(e.Vmap) {
			v, err := value(e.Vmap[name], 0, false)
			if err != nil {
				return d.errorf(0, where+fmt.Sprintf(", attribute %q", name), "%v", err)
			}
			ev.Attrs = append(ev.Attrs, eventlog.Attr{Key: name, Value: v})
		}
		rs := make([]rawRel, len(e.Omap))
		for i, o := range e.Omap {
			rs[i] = rawRel{id: o}
		}
		return d.addEvent(ev, rs, where)
	})
	if err != nil {
		return nil, d.member("ocel:events", err)
	}
	// OCEL 1.0 lists in ocel:omap objects it may not describe; PM4Py
	// takes them as objects of no type. procmine refuses them by name.
	return d.finish()
}

// members calls f for each member of a JSON object, in the order they are
// written, with the decoder positioned at the member's value, which f
// must read.
func members(raw json.RawMessage, f func(key string, dec *json.Decoder) error) error {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("is not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if err := f(key, dec); err != nil {
			return err
		}
	}
	return nil
}

// member names where a member's error is, unless the error says.
func (d *draft) member(where string, err error) error {
	var pe *eventlog.ParseError
	if errors.As(err, &pe) {
		return err
	}
	return d.errorf(0, where, "%v", err)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

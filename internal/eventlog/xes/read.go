package xes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"

	"github.com/orisano/gosax"

	"github.com/procmine/procmine/internal/eventlog"
)

// Standard attribute keys with columns of their own.
const (
	keyName      = "concept:name"
	keyTime      = "time:timestamp"
	keyResource  = "org:resource"
	keyLifecycle = "lifecycle:transition"
	keyStart     = "start_timestamp"
)

// Options adjust reading.
type Options struct {
	// WallClock reads dates as wall-clock times, ignoring UTC offsets (see
	// eventlog.ParseWallTime).
	WallClock bool
	// Budget bounds the log read; zero fields take eventlog's defaults.
	Budget eventlog.Budget
}

// Read parses an XES document (already decompressed; see
// eventlog.Decompress). name is used in error messages.
func Read(r io.Reader, name string, o Options) (log *eventlog.Log, err error) {
	p := &parser{
		file:      name,
		parseTime: eventlog.ParseTime,
		b:         eventlog.NewBuilder(),
		line:      1,
	}
	p.b.SetBudget(name, o.Budget)
	p.parseZone = eventlog.ParseTimeZone
	if o.WallClock {
		p.parseTime = eventlog.ParseWallTime
		p.parseZone = func(s string) (int64, int16, bool) {
			ns, ok := eventlog.ParseWallTime(s)
			return ns, 0, ok
		}
	}
	tz := startTokenizer(r, name)
	defer tz.stop()
	if err := p.run(tz); err != nil {
		return nil, err
	}
	return p.b.Finish(), nil
}

// element kinds on the parser's stack.
type elem uint8

const (
	elLog elem = iota
	elTrace
	elEvent
	elAttr
	elValues // <values> wrapper inside a list
	elGlobal
	elOther // extension, classifier: no children expected
)

// frame is one open element.
type frame struct {
	kind elem
	name string // tag name, for matching the end tag
	attr int    // for elAttr: index in parser.attrs
	// attrs counts the attributes attached to a log, global, trace or
	// event, up to eventlog.MaxAttrs.
	attrs int
}

// pending is an attribute whose element is still open (it has children).
type pending struct {
	parent int // index in parser.attrs, or -1 for a top-level attribute
	attr   eventlog.Attr
	line   int
}

type parser struct {
	keys      map[string]string // attribute keys, stored once
	file      string
	parseTime func(string) (int64, bool)
	// parseZone reads an event's time:timestamp with its UTC offset,
	// which the log keeps (eventlog.Log.Offsets).
	parseZone func(string) (int64, int16, bool)
	b         *eventlog.Builder
	line      int

	stack []frame
	attrs []pending // open attribute elements

	sawLog   bool
	caseIdx  int32
	traceNo  int
	caseName string // the current trace's concept:name

	// the current event
	inEvent bool
	evLine  int
	act     []byte
	hasAct  bool
	ts      int64
	res     int32
	life    int32
	startTS int64
	off     int16 // the UTC offset of ts, in minutes
	extra   []eventlog.Attr
	global  *eventlog.Global
	// held is what the builder's budget was charged for attributes the
	// parser holds (open ones, the current event's), given back when the
	// builder takes them and counts them itself.
	held int64
}

func (p *parser) errorf(where, format string, args ...any) error {
	return eventlog.Errorf(p.file, p.line, where, format, args...)
}

func (p *parser) run(tz *tokenizer) error {
	for b := range tz.out {
		for _, t := range b.toks {
			p.line = t.line
			if err := p.token(t.kind, b.data[t.off:t.end]); err != nil {
				return err
			}
			if t.kind == tokEOF {
				return p.b.Err(p.line)
			}
		}
		// What the builder holds is counted as it comes: a batch of
		// tokens adds at most its own size times a small factor.
		if err := p.b.Err(p.line); err != nil {
			return err
		}
		if b.err != nil {
			p.line = b.errLine
			var limit *eventlog.ParseError
			switch {
			case errors.As(b.err, &limit):
				return limit
			case errors.Is(b.err, io.EOF):
				return p.errorf("", "unexpected end of file inside %s", p.openElement())
			case eventlog.Corrupt(b.err):
				return p.errorf("", "the file is truncated or corrupt (%v)", b.err)
			}
			return p.errorf("", "malformed XML: %v", b.err)
		}
		tz.free <- b
	}
	return p.errorf("", "unexpected end of file inside %s", p.openElement())
}

func (p *parser) token(kind uint8, tok []byte) error {
	switch kind {
	case tokEOF:
		if len(p.stack) > 0 {
			return p.errorf("", "unexpected end of file inside %s", p.openElement())
		}
		if !p.sawLog {
			return p.errorf("", "no <log> element: this is not an XES file")
		}
		return nil
	case gosax.EventStart:
		return p.start(tok)
	case gosax.EventEnd:
		return p.end(tok)
	case gosax.EventDocType:
		if len(p.stack) > 0 || p.sawLog {
			return p.errorf("", "DOCTYPE inside the document")
		}
		if bytes.Contains(tok, []byte("<!ENTITY")) {
			// Entity declarations are how XML bombs are built.
			return p.errorf("<!DOCTYPE>", "entity declarations are not allowed")
		}
	}
	return nil
}

func (p *parser) openElement() string {
	if len(p.stack) == 0 {
		return "the document"
	}
	return "<" + p.stack[len(p.stack)-1].name + ">"
}

// tagParts splits a start tag into its local name, attribute bytes and
// whether it closes itself.
func tagParts(tag []byte) (name, rest []byte, selfClosing bool) {
	selfClosing = len(tag) >= 2 && tag[len(tag)-2] == '/'
	name, rest = gosax.Name(tag)
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:] // namespace prefixes carry nothing for XES
	}
	return name, rest, selfClosing
}

type xmlAttrs struct {
	key, value, scope, prefix, uri, keys, name []byte
	hasKey, hasValue                           bool
}

func (p *parser) readAttrs(rest []byte, where string) (xmlAttrs, error) {
	var a xmlAttrs
	if len(rest) > 0 && rest[len(rest)-1] == '>' {
		rest = rest[:len(rest)-1]
	}
	if len(rest) > 0 && rest[len(rest)-1] == '/' {
		rest = rest[:len(rest)-1]
	}
	for {
		at, next, err := gosax.NextAttribute(rest)
		if err != nil {
			return a, p.errorf(where, "malformed attribute: %v", err)
		}
		if len(at.Key) == 0 {
			if len(next) > 0 && len(bytes.TrimSpace(next)) > 0 {
				return a, p.errorf(where, "malformed attribute near %q", clip(next))
			}
			return a, nil
		}
		v := at.Value
		if len(v) < 2 || v[0] != v[len(v)-1] {
			return a, p.errorf(where, "attribute %s has no quoted value", clip(at.Key))
		}
		v = v[1 : len(v)-1]
		// One pass over the (short) value finds what needs the slower
		// paths: entities or carriage returns to unescape, non-ASCII to
		// validate as UTF-8.
		var special, nonASCII bool
		for _, c := range v {
			special = special || c == '&' || c == '\r'
			nonASCII = nonASCII || c >= 0x80
		}
		if special {
			if v, err = gosax.Unescape(v); err != nil {
				return a, p.errorf(where, "attribute %s: %v", clip(at.Key), err)
			}
		}
		if nonASCII && !utf8.Valid(v) {
			return a, p.errorf(where, "attribute %s is not valid UTF-8", clip(at.Key))
		}
		switch string(at.Key) {
		case "key":
			a.key, a.hasKey = v, true
		case "value":
			a.value, a.hasValue = v, true
		case "scope":
			a.scope = v
		case "prefix":
			a.prefix = v
		case "uri":
			a.uri = v
		case "keys":
			a.keys = v
		case "name":
			a.name = v
		}
		rest = next
	}
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// attrKind recognises the attribute elements; the switch on string(name)
// does not allocate.
func attrKind(name []byte) (eventlog.Kind, bool) {
	switch string(name) {
	case "string":
		return eventlog.KindString, true
	case "date":
		return eventlog.KindDate, true
	case "int":
		return eventlog.KindInt, true
	case "float":
		return eventlog.KindFloat, true
	case "boolean":
		return eventlog.KindBool, true
	case "id":
		return eventlog.KindID, true
	case "list":
		return eventlog.KindList, true
	case "container":
		return eventlog.KindContainer, true
	}
	return 0, false
}

// elementName returns "<name>" for messages, without allocating for the
// elements every event has.
func elementName(name []byte) string {
	switch string(name) {
	case "string":
		return "<string>"
	case "date":
		return "<date>"
	case "event":
		return "<event>"
	case "trace":
		return "<trace>"
	}
	return "<" + string(name) + ">"
}

// view returns b as a string without copying, for parsing; the result must
// not outlive b's next reuse by the tokenizer.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// intern returns key as a string shared by every attribute with that key:
// a log has few keys and many attributes.
func (p *parser) intern(key []byte) string {
	if s, ok := p.keys[string(key)]; ok {
		return s
	}
	if p.keys == nil {
		p.keys = map[string]string{}
	}
	s := string(key)
	p.keys[s] = s
	return s
}

func (p *parser) push(kind elem, name []byte, self bool) {
	if !self {
		p.stack = append(p.stack, frame{kind: kind, name: string(name)})
	}
}

// deeper checks that one more element may open.
func (p *parser) deeper(where string) error {
	if len(p.stack) >= eventlog.MaxDepth {
		return p.errorf(where, "elements nested more than %d deep", eventlog.MaxDepth)
	}
	return nil
}

func (p *parser) top() elem {
	if len(p.stack) == 0 {
		return 255
	}
	return p.stack[len(p.stack)-1].kind
}

func (p *parser) start(tag []byte) error {
	name, rest, self := tagParts(tag)
	where := elementName(name)
	top := p.top()
	if top == elOther {
		return p.errorf(where, "unexpected element inside %s", p.openElement())
	}
	if kind, ok := attrKind(name); ok {
		if len(p.stack) == 0 {
			return p.errorf(where, "attribute outside <log>")
		}
		return p.startAttr(kind, rest, self, where)
	}
	switch string(name) {
	case "log":
		if len(p.stack) != 0 || p.sawLog {
			return p.errorf(where, "nested or second <log>")
		}
		p.sawLog = true
		p.push(elLog, name, self)
	case "trace":
		if top != elLog {
			return p.errorf(where, "<trace> must be directly inside <log>")
		}
		p.traceNo++
		p.caseIdx = p.b.NewCase("")
		p.caseName = ""
		p.push(elTrace, name, self)
	case "event":
		if top != elTrace {
			return p.errorf(where, "<event> must be directly inside <trace>")
		}
		p.inEvent, p.evLine, p.hasAct = true, p.line, false
		p.act = p.act[:0]
		p.ts, p.startTS, p.off = eventlog.NoTime, eventlog.NoTime, 0
		p.res, p.life = eventlog.None, eventlog.None
		p.extra = p.extra[:0]
		p.push(elEvent, name, self)
		if self {
			return p.endEvent()
		}
	case "values":
		if top != elAttr {
			return p.errorf(where, "<values> outside a <list>")
		}
		if !self {
			if err := p.deeper(where); err != nil {
				return err
			}
			// Members of the list attach to the list itself.
			p.stack = append(p.stack, frame{kind: elValues, name: "values", attr: p.stack[len(p.stack)-1].attr})
		}
	case "extension", "classifier":
		if top != elLog {
			return p.errorf(where, "must be directly inside <log>")
		}
		a, err := p.readAttrs(rest, where)
		if err != nil {
			return err
		}
		// Counted against the log's memory budget like attributes: a
		// file may declare any number of them.
		p.b.Charge(int64(len(a.name)+len(a.prefix)+len(a.uri)+len(a.keys)) + 48)
		meta := &p.b.Log().Meta
		if string(name) == "extension" {
			meta.Extensions = append(meta.Extensions, eventlog.Extension{Name: string(a.name), Prefix: string(a.prefix), URI: string(a.uri)})
		} else {
			meta.Classifiers = append(meta.Classifiers, eventlog.Classifier{Name: string(a.name), Keys: string(a.keys)})
		}
		p.push(elOther, name, self)
	case "global":
		if top != elLog {
			return p.errorf(where, "must be directly inside <log>")
		}
		a, err := p.readAttrs(rest, where)
		if err != nil {
			return err
		}
		p.b.Charge(int64(len(a.scope)) + 40)
		meta := &p.b.Log().Meta
		meta.Globals = append(meta.Globals, eventlog.Global{Scope: string(a.scope)})
		p.global = &meta.Globals[len(meta.Globals)-1]
		p.push(elGlobal, name, self)
	default:
		return p.errorf(where, "unknown element (XES defines log, trace, event, the attribute types, extension, global and classifier)")
	}
	return nil
}

func (p *parser) startAttr(kind eventlog.Kind, rest []byte, self bool, where string) error {
	a, err := p.readAttrs(rest, where)
	if err != nil {
		return err
	}
	top := p.top()
	// Members of lists and meta attributes may go without a key (OpenXES
	// writes some that way); everywhere else the key names the attribute.
	if !a.hasKey && top != elAttr && top != elValues {
		return p.errorf(where, "attribute without a key")
	}
	isCollection := kind == eventlog.KindList || kind == eventlog.KindContainer
	if !a.hasValue && !isCollection {
		return p.errorf(where, "attribute %q has no value", a.key)
	}
	// The hot path: a standard attribute of an event, without children.
	if top == elEvent && self {
		switch string(a.key) {
		case keyName:
			p.act = append(p.act[:0], a.value...)
			p.hasAct = true
			return nil
		case keyTime:
			ts, off, ok := p.parseZone(view(a.value))
			if !ok {
				if kind == eventlog.KindDate {
					return p.errorf(where, "time:timestamp %q is not a date", clip(a.value))
				}
				// A string-typed timestamp that is no date ("?" in some
				// exports) leaves the event untimed.
				break
			}
			if !eventlog.ValidEventTime(ts) {
				return p.errorf(where, "time:timestamp %q is outside the years 1850 to 2140 that procmine analyses", clip(a.value))
			}
			p.ts, p.off = ts, off
			return nil
		case keyResource:
			p.res = p.b.Log().Resources.IDBytes(a.value)
			return nil
		case keyLifecycle:
			p.life = p.b.Log().Lifecycles.IDBytes(a.value)
			return nil
		case keyStart:
			if kind == eventlog.KindDate {
				ts, ok := p.parseTime(view(a.value))
				if !ok {
					return p.errorf(where, "start_timestamp %q is not a date", clip(a.value))
				}
				if !eventlog.ValidEventTime(ts) {
					return p.errorf(where, "start_timestamp %q is outside the years 1850 to 2140 that procmine analyses", clip(a.value))
				}
				p.startTS = ts
				return nil
			}
		}
	}
	v, err := eventlog.ParseValue(kind, string(a.value))
	if err != nil {
		return p.errorf(where, "%q is not a valid %s value for attribute %q", clip(a.value), kind, a.key)
	}
	attr := eventlog.Attr{Key: p.intern(a.key), Value: v}
	// Counted at once: an attribute's children, and an event's
	// attributes, are held until their element ends.
	cost := eventlog.AttrCost(&attr)
	p.b.Charge(cost)
	p.held += cost
	parent := -1
	if top == elAttr || top == elValues {
		parent = p.stack[len(p.stack)-1].attr
	}
	if self {
		return p.attach(parent, attr)
	}
	if err := p.deeper(where); err != nil {
		return err
	}
	p.attrs = append(p.attrs, pending{parent: parent, attr: attr, line: p.line})
	p.stack = append(p.stack, frame{kind: elAttr, name: kind.String(), attr: len(p.attrs) - 1})
	return nil
}

// attach hangs a finished attribute on its parent attribute or on the
// element it belongs to.
func (p *parser) attach(parent int, a eventlog.Attr) error {
	if parent >= 0 {
		if len(p.attrs[parent].attr.Children) >= eventlog.MaxAttrs {
			return p.errorf("<"+p.attrs[parent].attr.Value.Kind.String()+">", "more than %d attributes inside one attribute", eventlog.MaxAttrs)
		}
		p.attrs[parent].attr.Children = append(p.attrs[parent].attr.Children, a)
		return nil
	}
	if len(p.stack) > 0 {
		f := &p.stack[len(p.stack)-1]
		if f.attrs++; f.attrs > eventlog.MaxAttrs {
			return p.errorf("<"+f.name+">", "more than %d attributes in one element", eventlog.MaxAttrs)
		}
	}
	switch p.top() {
	case elLog:
		p.release()
		p.b.ChargeAttr(&a)
		meta := &p.b.Log().Meta
		meta.Attrs = append(meta.Attrs, a)
	case elGlobal:
		p.release()
		p.b.ChargeAttr(&a)
		p.global.Attrs = append(p.global.Attrs, a)
	case elTrace:
		p.release()
		if a.Key == keyName {
			p.caseName = a.Value.String()
			if len(a.Children) == 0 {
				return nil
			}
			a = eventlog.Attr{Key: "meta:" + a.Key, Value: eventlog.Value{Kind: eventlog.KindContainer}, Children: a.Children}
		}
		p.b.CaseAttr(p.caseIdx, a)
	case elEvent:
		if ts, ok := p.timeOf(a); ok {
			if a.Key == keyTime {
				p.ts, p.off = ts, 0 // a nested timestamp keeps no offset
			} else {
				p.startTS = ts
			}
			if len(a.Children) == 0 {
				return nil
			}
			a = eventlog.Attr{Key: "meta:" + a.Key, Value: eventlog.Value{Kind: eventlog.KindContainer}, Children: a.Children}
			p.extra = append(p.extra, a)
			return nil
		}
		switch a.Key {
		case keyName, keyResource, keyLifecycle:
			// A standard attribute with meta attributes of its own: the
			// value fills the column and the whole attribute is kept too.
			s := a.Value.String()
			switch a.Key {
			case keyName:
				p.act, p.hasAct = append(p.act[:0], s...), true
			case keyResource:
				p.res = p.b.Log().Resources.ID(s)
			case keyLifecycle:
				p.life = p.b.Log().Lifecycles.ID(s)
			}
			if len(a.Children) == 0 {
				return nil
			}
			a = eventlog.Attr{Key: "meta:" + a.Key, Value: eventlog.Value{Kind: eventlog.KindContainer}, Children: a.Children}
		}
		p.extra = append(p.extra, a)
	}
	return nil
}

// timeOf reads an event's time:timestamp or start_timestamp that came
// with nested attributes (the fast path takes the usual, childless ones):
// a date, or a string that holds one.
func (p *parser) timeOf(a eventlog.Attr) (int64, bool) {
	if a.Key != keyTime && a.Key != keyStart {
		return 0, false
	}
	var ts int64
	switch a.Value.Kind {
	case eventlog.KindDate:
		ts = a.Value.Num
	case eventlog.KindString:
		var ok bool
		if ts, ok = p.parseTime(a.Value.Str); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	return ts, eventlog.ValidEventTime(ts)
}

func (p *parser) end(tag []byte) error {
	name, _, _ := tagParts(tag)
	if len(p.stack) == 0 {
		return p.errorf("</"+string(name)+">", "end tag without a start tag")
	}
	f := p.stack[len(p.stack)-1]
	if string(name) != f.name {
		return p.errorf("</"+string(name)+">", "expected </%s>", f.name)
	}
	p.stack = p.stack[:len(p.stack)-1]
	switch f.kind {
	case elAttr:
		pa := p.attrs[f.attr]
		p.attrs = p.attrs[:f.attr]
		return p.attach(pa.parent, pa.attr)
	case elEvent:
		return p.endEvent()
	case elTrace:
		if p.caseName == "" {
			p.caseName = fmt.Sprintf("#%d", p.traceNo)
			p.b.Log().Warnings = appendOnce(p.b.Log().Warnings,
				"some traces have no concept:name: they are named #N after their position in the file")
		}
		p.b.NameCase(p.caseIdx, p.caseName)
		return p.b.Err(p.line)
	case elGlobal:
		p.global = nil
	}
	return nil
}

func (p *parser) endEvent() error {
	p.inEvent = false
	if !p.hasAct {
		return eventlog.Errorf(p.file, p.evLine, "<event>", "event has no concept:name (activity)")
	}
	if len(p.act) == 0 {
		return eventlog.Errorf(p.file, p.evLine, "<event>", "event has an empty concept:name (activity)")
	}
	l := p.b.Log()
	e := p.b.Event(p.caseIdx, l.Activities.IDBytes(p.act), p.ts, p.res, p.life)
	if p.startTS != eventlog.NoTime {
		p.b.SetStart(e, p.startTS)
	}
	p.b.SetOffset(e, p.off)
	p.release()
	for _, a := range p.extra {
		p.b.EventAttr(e, a)
	}
	return p.b.Err(p.evLine)
}

// release gives back what held was charged, as the builder takes the
// attributes (or they are dropped).
func (p *parser) release() {
	p.b.Charge(-p.held)
	p.held = 0
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

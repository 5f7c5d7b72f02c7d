package ocel

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

type xmlType struct {
	Name  string `xml:"name,attr"`
	Attrs []struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"attributes>attribute"`
}

type xmlRel struct {
	ObjectID  string `xml:"object-id,attr"`
	Qualifier string `xml:"qualifier,attr"`
}

type xmlItem struct {
	ID    string `xml:"id,attr"`
	Type  string `xml:"type,attr"`
	Time  string `xml:"time,attr"`
	Attrs []struct {
		Name  string `xml:"name,attr"`
		Time  string `xml:"time,attr"`
		Value string `xml:",chardata"`
	} `xml:"attributes>attribute"`
	Rels []xmlRel `xml:"objects>relationship"`
}

// ReadXML reads an OCEL 2.0 XML file. name is used in errors, which give
// the line.
func ReadXML(r io.Reader, name string, o Options) (*Log, error) {
	d := newDraft(name, o)
	d.log.Version = "2.0"
	// The text counts against the bound as it is read, as a JSON file's
	// does: one element may be as long as the file.
	dec := xml.NewDecoder(&chargingReader{r: r, d: d})
	// The declared encoding of an OCEL file is UTF-8; others are refused.
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("the encoding %q (OCEL files are UTF-8)", label)
	}
	var path []string
	sawLog := false
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if d.used > d.maxBytes {
				return nil, d.charge(0)
			}
			line, _ = dec.InputPos()
			return nil, d.errorf(line, "", "malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := strings.Join(path, "/")
			switch {
			case parent == "" && t.Name.Local == "log":
				sawLog = true
			case parent == "":
				return nil, d.errorf(line, "<"+t.Name.Local+">", "is not an OCEL 2.0 XML file: its root must be <log>")
			case (parent == "log/object-types" && t.Name.Local == "object-type") || (parent == "log/event-types" && t.Name.Local == "event-type"):
				var x xmlType
				if err := dec.DecodeElement(&x, &t); err != nil {
					if d.used > d.maxBytes {
						return nil, d.charge(0)
					}
					return nil, d.errorf(line, "<"+t.Name.Local+">", "%v", err)
				}
				var attrs []AttrDecl
				for _, a := range x.Attrs {
					k, ok := kindOf(a.Type)
					if !ok {
						return nil, d.errorf(line, fmt.Sprintf("type %q, attribute %q", x.Name, a.Name), "has the type %q; OCEL's are string, integer, float, boolean and time", a.Type)
					}
					attrs = append(attrs, AttrDecl{Name: a.Name, Kind: k})
				}
				d.declare(t.Name.Local == "object-type", x.Name, attrs)
				continue
			case parent == "log/objects" && t.Name.Local == "object":
				if err := d.xmlObject(dec, t, line); err != nil {
					return nil, err
				}
				continue
			case parent == "log/events" && t.Name.Local == "event":
				if err := d.xmlEvent(dec, t, line); err != nil {
					return nil, err
				}
				continue
			}
			path = append(path, t.Name.Local)
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	if !sawLog {
		return nil, d.errorf(0, "", "not an OCEL 2.0 XML file: no <log>")
	}
	return d.finish()
}

func (d *draft) xmlObject(dec *xml.Decoder, t xml.StartElement, line int) error {
	var x xmlItem
	if err := dec.DecodeElement(&x, &t); err != nil {
		if d.used > d.maxBytes {
			return d.charge(0)
		}
		return d.errorf(line, "<object>", "%v", err)
	}
	where := fmt.Sprintf("object %q", x.ID)
	kinds, ok := d.objKinds[x.Type]
	if !ok {
		return d.errorf(line, where, "has the type %q, which <object-types> does not declare", x.Type)
	}
	obj := Object{ID: x.ID, Type: x.Type}
	for _, a := range x.Attrs {
		k, declared := kinds[a.Name]
		v, err := value(a.Value, k, declared)
		if err != nil {
			return d.errorf(line, where+fmt.Sprintf(", attribute %q", a.Name), "%v", err)
		}
		at := int64(0)
		if a.Time != "" {
			if at, err = eventTime(a.Time); err != nil {
				return d.errorf(line, where+fmt.Sprintf(", attribute %q", a.Name), "time %v", err)
			}
		}
		obj.Attrs = append(obj.Attrs, ObjectAttr{Name: a.Name, Time: at, Value: v})
	}
	return d.addObject(obj, xmlRels(x.Rels))
}

func (d *draft) xmlEvent(dec *xml.Decoder, t xml.StartElement, line int) error {
	var x xmlItem
	if err := dec.DecodeElement(&x, &t); err != nil {
		if d.used > d.maxBytes {
			return d.charge(0)
		}
		return d.errorf(line, "<event>", "%v", err)
	}
	where := fmt.Sprintf("event %q", x.ID)
	kinds, ok := d.evKinds[x.Type]
	if !ok {
		return d.errorf(line, where, "has the type %q, which <event-types> does not declare", x.Type)
	}
	at, err := eventTime(x.Time)
	if err != nil {
		return d.errorf(line, where, "time %v", err)
	}
	ev := Event{ID: x.ID, Type: x.Type, Time: at}
	for _, a := range x.Attrs {
		k, declared := kinds[a.Name]
		v, err := value(a.Value, k, declared)
		if err != nil {
			return d.errorf(line, where+fmt.Sprintf(", attribute %q", a.Name), "%v", err)
		}
		ev.Attrs = append(ev.Attrs, eventlog.Attr{Key: a.Name, Value: v})
	}
	err = d.addEvent(ev, xmlRels(x.Rels), where)
	var pe *eventlog.ParseError
	if errors.As(err, &pe) && pe.Line == 0 {
		pe.Line = line
	}
	return err
}

// chargingReader counts what is read against the draft's bound, and
// fails past it.
type chargingReader struct {
	r io.Reader
	d *draft
}

func (c *chargingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if cerr := c.d.charge(n); cerr != nil {
		return n, cerr
	}
	return n, err
}

func xmlRels(rs []xmlRel) []rawRel {
	out := make([]rawRel, len(rs))
	for i, r := range rs {
		out[i] = rawRel{r.ObjectID, r.Qualifier}
	}
	return out
}

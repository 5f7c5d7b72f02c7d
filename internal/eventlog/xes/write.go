package xes

import (
	"bufio"
	"io"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// Write writes the log as XES. Each event's columns are written as the
// standard attributes (concept:name, time:timestamp, org:resource,
// lifecycle:transition, start_timestamp) followed by its other attributes;
// the log's extensions, globals and classifiers are written back as read.
func Write(w io.Writer, l *eventlog.Log) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	x := &writer{w: bw}
	x.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.s(`<log xes.version="1849.2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">` + "\n")
	meta := l.Meta
	if len(meta.Extensions) == 0 {
		meta.Extensions = []eventlog.Extension{
			{Name: "Concept", Prefix: "concept", URI: "http://www.xes-standard.org/concept.xesext"},
			{Name: "Time", Prefix: "time", URI: "http://www.xes-standard.org/time.xesext"},
			{Name: "Organizational", Prefix: "org", URI: "http://www.xes-standard.org/org.xesext"},
			{Name: "Lifecycle", Prefix: "lifecycle", URI: "http://www.xes-standard.org/lifecycle.xesext"},
		}
	}
	for _, e := range meta.Extensions {
		x.s("\t<extension name=" + attrQ(e.Name) + " prefix=" + attrQ(e.Prefix) + " uri=" + attrQ(e.URI) + "/>\n")
	}
	for _, g := range meta.Globals {
		x.s("\t<global scope=" + attrQ(g.Scope) + ">\n")
		for _, a := range g.Attrs {
			x.attr(a, 2)
		}
		x.s("\t</global>\n")
	}
	for _, c := range meta.Classifiers {
		x.s("\t<classifier name=" + attrQ(c.Name) + " keys=" + attrQ(c.Keys) + "/>\n")
	}
	for _, a := range meta.Attrs {
		x.attr(a, 1)
	}
	for c := range l.CaseIDs {
		x.s("\t<trace>\n")
		x.attr(eventlog.Attr{Key: keyName, Value: eventlog.StringValue(l.CaseIDs[c])}, 2)
		for _, a := range l.CaseAttrs.Of(int32(c)) {
			x.attr(a, 2)
		}
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			x.s("\t\t<event>\n")
			x.attr(eventlog.Attr{Key: keyName, Value: eventlog.StringValue(l.ActivityName(e))}, 3)
			if l.End[e] != eventlog.NoTime {
				// At the UTC offset the source wrote it at.
				x.s("\t\t\t<date key=" + attrQ(keyTime) + " value=" + attrQ(eventlog.FormatTimeZone(l.End[e], l.Offset(e))) + "/>\n")
			}
			if l.HasStarts() && l.Start[e] != l.End[e] && l.Start[e] != eventlog.NoTime {
				x.s("\t\t\t<date key=" + attrQ(keyStart) + " value=" + attrQ(eventlog.FormatTimeZone(l.Start[e], l.Offset(e))) + "/>\n")
			}
			if r := l.ResourceName(e); r != "" {
				x.attr(eventlog.Attr{Key: keyResource, Value: eventlog.StringValue(r)}, 3)
			}
			if lc := l.LifecycleName(e); lc != "" {
				x.attr(eventlog.Attr{Key: keyLifecycle, Value: eventlog.StringValue(lc)}, 3)
			}
			for _, a := range l.EventAttrs.Of(int32(e)) {
				x.attr(a, 3)
			}
			x.s("\t\t</event>\n")
		}
		x.s("\t</trace>\n")
	}
	x.s("</log>\n")
	if x.err != nil {
		return x.err
	}
	return bw.Flush()
}

type writer struct {
	w   *bufio.Writer
	err error
}

func (x *writer) s(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *writer) attr(a eventlog.Attr, depth int) {
	tabs := strings.Repeat("\t", depth)
	kind := a.Value.Kind.String()
	x.s(tabs + "<" + kind + " key=" + attrQ(a.Key))
	if a.Value.Kind != eventlog.KindList && a.Value.Kind != eventlog.KindContainer {
		x.s(" value=" + attrQ(a.Value.String()))
	}
	if len(a.Children) == 0 {
		x.s("/>\n")
		return
	}
	x.s(">\n")
	if a.Value.Kind == eventlog.KindList {
		x.s(tabs + "\t<values>\n")
		for _, c := range a.Children {
			x.attr(c, depth+2)
		}
		x.s(tabs + "\t</values>\n")
	} else {
		for _, c := range a.Children {
			x.attr(c, depth+1)
		}
	}
	x.s(tabs + "</" + kind + ">\n")
}

var attrEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")

func attrQ(s string) string { return `"` + attrEscaper.Replace(s) + `"` }

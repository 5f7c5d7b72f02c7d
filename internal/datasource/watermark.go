package datasource

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// Watermark is the largest value of a source's watermark column read so
// far, with its type: an incremental refresh reads the rows past it.
// The zero Watermark is none (read everything).
type Watermark struct {
	Kind  string    `json:"kind"` // "time", "integer", "number" or "text"; "" for none
	Time  time.Time `json:"time,omitzero"`
	Int   int64     `json:"integer,omitempty"`
	Float float64   `json:"number,omitempty"`
	Text  string    `json:"text,omitempty"`
}

// watermarkOf is a driver's value as a watermark.
func watermarkOf(v any) (Watermark, error) {
	switch v := v.(type) {
	case nil:
		return Watermark{}, fmt.Errorf("has no value: every row needs one in the watermark column, or it could be read twice or never")
	case time.Time:
		return Watermark{Kind: "time", Time: v}, nil
	case int64:
		return Watermark{Kind: "integer", Int: v}, nil
	case float64:
		return Watermark{Kind: "number", Float: v}, nil
	case string:
		return Watermark{Kind: "text", Text: v}, nil
	case []byte:
		return Watermark{Kind: "text", Text: string(v)}, nil
	}
	return Watermark{}, fmt.Errorf("holds %s, which cannot be a watermark (a time, an integer, a number or text can)", typeName(v))
}

// Less reports whether w comes before v (both of one kind).
func (w Watermark) Less(v Watermark) bool {
	switch w.Kind {
	case "time":
		return w.Time.Before(v.Time)
	case "integer":
		return w.Int < v.Int
	case "number":
		return w.Float < v.Float
	}
	return w.Text < v.Text
}

// Arg is the watermark as a query's argument.
func (w Watermark) Arg() any {
	switch w.Kind {
	case "time":
		return w.Time
	case "integer":
		return w.Int
	case "number":
		return w.Float
	}
	return w.Text
}

// String writes the watermark for people.
func (w Watermark) String() string {
	switch w.Kind {
	case "":
		return ""
	case "time":
		return w.Time.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(w.Arg())
}

// Encode is the watermark as the store keeps it: JSON, "" for none.
func (w Watermark) Encode() string {
	if w.Kind == "" {
		return ""
	}
	b, _ := json.Marshal(w)
	return string(b)
}

// DecodeWatermark reads Encode's form.
func DecodeWatermark(s string) (Watermark, error) {
	var w Watermark
	if s == "" {
		return w, nil
	}
	err := json.Unmarshal([]byte(s), &w)
	return w, err
}

// MappingFields are the fields of a source's column mapping: those of an
// upload's form.
var MappingFields = []string{"case", "activity", "start", "timestamp", "end", "resource", "lifecycle", "timestamp-format"}

// MappingOf reads a source's column mapping.
func MappingOf(fields map[string]string) (csvlog.Mapping, error) {
	var m csvlog.Mapping
	targets := map[string]*string{
		"case": &m.Case, "activity": &m.Activity, "start": &m.Start, "timestamp": &m.Timestamp, "end": &m.End,
		"resource": &m.Resource, "lifecycle": &m.Lifecycle, "timestamp-format": &m.TimestampFormat,
	}
	for k, v := range fields {
		dst, ok := targets[k]
		if !ok {
			return m, fmt.Errorf("unknown mapping field %q (fields: %s)", k, strings.Join(MappingFields, ", "))
		}
		*dst = v
	}
	return m, nil
}

// Package filterspec reads the filters people write, on the command line
// as flags and in the API as query parameters, under the same names:
// from, to, time-mode, case-attr, exclude-case-attr, event-attr,
// exclude-event-attr, keep-events, drop-events, start-activity,
// end-activity, follows, not-follows, variant, exclude-variant,
// min-duration, max-duration, duration-time and top-variants. They apply in that order
// (time frame, attributes, endpoints, "followed by", variants, duration),
// top variants last.
package filterspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// Params are the parameter names FromQuery reads.
var Params = []string{"from", "to", "time-mode", "case-attr", "exclude-case-attr", "event-attr",
	"exclude-event-attr", "keep-events", "drop-events", "start-activity", "end-activity",
	"follows", "not-follows", "variant", "exclude-variant", "min-duration", "max-duration", "duration-time", "top-variants"}

// Spec is a set of filters as written.
type Spec struct {
	From, To, TimeMode          string
	CaseAttr, ExcludeCaseAttr   []string
	EventAttr, ExcludeEventAttr []string
	KeepEvents, DropEvents      []string
	StartActivity, EndActivity  []string
	Follows, NotFollows         []string
	// Variant and ExcludeVariant are activity sequences, each a JSON
	// list of names: ["A","B","C"].
	Variant, ExcludeVariant  []string
	MinDuration, MaxDuration string
	// DurationTime is "elapsed" (or empty) or "working": the duration
	// range in working time, by Clock, which the caller sets from the
	// process's calendar for the log's span.
	DurationTime string
	Clock        *calendar.Clock
	TopVariants  int
	// Prefix is put before parameter names in messages ("--" for flags).
	Prefix string
}

// Error is a malformed filter; its message names the parameter.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func (f Spec) errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

func (f Spec) name(param string) string { return f.Prefix + param }

// FromQuery reads the filters from URL query parameters; repeatable ones
// may be given several times.
func FromQuery(q url.Values) (Spec, error) {
	// A form sends its empty fields too; an empty value filters nothing.
	list := func(key string) []string {
		var out []string
		for _, v := range q[key] {
			if v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	s := Spec{
		From: q.Get("from"), To: q.Get("to"), TimeMode: q.Get("time-mode"),
		CaseAttr: list("case-attr"), ExcludeCaseAttr: list("exclude-case-attr"),
		EventAttr: list("event-attr"), ExcludeEventAttr: list("exclude-event-attr"),
		KeepEvents: list("keep-events"), DropEvents: list("drop-events"),
		StartActivity: list("start-activity"), EndActivity: list("end-activity"),
		Follows: list("follows"), NotFollows: list("not-follows"),
		Variant: list("variant"), ExcludeVariant: list("exclude-variant"),
		MinDuration: q.Get("min-duration"), MaxDuration: q.Get("max-duration"),
		DurationTime: q.Get("duration-time"),
	}
	if s.TimeMode == "" {
		s.TimeMode = "intersecting"
	}
	if v := q.Get("top-variants"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s, s.errorf("top-variants must be a whole number, not %q", v)
		}
		s.TopVariants = n
	}
	return s, nil
}

// ReadsValues reports whether a filter selects by attribute values other
// than activity names: case ids, resources, any attribute. Counting what
// such a filter keeps reveals those values, so it is for those who may see
// them.
func (f Spec) ReadsValues() bool {
	if len(f.CaseAttr)+len(f.ExcludeCaseAttr) > 0 {
		return true
	}
	for _, list := range [][]string{f.EventAttr, f.ExcludeEventAttr, f.KeepEvents, f.DropEvents} {
		for _, kv := range list {
			if !strings.HasPrefix(kv, "concept:name=") {
				return true
			}
		}
	}
	return false
}

// TouchesLifecycle reports whether a filter reads lifecycle:transition,
// which only the raw-event view has.
func (f Spec) TouchesLifecycle() bool {
	for _, list := range [][]string{f.EventAttr, f.ExcludeEventAttr, f.KeepEvents, f.DropEvents} {
		for _, kv := range list {
			if strings.HasPrefix(kv, "lifecycle:transition=") {
				return true
			}
		}
	}
	return false
}

// MaxFilters is the most filters one spec may make. Each filter is a pass
// over every case of the log, so their number is what a query's cost grows
// with (9,000 not-follows took 7 s of a core on BPIC 2012, about 0.8 ms
// each). An analyst's filter stack holds a handful, rarely more than ten
// or twenty even when excluding many paths one by one; a hundred leaves
// room for that and keeps the worst query near 0.1 s on such a log.
const MaxFilters = 100

// Filters turns the spec into filters, rejecting malformed values and
// more than MaxFilters of them.
func (f Spec) Filters() ([]mining.Filter, error) {
	out, err := f.filters()
	// A variant set is one pass, but each of its sequences counts, so
	// that a query's length does not buy an unbounded set.
	n := len(out) + max(len(f.Variant)-1, 0) + max(len(f.ExcludeVariant)-1, 0)
	if err == nil && n > MaxFilters {
		return nil, f.errorf("too many filters: %d, at most %d (each %s, %s, %s and %s counts one, as does each attribute key, the time frame, the start and end activities, the duration range and %s)",
			n, MaxFilters, f.name("follows"), f.name("not-follows"), f.name("variant"), f.name("exclude-variant"), f.name("top-variants"))
	}
	return out, err
}

func (f Spec) filters() ([]mining.Filter, error) {
	var out []mining.Filter
	if f.From != "" || f.To != "" {
		tf := mining.TimeFrame{From: minTime, To: maxTime}
		var err error
		if f.From != "" {
			if tf.From, err = f.parseTime("from", f.From); err != nil {
				return nil, err
			}
		}
		if f.To != "" {
			if tf.To, err = f.parseTime("to", f.To); err != nil {
				return nil, err
			}
			if len(f.To) == len("2006-01-02") {
				tf.To += 24*int64(time.Hour) - 1 // a date alone means the whole day
			}
		}
		if tf.From > tf.To {
			return nil, f.errorf("%s %s is after %s %s", f.name("from"), f.From, f.name("to"), f.To)
		}
		modes := map[string]mining.TimeMode{"contained": mining.Contained, "intersecting": mining.Intersecting,
			"started": mining.Started, "completed": mining.Completed, "trim": mining.TrimEvents}
		mode, ok := modes[f.TimeMode]
		if !ok {
			return nil, f.errorf("%s must be contained, intersecting, started, completed or trim, not %q", f.name("time-mode"), f.TimeMode)
		}
		tf.Mode = mode
		out = append(out, tf)
	}
	attrs := []struct {
		flag               string
		vals               []string
		caseLevel, exclude bool
		events             bool
	}{
		{"case-attr", f.CaseAttr, true, false, false},
		{"exclude-case-attr", f.ExcludeCaseAttr, true, true, false},
		{"event-attr", f.EventAttr, false, false, false},
		{"exclude-event-attr", f.ExcludeEventAttr, false, true, false},
		{"keep-events", f.KeepEvents, false, false, true},
		{"drop-events", f.DropEvents, false, true, true},
	}
	for _, a := range attrs {
		byKey := map[string][]string{}
		var keys []string
		for _, kv := range a.vals {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, f.errorf("%s wants KEY=VALUE, not %q", f.name(a.flag), kv)
			}
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], v)
		}
		for _, k := range keys {
			out = append(out, mining.Attribute{Key: k, Values: byKey[k], CaseLevel: a.caseLevel, Exclude: a.exclude, Events: a.events})
		}
	}
	if len(f.StartActivity) > 0 || len(f.EndActivity) > 0 {
		out = append(out, mining.Endpoints{Start: f.StartActivity, End: f.EndActivity})
	}
	for _, fl := range []struct {
		flag    string
		vals    []string
		exclude bool
	}{{"follows", f.Follows, false}, {"not-follows", f.NotFollows, true}} {
		for _, v := range fl.vals {
			fw, err := f.parseFollows(fl.flag, v)
			if err != nil {
				return nil, err
			}
			fw.Exclude = fl.exclude
			out = append(out, fw)
		}
	}
	for _, v := range []struct {
		flag    string
		vals    []string
		exclude bool
	}{{"variant", f.Variant, false}, {"exclude-variant", f.ExcludeVariant, true}} {
		if len(v.vals) == 0 {
			continue
		}
		set := mining.VariantSet{Exclude: v.exclude}
		for _, text := range v.vals {
			seq, err := f.parseVariant(v.flag, text)
			if err != nil {
				return nil, err
			}
			set.Seqs = append(set.Seqs, seq)
		}
		out = append(out, set)
	}
	switch f.DurationTime {
	case "", "elapsed":
	case "working":
		if f.Clock == nil {
			return nil, f.errorf("%s working needs a working calendar, and none is set", f.name("duration-time"))
		}
	default:
		return nil, f.errorf("%s: elapsed or working, not %q", f.name("duration-time"), f.DurationTime)
	}
	if f.MinDuration != "" || f.MaxDuration != "" {
		dr := mining.DurationRange{Max: mining.NoMaxDuration}
		var err error
		if f.MinDuration != "" {
			if dr.Min, err = f.parseDuration("min-duration", f.MinDuration); err != nil {
				return nil, err
			}
		}
		if f.MaxDuration != "" {
			if dr.Max, err = f.parseDuration("max-duration", f.MaxDuration); err != nil {
				return nil, err
			}
		}
		if dr.Min > dr.Max {
			return nil, f.errorf("%s %s is longer than %s %s", f.name("min-duration"), f.MinDuration, f.name("max-duration"), f.MaxDuration)
		}
		if f.DurationTime == "working" {
			dr.Clock = f.Clock
		}
		out = append(out, dr)
	}
	if f.TopVariants < 0 {
		return nil, f.errorf("%s must not be negative", f.name("top-variants"))
	}
	if f.TopVariants > 0 {
		out = append(out, mining.TopVariants{K: f.TopVariants})
	}
	return out, nil
}

// parseVariant reads an activity sequence written as a JSON list of
// names, which any activity name can be written in.
func (f Spec) parseVariant(param, s string) ([]string, error) {
	var seq []string
	if err := json.Unmarshal([]byte(s), &seq); err != nil || len(seq) == 0 {
		return nil, f.errorf(`%s wants the activities of a variant as a JSON list, e.g. ["Register","Approve"], not %q`, f.name(param), s)
	}
	return seq, nil
}

const (
	minTime = -1 << 63
	maxTime = 1<<63 - 1
)

func (f Spec) parseTime(param, s string) (int64, error) {
	t, ok := eventlog.ParseTime(s)
	if !ok {
		return 0, f.errorf("%s: %q is not a date or timestamp (use e.g. 2011-10-01 or 2011-10-01T08:00:00Z)", f.name(param), s)
	}
	return t, nil
}

// parseDuration accepts Go durations plus a day unit: "7d", "1d12h".
func (f Spec) parseDuration(param, s string) (int64, error) {
	d, err := ParseDuration(s)
	if errors.Is(err, errDurationRange) {
		return 0, f.errorf("%s: %q is out of range", f.name(param), s)
	}
	if err != nil {
		return 0, f.errorf("%s: %q is not a duration (use e.g. 90m, 36h, 7d)", f.name(param), s)
	}
	return int64(d), nil
}

var errDurationRange = errors.New("duration out of range")

// ParseDuration reads a duration as the filters write it: Go's units
// with a day unit in front ("7d", "1d12h", "90m"), not negative.
func ParseDuration(s string) (time.Duration, error) {
	var days float64
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, err
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, err
		}
	}
	total := float64(d) + days*24*float64(time.Hour)
	if math.IsNaN(total) || total < 0 || total >= float64(maxTime) {
		return 0, errDurationRange
	}
	return time.Duration(total), nil
}

func (f Spec) parseFollows(param, s string) (mining.Follows, error) {
	flag := f.name(param)
	if a, b, ok := strings.Cut(s, ">>"); ok && a != "" && b != "" {
		return mining.Follows{A: a, B: b}, nil
	}
	if a, b, ok := strings.Cut(s, ">"); ok && a != "" && b != "" {
		return mining.Follows{A: a, B: b, Directly: true}, nil
	}
	return mining.Follows{}, f.errorf(`%s wants "A>B" or "A>>B", not %q`, flag, s)
}

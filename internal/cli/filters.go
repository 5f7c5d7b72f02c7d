package cli

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// filterFlags are the filters every analysing verb accepts. They apply in a
// fixed order: time frame, attributes, start/end activities, "followed by",
// case duration, and last the top variants (of what is left).
type filterFlags struct {
	from, to, timeMode       string
	caseAttr, notCaseAttr    multi
	eventAttr, notEventAttr  multi
	keepEvents, dropEvents   multi
	startAct, endAct         multi
	follows, notFollows      multi
	minDuration, maxDuration string
	topVariants              int
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ", ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func (f *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "time frame start (ISO 8601 date or timestamp)")
	fs.StringVar(&f.to, "to", "", "time frame end (ISO 8601 date or timestamp)")
	fs.StringVar(&f.timeMode, "time-mode", "intersecting", "how cases relate to --from/--to: contained, intersecting, started, completed, or trim (keep only the events inside)")
	fs.Var(&f.caseAttr, "case-attr", "keep cases whose case attribute KEY=VALUE (repeat for more values; keys are ANDed, values ORed)")
	fs.Var(&f.notCaseAttr, "exclude-case-attr", "remove cases whose case attribute KEY=VALUE")
	fs.Var(&f.eventAttr, "event-attr", "keep cases with an event whose attribute KEY=VALUE (e.g. org:resource=Pete)")
	fs.Var(&f.notEventAttr, "exclude-event-attr", "remove cases with an event whose attribute KEY=VALUE")
	fs.Var(&f.keepEvents, "keep-events", "keep only events whose attribute KEY=VALUE")
	fs.Var(&f.dropEvents, "drop-events", "remove events whose attribute KEY=VALUE")
	fs.Var(&f.startAct, "start-activity", "keep cases that start with this activity (repeatable)")
	fs.Var(&f.endAct, "end-activity", "keep cases that end with this activity (repeatable)")
	fs.Var(&f.follows, "follows", `keep cases where A is followed by B: "A>B" directly, "A>>B" eventually (repeatable)`)
	fs.Var(&f.notFollows, "not-follows", `remove cases where A is followed by B ("A>B" or "A>>B")`)
	fs.StringVar(&f.minDuration, "min-duration", "", "keep cases lasting at least this long (e.g. 90m, 36h, 7d)")
	fs.StringVar(&f.maxDuration, "max-duration", "", "keep cases lasting at most this long")
	fs.IntVar(&f.topVariants, "top-variants", 0, "keep the cases of the N most frequent variants")
}

// build turns the flags into filters, rejecting malformed values.
func (f *filterFlags) build() ([]mining.Filter, error) {
	var out []mining.Filter
	if f.from != "" || f.to != "" {
		tf := mining.TimeFrame{From: minTime, To: maxTime}
		var err error
		if f.from != "" {
			if tf.From, err = parseFlagTime("--from", f.from); err != nil {
				return nil, err
			}
		}
		if f.to != "" {
			if tf.To, err = parseFlagTime("--to", f.to); err != nil {
				return nil, err
			}
			if len(f.to) == len("2006-01-02") {
				tf.To += 24*int64(time.Hour) - 1 // a date alone means the whole day
			}
		}
		if tf.From > tf.To {
			return nil, usagef("--from %s is after --to %s", f.from, f.to)
		}
		modes := map[string]mining.TimeMode{"contained": mining.Contained, "intersecting": mining.Intersecting,
			"started": mining.Started, "completed": mining.Completed, "trim": mining.TrimEvents}
		mode, ok := modes[f.timeMode]
		if !ok {
			return nil, usagef("--time-mode must be contained, intersecting, started, completed or trim, not %q", f.timeMode)
		}
		tf.Mode = mode
		out = append(out, tf)
	}
	attrs := []struct {
		flag               string
		vals               multi
		caseLevel, exclude bool
		events             bool
	}{
		{"--case-attr", f.caseAttr, true, false, false},
		{"--exclude-case-attr", f.notCaseAttr, true, true, false},
		{"--event-attr", f.eventAttr, false, false, false},
		{"--exclude-event-attr", f.notEventAttr, false, true, false},
		{"--keep-events", f.keepEvents, false, false, true},
		{"--drop-events", f.dropEvents, false, true, true},
	}
	for _, a := range attrs {
		byKey := map[string][]string{}
		var keys []string
		for _, kv := range a.vals {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, usagef("%s wants KEY=VALUE, not %q", a.flag, kv)
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
	if len(f.startAct) > 0 || len(f.endAct) > 0 {
		out = append(out, mining.Endpoints{Start: f.startAct, End: f.endAct})
	}
	for _, fl := range []struct {
		flag    string
		vals    multi
		exclude bool
	}{{"--follows", f.follows, false}, {"--not-follows", f.notFollows, true}} {
		for _, v := range fl.vals {
			fw, err := parseFollows(fl.flag, v)
			if err != nil {
				return nil, err
			}
			fw.Exclude = fl.exclude
			out = append(out, fw)
		}
	}
	if f.minDuration != "" || f.maxDuration != "" {
		dr := mining.DurationRange{Max: mining.NoMaxDuration}
		var err error
		if f.minDuration != "" {
			if dr.Min, err = parseDuration("--min-duration", f.minDuration); err != nil {
				return nil, err
			}
		}
		if f.maxDuration != "" {
			if dr.Max, err = parseDuration("--max-duration", f.maxDuration); err != nil {
				return nil, err
			}
		}
		if dr.Min > dr.Max {
			return nil, usagef("--min-duration %s is longer than --max-duration %s", f.minDuration, f.maxDuration)
		}
		out = append(out, dr)
	}
	if f.topVariants < 0 {
		return nil, usagef("--top-variants must not be negative")
	}
	if f.topVariants > 0 {
		out = append(out, mining.TopVariants{K: f.topVariants})
	}
	return out, nil
}

const (
	minTime = -1 << 63
	maxTime = 1<<63 - 1
)

func parseFlagTime(flag, s string) (int64, error) {
	t, ok := eventlog.ParseTime(s)
	if !ok {
		return 0, usagef("%s: %q is not a date or timestamp (use e.g. 2011-10-01 or 2011-10-01T08:00:00Z)", flag, s)
	}
	return t, nil
}

// parseDuration accepts Go durations plus a day unit: "7d", "1d12h".
func parseDuration(flag, s string) (int64, error) {
	var days float64
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, usagef("%s: %q is not a duration (use e.g. 90m, 36h, 7d)", flag, s)
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, usagef("%s: %q is not a duration (use e.g. 90m, 36h, 7d)", flag, s)
		}
	}
	total := float64(d) + days*24*float64(time.Hour)
	if math.IsNaN(total) || total < 0 || total >= float64(maxTime) {
		return 0, usagef("%s: %q is out of range", flag, s)
	}
	return int64(total), nil
}

func parseFollows(flag, s string) (mining.Follows, error) {
	if a, b, ok := strings.Cut(s, ">>"); ok && a != "" && b != "" {
		return mining.Follows{A: a, B: b}, nil
	}
	if a, b, ok := strings.Cut(s, ">"); ok && a != "" && b != "" {
		return mining.Follows{A: a, B: b, Directly: true}, nil
	}
	return mining.Follows{}, usagef(`%s wants "A>B" or "A>>B", not %q`, flag, s)
}

// loadFlags bundles input and filter flags, which every analysing verb takes.
type loadFlags struct {
	in     inputFlags
	filter filterFlags
}

func (f *loadFlags) register(fs *flag.FlagSet) {
	f.in.register(fs)
	f.filter.register(fs)
}

// load reads the file, picks the view and applies the filters.
func (f *loadFlags) load(path string, s Streams) (*eventlog.Log, error) {
	filters, err := f.filter.build()
	if err != nil {
		return nil, err
	}
	if !f.in.raw && !f.in.asRead {
		for _, fl := range filters {
			if a, ok := fl.(mining.Attribute); ok && a.Key == "lifecycle:transition" {
				return nil, usagef("filters on lifecycle:transition need --raw-events: the default view merges lifecycle transitions into activity instances")
			}
		}
	}
	l, err := f.in.load(path, s)
	if err != nil {
		return nil, err
	}
	l = mining.Apply(l, filters...)
	if l.NumCases() == 0 {
		fmt.Fprintln(s.Err, "procmine: the filters left no cases")
	}
	return l, nil
}

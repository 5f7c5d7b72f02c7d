package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
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
	variant, notVariant      multi
	minDuration, maxDuration string
	durationTime             string
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
	fs.Var(&f.variant, "variant", `keep the cases of this variant, its activities as a JSON list: '["A","B","C"]' (repeatable)`)
	fs.Var(&f.notVariant, "exclude-variant", `remove the cases of this variant (a JSON list of activities; repeatable)`)
	fs.StringVar(&f.minDuration, "min-duration", "", "keep cases lasting at least this long (e.g. 90m, 36h, 7d)")
	fs.StringVar(&f.maxDuration, "max-duration", "", "keep cases lasting at most this long")
	fs.StringVar(&f.durationTime, "duration-time", "elapsed", "measure --min-duration and --max-duration in elapsed or working time (working needs --calendar)")
	fs.IntVar(&f.topVariants, "top-variants", 0, "keep the cases of the N most frequent variants")
}

// build turns the flags into filters, rejecting malformed values.
// spec returns the flags as a filter Spec.
func (f *filterFlags) spec() filterspec.Spec {
	return filterspec.Spec{
		From: f.from, To: f.to, TimeMode: f.timeMode,
		CaseAttr: f.caseAttr, ExcludeCaseAttr: f.notCaseAttr, EventAttr: f.eventAttr, ExcludeEventAttr: f.notEventAttr,
		KeepEvents: f.keepEvents, DropEvents: f.dropEvents, StartActivity: f.startAct, EndActivity: f.endAct,
		Follows: f.follows, NotFollows: f.notFollows, Variant: f.variant, ExcludeVariant: f.notVariant, MinDuration: f.minDuration, MaxDuration: f.maxDuration,
		DurationTime: f.durationTime, TopVariants: f.topVariants, Prefix: "--",
	}
}

// build turns the flags into filters, durations in working time by the
// clock; a malformed value is a usage error.
func (f *filterFlags) build(clock *calendar.Clock) ([]mining.Filter, error) {
	spec := f.spec()
	spec.Clock = clock
	filters, err := spec.Filters()
	var fe *filterspec.Error
	if errors.As(err, &fe) {
		return nil, usagef("%s", fe.Msg)
	}
	return filters, err
}

// loadFlags bundles input and filter flags, which every analysing verb takes.
type loadFlags struct {
	in       inputFlags
	filter   filterFlags
	calendar string
	// clock is the calendar made for the log's span, once a log with a
	// --calendar is loaded.
	clock *calendar.Clock
}

func (f *loadFlags) register(fs *flag.FlagSet) {
	f.in.register(fs)
	f.filter.register(fs)
	fs.StringVar(&f.calendar, "calendar", "", "a working calendar (JSON or iCalendar, see docs/calendars.md): durations also in working time")
}

// load reads the file, picks the view and applies the filters.
func (f *loadFlags) load(path string, s Streams) (*eventlog.Log, error) {
	var cal *calendar.Calendar
	if f.calendar != "" {
		file, err := os.Open(f.calendar)
		if err != nil {
			return nil, err
		}
		cal, err = calendar.Read(file, f.calendar)
		file.Close()
		if err != nil {
			return nil, err
		}
	}
	// The filters are checked before the log is read; a duration range
	// in working time needs the clock, made for the log's span, so its
	// own check comes after.
	probe := f.filter
	if cal != nil && probe.durationTime == "working" {
		probe.durationTime = "elapsed"
	}
	if _, err := probe.build(nil); err != nil {
		return nil, err
	}
	if !f.in.raw && !f.in.asRead && f.filter.spec().TouchesLifecycle() {
		return nil, usagef("filters on lifecycle:transition need --raw-events: the default view merges lifecycle transitions into activity instances")
	}
	l, err := f.in.load(path, s)
	if err != nil {
		return nil, err
	}
	if cal != nil {
		if f.clock, err = mining.WorkingClock(cal, l); err != nil {
			return nil, fmt.Errorf("%s: %w", f.calendar, err)
		}
	}
	filters, err := f.filter.build(f.clock)
	if err != nil {
		return nil, err
	}
	l = mining.Apply(l, filters...)
	if l.NumCases() == 0 {
		fmt.Fprintln(s.Err, "procmine: the filters left no cases")
	}
	return l, nil
}

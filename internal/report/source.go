package report

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/ocel"
	"github.com/procmine/procmine/internal/store"
)

// Source is what a report is computed from: a version's log, the
// view and filters of the query, and whether the caller may see raw data.
type Source struct {
	// ctx is the request's: filtering stops when it ends.
	ctx       context.Context
	Process   access.ID
	Entry     *Entry
	RawEvents bool
	Filters   []mining.Filter
	// Asked are the filters as the query asked them; Filters are those
	// applied, for a reader coarsened.
	Asked []mining.Filter
	// RawOK tells whether the caller may see raw data.
	RawOK bool
	// Reader is disclosure control for a caller without raw-data
	// rights; nil for those who have them.
	Reader *Reader
	// Clock measures durations in working time by the process's
	// calendar, when the query asks for it (duration-time=working);
	// Calendar stamps that calendar's version, for caches.
	Clock    *calendar.Clock
	Calendar string
}

// Log is the view with the filters applied, or the request's end when it
// ended meanwhile (the client went away: the work stops there).
func (src *Source) Log() (*eventlog.Log, error) {
	return mining.ApplyContext(src.ctx, src.Entry.View(src.RawEvents), src.Filters...)
}

// Source checks the caller and the query, and finds the log.
func (e *Engine) Source(r *http.Request, raw bool) (*Source, error) {
	id, rec, err := e.authz.ReportProcess(r)
	if err != nil {
		return nil, err
	}
	rawOK := authz.MayReadData(r, rec)
	if raw && !rawOK {
		return nil, response.ErrForbidden
	}
	q, filters, rawEvents, err := Filters(r.URL.RawQuery, rawOK)
	// A duration range in working time needs the calendar's clock, made
	// for the version's view: its filters are read again below.
	working := q != nil && q.Get("duration-time") == "working"
	if err != nil && !working {
		return nil, err
	}
	if working {
		rawEvents = q.Get("raw-events") == "true"
	}
	version, err := e.store.LatestVersion(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, response.Errorf(http.StatusConflict, "no_data", "the process has no data yet: upload a log first")
	}
	if err != nil {
		return nil, err
	}
	entry, err := e.logs.entry(r.Context(), e.store, id, version)
	if err != nil {
		return nil, err
	}
	src := &Source{ctx: r.Context(), Process: id, Entry: entry, RawEvents: rawEvents, Filters: filters, RawOK: rawOK}
	if working {
		if src.Clock, src.Calendar, err = e.WorkingClock(r, id, entry, rawEvents); err != nil {
			return nil, err
		}
		if _, src.Filters, _, err = FiltersIn(r.URL.RawQuery, rawOK, src.Clock); err != nil {
			return nil, err
		}
	}
	src.Asked = src.Filters
	if !rawOK {
		if src.Reader, src.Filters, err = e.ReaderFor(r, entry, rawEvents, src.Filters); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// ObjectCentric is the object-centric graph the source's version keeps
// (the log it was flattened from, across its object types), as the caller
// may see it: through disclosure control for a reader, guarded by the
// version's unfiltered view (whose cases are the objects of the type it is
// flattened on) and asked about this graph. A version flattened from no
// such log is 409 not_object_centric.
//
// stored, when not nil, is the graph as the caller already read it for
// the source's version; nil reads it.
func (e *Engine) ObjectCentric(src *Source, stored *string) (ocel.Graph, *disclosure.Withheld, error) {
	var gr ocel.Graph
	if stored == nil {
		text, err := e.store.VersionGraph(src.ctx, src.Process, src.Entry.Version())
		if err != nil {
			return gr, nil, err
		}
		stored = &text
	}
	text := *stored
	if text == "" {
		return gr, nil, response.Errorf(http.StatusConflict, "not_object_centric", "the process's data was not read from an object-centric log: upload an OCEL file with the object type whose objects are the cases")
	}
	if err := json.Unmarshal([]byte(text), &gr); err != nil {
		return gr, nil, err
	}
	if src.Reader == nil {
		return gr, nil, nil
	}
	g, withheld, err := src.Reader.Asking("object-centric").Guard(src.Entry.View(false))
	if err != nil {
		return gr, nil, err
	}
	g.ObjectCentric(&gr, withheld)
	return gr, g.Done(withheld), nil
}

// Guarded is the filtered view with its guard and what it withholds
// (no guard for those who may read raw data).
func (src *Source) Guarded() (*eventlog.Log, *disclosure.Guard, *disclosure.Withheld, error) {
	l, err := src.Log()
	if err != nil {
		return nil, nil, nil, err
	}
	g, withheld, err := src.Reader.Guard(l)
	return l, g, withheld, err
}

// WorkingClock is the process's calendar made for the view's span, and
// its version; a process without one is a clear error. The clock is kept
// with the version's other figures, so that a request answered from the
// cache does not make it again.
func (e *Engine) WorkingClock(r *http.Request, process access.ID, entry *Entry, rawEvents bool) (*calendar.Clock, string, error) {
	pc, err := e.store.GetCalendar(r.Context(), process)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", response.Invalid("duration-time=working needs the process's working calendar, and it has none: set one (PUT …/calendar)")
	}
	if err != nil {
		return nil, "", err
	}
	stamp := pc.Updated.Format(time.RFC3339Nano)
	k, err := Keep(e, entry, "calendar-clock?"+stamp+"&raw="+strconv.FormatBool(rawEvents), (*calendar.Clock).Size, func() (*calendar.Clock, error) {
		cal, err := calendar.Read(strings.NewReader(pc.JSON), "the process's calendar")
		if err != nil {
			return nil, err
		}
		k, err := mining.WorkingClock(cal, entry.View(rawEvents))
		if err != nil {
			return nil, response.Invalid("%v", err)
		}
		return k, nil
	})
	return k, stamp, err
}

// HistogramBins is the number of bars of the case-duration histogram.
const HistogramBins = 20

// ViewName names the view of a version's data a report reads.
func ViewName(rawEvents bool) string {
	if rawEvents {
		return "raw-events"
	}
	return "instances"
}

// Filters reads a report's query: its filters, and whether they apply to
// the raw events (raw-events=true) rather than the activity instances.
// The rules are the same for the API's reports and the studio's pages: a
// query that cannot be read whole is refused (r.URL.Query() would drop
// what it cannot read, and stop at 10,000 parameters: a report would then
// be computed without the filters asked for, and say nothing); filters on
// attribute values are for those who may read the data (rawOK); filters
// on lifecycle:transition need the raw events.
func Filters(rawQuery string, rawOK bool) (url.Values, []mining.Filter, bool, error) {
	return FiltersIn(rawQuery, rawOK, nil)
}

// FiltersIn is Filters with a clock for duration ranges in working time
// (duration-time=working).
func FiltersIn(rawQuery string, rawOK bool, clock *calendar.Clock) (url.Values, []mining.Filter, bool, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, nil, false, response.Invalid("the query cannot be read: %v", err)
	}
	spec, err := filterspec.FromQuery(q)
	spec.Clock = clock
	var filters []mining.Filter
	if err == nil {
		filters, err = spec.Filters()
	}
	var fe *filterspec.Error
	if errors.As(err, &fe) {
		return q, nil, false, response.Invalid("%s", fe.Msg)
	}
	if spec.ReadsValues() && !rawOK {
		return q, nil, false, response.Errorf(http.StatusForbidden, "forbidden", "filters on attribute values need access to the process's data; filter by activity, time or duration instead")
	}
	rawEvents := q.Get("raw-events") == "true"
	if !rawEvents && spec.TouchesLifecycle() {
		return q, nil, false, response.Invalid("filters on lifecycle:transition need raw-events=true")
	}
	return q, filters, rawEvents, nil
}

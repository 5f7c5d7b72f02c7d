package report

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
)

// Cohort is one side of a comparison: the source's view under the
// request's own filters and the cohort's (query, filter parameters as a
// query string, named name in messages), and for a reader its guard and
// what it withholds. A reader's cohort goes through the rules of every
// reader's view: no filters on attribute values, filters coarsened, too
// few cases refused.
func (e *Engine) Cohort(r *http.Request, src *Source, query, name string) (*eventlog.Log, *disclosure.Guard, *disclosure.Withheld, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, nil, nil, response.Invalid("%s: the cohort's filters cannot be read as a query string: %v", name, err)
	}
	for k := range q {
		if !slices.Contains(filterspec.Params, k) {
			return nil, nil, nil, response.Invalid("%s: %q is not a filter parameter (%s)", name, k, strings.Join(filterspec.Params, ", "))
		}
	}
	spec, err := filterspec.FromQuery(q)
	var own []mining.Filter
	if err == nil {
		spec.Prefix = name + "."
		own, err = spec.Filters()
	}
	var fe *filterspec.Error
	if errors.As(err, &fe) {
		return nil, nil, nil, response.Invalid("%s", fe.Msg)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if spec.ReadsValues() && !src.RawOK {
		return nil, nil, nil, response.Errorf(http.StatusForbidden, "forbidden", "filters on attribute values need access to the process's data; filter by activity, time or duration instead")
	}
	if spec.TouchesLifecycle() && !src.RawEvents {
		return nil, nil, nil, response.Invalid("%s: filters on lifecycle:transition need raw-events=true", name)
	}
	_, shared, _, err := Filters(r.URL.RawQuery, src.RawOK)
	if err != nil {
		return nil, nil, nil, err
	}
	all := append(slices.Clone(shared), own...)
	if src.Reader == nil {
		l, err := mining.ApplyContext(src.ctx, src.Entry.View(src.RawEvents), all...)
		return l, nil, nil, err
	}
	rd, coarse, err := e.ReaderFor(r, src.Entry, src.RawEvents, all)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := mining.ApplyContext(src.ctx, src.Entry.View(src.RawEvents), coarse...)
	if err != nil {
		return nil, nil, nil, err
	}
	g, w, err := rd.Guard(l)
	return l, g, w, err
}

package report

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/store"
)

// ViewOffers decides which saved views of a process a caller is offered:
// their own and the shared ones, each only if the caller may apply it as
// it is written. Its filters must read with the caller's rights (Filters):
// a view that filters on attribute values is kept from report readers.
// For a report reader it must besides name only the activities and
// variants the reader is shown (Vocabulary), and its time frame and
// durations must already be as coarse as a reader's own (whole days,
// whole hours): the query a reader is offered then shows nothing the
// reports do not, where a view saved from "only these" on a one-case
// variant showed that case's whole path.
type ViewOffers struct {
	r     *http.Request
	rawOK bool
	voc   *Vocabulary
}

// ViewOffers prepares the decision for the caller on a process.
func (e *Engine) ViewOffers(r *http.Request, id access.ID, process *access.Record) (*ViewOffers, error) {
	o := &ViewOffers{r: r, rawOK: authz.MayReadData(r, process), voc: &Vocabulary{}}
	if o.rawOK {
		return o, nil
	}
	version, err := e.store.LatestVersion(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return o, nil // no data: a reader may be offered views that name nothing
	}
	if err != nil {
		return nil, err
	}
	entry, err := e.logs.entry(r.Context(), e.store, id, version)
	if err != nil {
		return nil, err
	}
	if o.voc, err = e.Vocabulary(r, entry, false); err != nil {
		return nil, err
	}
	return o, nil
}

// Offered tells whether the caller is offered v.
func (o *ViewOffers) Offered(v store.SavedView) bool {
	if v.Owner != request.Subject(o.r).User && !v.Shared {
		return false
	}
	_, filters, _, err := Filters(v.Query.Encode(), o.rawOK)
	if err != nil {
		return false
	}
	if o.rawOK {
		return true
	}
	if o.voc.Check(filters) != nil {
		return false
	}
	coarse, _ := disclosure.Coarsen(filters, o.voc.k)
	for i, f := range filters {
		switch f := f.(type) {
		case mining.TimeFrame:
			if coarse[i] != f {
				return false // a time of day
			}
		case mining.DurationRange:
			// Whole hours, as written: coarsening widens a maximum to
			// the hour's end, which a whole-hour maximum already means.
			if f.Min%disclosure.Hour != 0 || f.Max != mining.NoMaxDuration && f.Max%disclosure.Hour != 0 {
				return false
			}
		}
	}
	return true
}

// OfferedViews are the process's saved views the caller is offered. The
// process page asks on every load: with no view saved, nothing else is
// read.
func (e *Engine) OfferedViews(r *http.Request, id access.ID, process *access.Record) ([]store.SavedView, error) {
	all, err := e.store.SavedViews(r.Context(), id)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	o, err := e.ViewOffers(r, id, process)
	if err != nil {
		return nil, err
	}
	var out []store.SavedView
	for _, v := range all {
		if o.Offered(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// MaxViewQuery bounds a saved view's query, as written in a URL.
const MaxViewQuery = 4096

// viewParams are what a saved view keeps besides the filters: the map's
// view and sliders.
var viewParams = []string{"view", "activities", "paths"}

// ViewQuery reads the query of a view to save, as the report's page
// reads it (Filters, MapOptions), with the saver's rights: only the
// page's own parameters, none empty, at most MaxViewQuery bytes.
func ViewQuery(raw string, rawOK bool) (url.Values, error) {
	if len(raw) > MaxViewQuery {
		return nil, response.Invalid("query: %d bytes, at most %d", len(raw), MaxViewQuery)
	}
	q, _, rawEvents, err := Filters(raw, rawOK)
	if err != nil {
		return nil, err
	}
	if rawEvents {
		return nil, response.Invalid("query: a view shows activity instances; raw-events is for the API's reports")
	}
	if _, err := MapOptions(q); err != nil {
		return nil, err
	}
	keep := url.Values{}
	for k, vs := range q {
		if !slices.Contains(filterspec.Params, k) && !slices.Contains(viewParams, k) {
			return nil, response.Invalid("query: %q is not a filter or a setting of the map (%s, %s)", k,
				strings.Join(filterspec.Params, ", "), strings.Join(viewParams, ", "))
		}
		for _, v := range vs {
			if v == "" {
				continue
			}
			if k == "variant" || k == "exclude-variant" {
				// Kept as the names read, in plain JSON: a name written
				// with escapes (\u006f) is found by erasure too.
				v = plainJSON(v)
			}
			keep.Add(k, v)
		}
	}
	return keep, nil
}

// plainJSON writes a JSON list of names again without escapes beyond
// JSON's own; a value that does not read is left as it is (Filters
// refused it already).
func plainJSON(v string) string {
	var names []string
	if json.Unmarshal([]byte(v), &names) != nil {
		return v
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(names) != nil {
		return v
	}
	return strings.TrimSuffix(b.String(), "\n")
}

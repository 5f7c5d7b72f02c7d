package report

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/store"
)

// ViewOffered tells whether the caller, who may read the process's
// reports, is offered a saved view: its owner always; anyone else when it
// is shared and its query is one they may apply (Filters, with their
// rights). A view that filters on attribute values is thus kept from
// report readers: their page would refuse it, and its query names values
// they may not read.
func ViewOffered(r *http.Request, process *access.Record, v store.SavedView) bool {
	if v.Owner == request.Subject(r).User {
		return true
	}
	if !v.Shared {
		return false
	}
	_, _, _, err := Filters(v.Query.Encode(), authz.MayReadData(r, process))
	return err == nil
}

// OfferedViews are the process's saved views the caller is offered.
func OfferedViews(r *http.Request, id access.ID, process *access.Record, st *store.Store) ([]store.SavedView, error) {
	all, err := st.SavedViews(r.Context(), id)
	if err != nil {
		return nil, err
	}
	var out []store.SavedView
	for _, v := range all {
		if ViewOffered(r, process, v) {
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
			if v != "" {
				keep.Add(k, v)
			}
		}
	}
	return keep, nil
}

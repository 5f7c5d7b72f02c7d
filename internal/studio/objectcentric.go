package studio

import (
	"net/http"

	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/store"
)

// objectCentricPage shows the object-centric graph of a process whose
// data was flattened from an object-centric log: drawn with a colour per
// object type, and its figures per type and activity, through
// disclosure control for a reader (report.Engine.ObjectCentric).
func (s *Studio) objectCentricPage(w http.ResponseWriter, r *http.Request) {
	// The graph is the whole log's: the page takes no filters.
	r.URL.RawQuery = ""
	src, err := s.reports.Source(r, false)
	var p store.Process
	if err == nil {
		p, err = s.store.ProcessByID(r.Context(), request.Environment(r), src.Process)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	gr, withheld, err := s.reports.ObjectCentric(src, nil)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	data := map[string]any{"Title": "Object types · " + p.Name, "Env": request.Environment(r), "ID": p.ID, "Name": p.Name, "Graph": gr}
	if withheld != nil {
		data["Disclosure"] = withheld
	}
	s.render(w, r, http.StatusOK, "objectcentric", data)
}

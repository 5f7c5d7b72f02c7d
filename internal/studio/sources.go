package studio

import (
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/store"
)

// sourceRow is a data source as the page lists it.
type sourceRow struct {
	store.DataSource
	Watermark string
}

// sourcesPage lists a process's data sources, with what each reads and
// how its last refresh went, and offers to add, refresh and delete them
// to those whose role allows it (authz.SourceProcess decides, as for the
// API the page's forms call).
func (s *Studio) sourcesPage(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.SourceProcess(r, access.Read)
	var list []store.DataSource
	if err == nil {
		list, err = s.store.DataSources(r.Context(), id)
	}
	var p store.Process
	if err == nil {
		p, err = s.store.ProcessByID(r.Context(), request.Environment(r), id)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	rows := make([]sourceRow, len(list))
	for i, d := range list {
		wm, _ := datasource.DecodeWatermark(d.Watermark)
		rows[i] = sourceRow{DataSource: d, Watermark: wm.String()}
	}
	_, _, createErr := s.authz.SourceProcess(r, access.Create)
	_, _, writeErr := s.authz.SourceProcess(r, access.Write)
	_, _, deleteErr := s.authz.SourceProcess(r, access.Delete)
	s.render(w, r, http.StatusOK, "sources", map[string]any{
		"Title": "Data sources · " + p.Name, "Env": request.Environment(r), "ID": id, "Name": p.Name, "Sources": rows,
		"CanCreate": createErr == nil, "CanRun": writeErr == nil, "CanDelete": deleteErr == nil,
	})
}

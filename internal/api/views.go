package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// savedView is a saved view as the API shows it: its query in a URL's
// form, to append to the report's page or to the API's report routes.
type savedView struct {
	ID        access.ID `json:"id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Shared    bool      `json:"shared"`
	Mine      bool      `json:"mine"`
	MayDelete bool      `json:"may_delete"`
	Created   time.Time `json:"created_at"`
}

func viewOf(r *http.Request, rec *access.Record, v store.SavedView) savedView {
	return savedView{ID: v.ID, Name: v.Name, Query: v.Query.Encode(), Shared: v.Shared,
		Mine:      v.Owner == request.Subject(r).User,
		MayDelete: authz.ViewDelete(r, rec, v.Owner) == nil, Created: v.Created}
}

// listViews lists the process's saved views the caller is offered
// (report.ViewOffers).
func (s *Server) listViews(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.ReportProcess(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	views, err := s.reports.OfferedViews(r, id, rec)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := []savedView{}
	for _, v := range views {
		out = append(out, viewOf(r, rec, v))
	}
	response.JSON(w, http.StatusOK, map[string]any{"views": out})
}

// createView saves a view of the process's report: a name, the page's
// query (filters, view, sliders) checked with the caller's rights, and
// whether everyone who may read the process is offered it.
func (s *Server) createView(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.ReportProcess(r)
	if err == nil {
		err = authz.ViewCreate(r, rec)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		Name   string `json:"name"`
		Query  string `json:"query"`
		Shared bool   `json:"shared"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := request.CheckName(req.Name, 100); err != nil {
		response.WriteError(w, r, err)
		return
	}
	q, err := report.ViewQuery(req.Query, authz.MayReadData(r, rec))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	v := store.SavedView{Process: id, Owner: request.Subject(r).User, Name: req.Name, Query: q, Shared: req.Shared}
	v, err = s.cfg.Store.CreateSavedView(r.Context(), v)
	if errors.Is(err, store.ErrTooManyViews) {
		err = response.Errorf(http.StatusConflict, "too_many_views", err.Error())
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.view.create", store.AuditTarget("process", id), fmt.Sprintf("view %d", v.ID))
	response.JSON(w, http.StatusCreated, viewOf(r, rec, v))
}

// deleteView deletes a saved view: one the caller is not offered is not
// found; one they are offered but may not delete is forbidden.
func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.ReportProcess(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	vid, err := request.PathID(r, "view")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	v, err := s.cfg.Store.SavedView(r.Context(), id, vid)
	var offers *report.ViewOffers
	if err == nil {
		offers, err = s.reports.ViewOffers(r, id, rec)
	}
	if err == nil && !offers.Offered(v) {
		err = response.ErrNotFound
	}
	if err == nil {
		err = authz.ViewDelete(r, rec, v.Owner)
	}
	if err == nil {
		err = s.cfg.Store.DeleteSavedView(r.Context(), id, vid)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.view.delete", store.AuditTarget("process", id), fmt.Sprintf("view %d", vid))
	w.WriteHeader(http.StatusNoContent)
}

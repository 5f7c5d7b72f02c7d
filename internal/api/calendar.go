package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// calendarAnswer is a process's working calendar as the API gives it.
type calendarAnswer struct {
	Calendar *calendar.File `json:"calendar"`
	store.ProcessCalendar
}

// getCalendar gives the process's working calendar to whoever may read
// its reports (durations in working time depend on it).
func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.ReportProcess(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.writeCalendar(w, r, id)
}

func (s *Server) writeCalendar(w http.ResponseWriter, r *http.Request, id access.ID) {
	pc, err := s.cfg.Store.GetCalendar(r.Context(), id)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var f calendar.File
	if err := json.Unmarshal([]byte(pc.JSON), &f); err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, calendarAnswer{Calendar: &f, ProcessCalendar: pc})
}

// putCalendar sets the process's working calendar from a JSON calendar
// or an iCalendar file (docs/calendars.md), checked whole before anything
// is stored; it is stored in its JSON form.
func (s *Server) putCalendar(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, calendar.MaxBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		response.WriteError(w, r, response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a calendar may have at most %d bytes", calendar.MaxBytes)))
		return
	}
	if err != nil {
		response.WriteError(w, r, response.Invalid("could not read the calendar: %v", err))
		return
	}
	cal, err := calendar.Read(bytes.NewReader(data), "the calendar")
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	text, err := json.Marshal(cal.File())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.PutCalendar(r.Context(), id, string(text), request.Caller(r).ID); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.calendar.set", store.AuditTarget("process", id), cal.Zone.String())
	s.writeCalendar(w, r, id)
}

// deleteCalendar removes the process's working calendar.
func (s *Server) deleteCalendar(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteCalendar(r.Context(), id); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.calendar.delete", store.AuditTarget("process", id), "")
	w.WriteHeader(http.StatusNoContent)
}

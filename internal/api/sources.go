package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/jobs"
	"github.com/procmine/procmine/internal/names"
	"github.com/procmine/procmine/internal/store"
)

// Data sources: a process's queries against a database, refreshed on
// demand and on a schedule (package datasource reads them, package jobs
// runs them). Who may see, create, change, run and delete them is
// authz.SourceProcess's rule; the connection, with its credentials, is
// written and never shown again.

// sourceOut is a source as the API shows it.
type sourceOut struct {
	store.DataSource
	// Watermark is the largest value of the watermark column read so
	// far, written out.
	Watermark string `json:"watermark,omitempty"`
}

func sourceOf(d store.DataSource) sourceOut {
	w, _ := datasource.DecodeWatermark(d.Watermark)
	return sourceOut{DataSource: d, Watermark: w.String()}
}

// maxQuery bounds a source's query text.
const maxQuery = 64 << 10

// sourceIn is what creating or changing a source sends; a field left out
// of a change stays as it was.
type sourceIn struct {
	Name            *string            `json:"name"`
	Kind            *string            `json:"kind"`
	Connection      *string            `json:"connection"`
	Query           *string            `json:"query"`
	Mapping         *map[string]string `json:"mapping"`
	WatermarkColumn *string            `json:"watermark_column"`
	Schedule        *string            `json:"schedule"`
}

// apply checks in's fields and writes them into d; it reports whether
// what the source reads changed.
func (s *Server) applySource(in sourceIn, d *store.DataSource) (reread bool, err error) {
	if in.Name != nil {
		if err := request.CheckName(*in.Name, 100); err != nil {
			return false, err
		}
		d.Name = *in.Name
	}
	if in.Kind != nil && *in.Kind != d.Kind {
		if d.ID != 0 {
			return false, response.Invalid("a source's kind cannot change: create another source")
		}
		d.Kind = *in.Kind
	}
	if in.Connection != nil {
		if len(*in.Connection) > 4096 {
			return false, response.Invalid("connection: at most 4096 characters")
		}
		target, err := s.cfg.Sources.Check(d.Kind, *in.Connection)
		if err != nil {
			return false, response.Invalid("connection: %v", err)
		}
		d.Connection, d.Target, reread = *in.Connection, target, true
	} else if d.ID == 0 {
		return false, response.Invalid("connection is required: a postgres:// URL, or the name of a file or folder in the server's sources folder")
	}
	if in.Query != nil {
		if len(*in.Query) == 0 || len(*in.Query) > maxQuery {
			return false, response.Invalid("query is required: a SELECT of at most %d bytes", maxQuery)
		}
		if i := strings.IndexFunc(*in.Query, func(r rune) bool {
			return r == utf8.RuneError || unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
		}); i >= 0 {
			return false, response.Invalid("query: a control character or invalid UTF-8 at byte %d", i)
		}
		if err := datasource.CheckQuery(d.Kind, *in.Query); err != nil {
			return false, response.Invalid("query: %v", err)
		}
		d.Query, reread = *in.Query, true
	}
	if in.Mapping != nil {
		if _, err := datasource.MappingOf(*in.Mapping); err != nil {
			return false, response.Invalid("mapping: %v", err)
		}
		for k, v := range *in.Mapping {
			if err := names.Check(k, v); err != nil {
				return false, response.Invalid("mapping: %v", err)
			}
		}
		d.Mapping, reread = *in.Mapping, true
	}
	if d.Mapping == nil {
		d.Mapping = map[string]string{}
	}
	if in.WatermarkColumn != nil {
		if len(*in.WatermarkColumn) > 200 {
			return false, response.Invalid("watermark_column: at most 200 characters")
		}
		if *in.WatermarkColumn != "" {
			if err := names.Check("watermark_column", *in.WatermarkColumn); err != nil {
				return false, response.Invalid("%v", err)
			}
		}
		d.WatermarkColumn, reread = *in.WatermarkColumn, true
	}
	if in.Schedule != nil {
		if len(*in.Schedule) > 100 {
			return false, response.Invalid("schedule: at most 100 characters")
		}
		d.Schedule, d.NextRun = *in.Schedule, time.Time{}
		if d.Schedule != "" {
			sch, err := jobs.ParseSchedule(d.Schedule)
			if err != nil {
				return false, response.Invalid("schedule: %v", err)
			}
			d.NextRun = sch.Next(s.cfg.Now().UTC())
		}
	}
	return reread, nil
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.SourceProcess(r, access.Read)
	var list []store.DataSource
	if err == nil {
		list, err = s.cfg.Store.DataSources(r.Context(), id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := make([]sourceOut, len(list))
	for i, d := range list {
		out[i] = sourceOf(d)
	}
	response.JSON(w, http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.SourceProcess(r, access.Create)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var in sourceIn
	if err := request.Decode(w, r, &in); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if in.Name == nil || in.Kind == nil || in.Query == nil {
		response.WriteError(w, r, response.Invalid("name, kind (postgres, sqlite or folder), connection and query (for a folder, its files' pattern) are required"))
		return
	}
	d := store.DataSource{Process: id, CreatedBy: request.Subject(r).User}
	if _, err := s.applySource(in, &d); err != nil {
		response.WriteError(w, r, err)
		return
	}
	d, err = s.cfg.Store.CreateDataSource(r.Context(), d, s.auditLog.Entry(r, request.Environment(r), "data.source.create", store.AuditTarget("process", id), ""))
	if errors.Is(err, store.ErrTooManySources) {
		err = response.Errorf(http.StatusConflict, "too_many_sources", err.Error())
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, sourceOf(d))
}

// source loads the source {source} of the process, for op.
func (s *Server) source(r *http.Request, op access.Op) (store.DataSource, error) {
	id, _, err := s.authz.SourceProcess(r, op)
	if err != nil {
		return store.DataSource{}, err
	}
	sid, err := request.PathID(r, "source")
	if err != nil {
		return store.DataSource{}, err
	}
	return s.cfg.Store.DataSource(r.Context(), id, sid)
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) {
	d, err := s.source(r, access.Read)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, sourceOf(d))
}

func (s *Server) updateSource(w http.ResponseWriter, r *http.Request) {
	d, err := s.source(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var in sourceIn
	if err := request.Decode(w, r, &in); err != nil {
		response.WriteError(w, r, err)
		return
	}
	runsAs := d.CreatedBy
	reread, err := s.applySource(in, &d)
	caller := request.Subject(r).User
	switch {
	case err != nil:
	case in.Connection != nil:
		d.CreatedBy = caller // whoever gives the connection is whom it reads as
	case reread && runsAs != caller:
		// Otherwise the editor would read what they chose with another's
		// credentials and rights.
		err = response.Invalid("changing what a source reads (query, mapping, watermark column) takes its connection again: the source reads with the credentials and rights of whoever gave it")
	}
	if err == nil {
		err = s.cfg.Store.UpdateDataSource(r.Context(), d, reread, s.auditLog.Entry(r, request.Environment(r), "data.source.change", store.AuditTarget("process", d.Process), ""))
	}
	if err == nil {
		d, err = s.cfg.Store.DataSource(r.Context(), d.Process, d.ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, sourceOf(d))
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) {
	d, err := s.source(r, access.Delete)
	if err == nil {
		err = s.cfg.Store.DeleteDataSource(r.Context(), d.Process, d.ID, s.auditLog.Entry(r, request.Environment(r), "data.source.delete", store.AuditTarget("process", d.Process), ""))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refreshSource queues a refresh: incremental unless {"full": true}.
func (s *Server) refreshSource(w http.ResponseWriter, r *http.Request) {
	d, err := s.source(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	var in struct {
		Full bool `json:"full"`
	}
	if r.ContentLength != 0 {
		if err := request.Decode(w, r, &in); err != nil {
			response.WriteError(w, r, err)
			return
		}
	}
	queued, err := s.jobs.QueueRefresh(r.Context(), d.ID, in.Full, request.Subject(r).User)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	msg := "the refresh is queued: the source shows when it ran (last_run_at) and how (last_rows, last_error)"
	if !queued {
		msg = "a refresh of this source is already queued or running"
	} else {
		s.auditLog.Record(r, request.Environment(r), "data.source.refresh.queue", store.AuditTarget("process", d.Process), fmt.Sprintf("%s (full: %v)", store.AuditTarget("source", d.ID), in.Full))
	}
	response.JSON(w, http.StatusAccepted, map[string]any{"queued": queued, "message": msg})
}

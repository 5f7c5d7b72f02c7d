package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// listAudit serves the environment's audit log to its System
// Administrators, as JSON or (format=csv) CSV, with filters action, actor,
// since (RFC 3339), after (an entry id) and limit.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.serveAudit(w, r, request.Environment(r))
}

// listInstallationAudit serves the installation's own entries (sign-ins,
// failed ones too, users, tokens) to installation administrators.
func (s *Server) listInstallationAudit(w http.ResponseWriter, r *http.Request) {
	if !request.Caller(r).InstallationAdmin {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "forbidden", "only installation administrators read the installation's audit log"))
		return
	}
	s.serveAudit(w, r, 0)
}

func (s *Server) serveAudit(w http.ResponseWriter, r *http.Request, env access.ID) {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action"), Actor: q.Get("actor")}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			response.WriteError(w, r, response.Invalid("since must be an RFC 3339 time, such as 2026-01-02T15:04:05Z"))
			return
		}
		f.Since = t
	}
	for name, dst := range map[string]*int{"limit": &f.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				response.WriteError(w, r, response.Invalid("%s must be a number from 1 to 1000", name))
				return
			}
			*dst = n
		}
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			response.WriteError(w, r, response.Invalid("after must be an entry id"))
			return
		}
		f.After = access.ID(n)
	}
	entries, err := s.cfg.Store.AuditLog(r.Context(), env, f)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, env, "audit.read", "audit", "")
	switch q.Get("format") {
	case "", "json":
		response.JSON(w, http.StatusOK, map[string]any{"entries": entries})
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "at", "actor", "action", "target", "detail", "ip", "app"})
		for _, e := range entries {
			cw.Write([]string{strconv.FormatInt(int64(e.ID), 10), e.At.Format(time.RFC3339Nano), csvlog.SafeCell(e.Actor), csvlog.SafeCell(e.Action), csvlog.SafeCell(e.Target), csvlog.SafeCell(e.Detail), csvlog.SafeCell(e.IP), e.App})
		}
		cw.Flush()
	default:
		response.WriteError(w, r, response.Invalid("format must be json or csv"))
	}
}

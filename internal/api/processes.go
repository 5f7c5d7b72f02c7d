package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// createEnvironment is for installation administrators; the creator
// becomes the environment's System Administrator.
func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	if !request.Caller(r).InstallationAdmin {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "forbidden", "only installation administrators create environments"))
		return
	}
	name, err := decodeName(w, r, 100)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	env, root, err := s.cfg.Store.CreateEnvironment(r.Context(), name, request.Caller(r).ID)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, env, "environment.create", "environment "+name, "")
	response.JSON(w, http.StatusCreated, map[string]any{"id": env, "name": name, "root_business_unit": root})
}

type processJSON struct {
	ID    access.ID        `json:"id"`
	Name  string           `json:"name"`
	Owner access.Principal `json:"owner"`
	Unit  access.ID        `json:"business_unit"`
}

func processOut(p store.Process) processJSON {
	return processJSON{ID: p.ID, Name: p.Name, Owner: p.Owner, Unit: p.Unit}
}

func (s *Server) listProcesses(w http.ResponseWriter, r *http.Request) {
	sub := request.Subject(r)
	list, err := s.cfg.Store.ListProcesses(r.Context(), request.Environment(r), sub, sub.Units.Below(sub.Unit))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := make([]processJSON, len(list))
	for i, p := range list {
		out[i] = processOut(p)
	}
	response.JSON(w, http.StatusOK, map[string]any{"processes": out})
}

// createProcess makes a process owned by the caller, in the caller's unit.
func (s *Server) createProcess(w http.ResponseWriter, r *http.Request) {
	if err := authz.Create(r, access.Process); err != nil {
		response.WriteError(w, r, err)
		return
	}
	name, err := decodeName(w, r, 200)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	sub := request.Subject(r)
	p := store.Process{Env: request.Environment(r), Name: name, Owner: access.Principal{User: sub.User}, Unit: sub.Unit}
	id, err := s.cfg.Store.CreateProcess(r.Context(), p)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	p.ID = id
	s.auditLog.Record(r, p.Env, "process.create", store.AuditTarget("process", id), name)
	response.JSON(w, http.StatusCreated, processOut(p))
}

func (s *Server) getProcess(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Read)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.writeProcess(w, r, id)
}

func (s *Server) writeProcess(w http.ResponseWriter, r *http.Request, id access.ID) {
	p, err := s.cfg.Store.ProcessByID(r.Context(), request.Environment(r), id)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, processOut(p))
}

func (s *Server) renameProcess(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, _, err := s.authz.Process(r, access.Write)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := request.CheckName(req.Name, 200); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.RenameProcess(r.Context(), request.Environment(r), id, req.Name); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.rename", store.AuditTarget("process", id), req.Name)
	s.writeProcess(w, r, id)
}

func (s *Server) deleteProcess(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.authz.Process(r, access.Delete)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteProcess(r.Context(), request.Environment(r), id); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.delete", store.AuditTarget("process", id), "")
	w.WriteHeader(http.StatusNoContent)
}

// setOwner reassigns a process (Assign) to a member or team of the
// environment.
func (s *Server) setOwner(w http.ResponseWriter, r *http.Request) {
	var owner access.Principal
	if err := request.Decode(w, r, &owner); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, _, err := s.authz.Process(r, access.Assign)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	err = s.cfg.Store.SetProcessOwner(r.Context(), request.Environment(r), id, owner)
	if errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid(`owner must be {"user": id} of a member or {"team": id} of this environment`))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "process.owner", store.AuditTarget("process", id), principalText(owner))
	// The caller may no longer read it; the answer is the change it made.
	s.writeProcess(w, r, id)
}

type shareRequest struct {
	Principal access.Principal `json:"principal"`
	Access    string           `json:"access"`
}

// putShare shares a process, if the caller may share it at that level.
func (s *Server) putShare(w http.ResponseWriter, r *http.Request) {
	var req shareRequest
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	level, err := access.ParseShareAccess(req.Access)
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	id, rec, err := s.authz.Process(r, access.Share)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := authz.Share(r, rec, level); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if _, err := s.cfg.Store.PrincipalUnit(r.Context(), request.Environment(r), req.Principal); errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid(`principal must be {"user": id} of a member or {"team": id} of this environment`))
		return
	} else if err != nil {
		response.WriteError(w, r, err)
		return
	}
	changed, err := s.cfg.Store.SetShare(r.Context(), id, access.ProcessShare{To: req.Principal, Access: level})
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "share.put", store.AuditTarget("process", id), principalText(req.Principal)+" as "+level.String())
	// A share put again as it was grants nothing: a caller repeating it
	// would otherwise fill the environment's webhooks' queues.
	if changed {
		s.notify(r, webhooks.ShareGranted, shareData{Process: id, Principal: req.Principal, Access: level.String()})
	}
	response.JSON(w, http.StatusOK, map[string]any{"principal": req.Principal, "access": level.String()})
}

func (s *Server) deleteShare(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Principal access.Principal `json:"principal"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, _, err := s.authz.Process(r, access.Share)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteShare(r.Context(), id, req.Principal); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "share.delete", store.AuditTarget("process", id), principalText(req.Principal))
	s.notify(r, webhooks.ShareRevoked, shareData{Process: id, Principal: req.Principal})
	w.WriteHeader(http.StatusNoContent)
}

// explain says, for a member of the environment and this process, which
// operations on the process and its records are allowed, and why.
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	user, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
	if err != nil || user <= 0 {
		response.WriteError(w, r, response.Invalid("give the member to explain as ?user=ID"))
		return
	}
	// Anyone may ask about themselves; asking about others reveals their
	// roles and teams, which is for those who may read roles.
	op := access.Read
	if access.ID(user) != request.Subject(r).User {
		if err := authz.Security(r, access.RoleTable, access.Read); err != nil {
			response.WriteError(w, r, err)
			return
		}
		op = access.Share
	}
	_, rec, err := s.authz.Process(r, op)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	who, err := s.cfg.Store.Subject(r.Context(), request.Environment(r), access.ID(user))
	if errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid("user %d is not a member of this environment", user))
		return
	} else if err != nil {
		response.WriteError(w, r, err)
		return
	}
	type opJSON struct {
		Allowed bool     `json:"allowed"`
		Reasons []string `json:"reasons"`
	}
	out := map[string]map[string]opJSON{}
	for _, t := range append([]access.Table{access.Process}, access.Children...) {
		out[t.String()] = map[string]opJSON{}
		for _, op := range access.Ops() {
			var e access.Explanation
			if op == access.Create {
				e = who.Explain(op, rec.As(t))
				e.Allowed = who.CanCreate(t)
			} else {
				e = who.Explain(op, rec.As(t))
			}
			out[t.String()][op.String()] = opJSON{Allowed: e.Allowed, Reasons: e.Reasons}
		}
	}
	response.JSON(w, http.StatusOK, map[string]any{"user": user, "access": out})
}

func principalText(p access.Principal) string {
	if p.Team != 0 {
		return store.AuditTarget("team", p.Team)
	}
	return store.AuditTarget("user", p.User)
}

package api

import (
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
)

// createEnvironment is for installation administrators; the creator
// becomes the environment's System Administrator.
func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	if !caller(r).InstallationAdmin {
		writeError(w, r, errorf(http.StatusForbidden, "forbidden", "only installation administrators create environments"))
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if name := strings.TrimSpace(req.Name); name == "" || len(name) > 100 || name != req.Name {
		writeError(w, r, invalid("name is required: 1 to 100 characters, no leading or trailing spaces"))
		return
	}
	env, root, err := s.cfg.Store.CreateEnvironment(r.Context(), req.Name, caller(r).ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": env, "name": req.Name, "root_business_unit": root})
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
	sub := subject(r)
	list, err := s.cfg.Store.ListProcesses(r.Context(), environment(r), sub, sub.Units.Below(sub.Unit))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]processJSON, len(list))
	for i, p := range list {
		out[i] = processOut(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"processes": out})
}

// createProcess makes a process owned by the caller, in the caller's unit.
func (s *Server) createProcess(w http.ResponseWriter, r *http.Request) {
	if err := authorizeCreate(r, access.Process); err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" || len(req.Name) > 200 {
		writeError(w, r, invalid("name is required (at most 200 characters)"))
		return
	}
	sub := subject(r)
	p := store.Process{Env: environment(r), Name: req.Name, Owner: access.Principal{User: sub.User}, Unit: sub.Unit}
	id, err := s.cfg.Store.CreateProcess(r.Context(), p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p.ID = id
	writeJSON(w, http.StatusCreated, processOut(p))
}

func (s *Server) getProcess(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.processFor(r, access.Read)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.cfg.Store.ProcessByID(r.Context(), environment(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, processOut(p))
}

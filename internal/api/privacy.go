package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/procmine/procmine/internal/erasure"
	"github.com/procmine/procmine/internal/privacy"
)

// policyFor loads the environment's privacy policy (the default until an
// administrator sets one) and prepares it with the environment's key.
func (s *Server) policyFor(r *http.Request) (privacy.Policy, *privacy.Applier, error) {
	text, key, err := s.cfg.Store.PrivacyPolicy(r.Context(), environment(r))
	if err != nil {
		return privacy.Policy{}, nil, err
	}
	p := privacy.DefaultPolicy()
	if text != "" {
		p = privacy.Policy{}
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			return privacy.Policy{}, nil, fmt.Errorf("stored privacy policy: %w", err)
		}
	}
	return p, privacy.NewApplier(p, key), nil
}

// getPrivacyPolicy shows the policy to the environment's members: what
// happens to personal data is no secret. The key never leaves the store.
func (s *Server) getPrivacyPolicy(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.policyFor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// putPrivacyPolicy replaces the policy; System Administrators only. It
// applies to what is imported from then on (and to stored recordings
// through POST privacy-policy/apply).
func (s *Server) putPrivacyPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authorizeEnvironmentAdmin(r); err != nil {
		writeError(w, r, err)
		return
	}
	var p privacy.Policy
	if err := decode(w, r, &p); err != nil {
		writeError(w, r, err)
		return
	}
	if err := p.Validate(); err != nil {
		writeError(w, r, invalid("%v", err))
		return
	}
	text, err := json.Marshal(p)
	if err == nil {
		err = s.cfg.Store.SetPrivacyPolicy(r.Context(), environment(r), string(text))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	detail := ""
	for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
		detail += fmt.Sprintf("%s=%s ", k, p.Actions[k])
	}
	s.audit(r, environment(r), "privacy.policy", "environment", fmt.Sprintf("%s(%d names)", detail, len(p.Names)))
	writeJSON(w, http.StatusOK, p)
}

// erase carries out the right to erasure in the environment (System
// Administrators): the person, by the names they go by, leaves its event
// logs, recordings and audit log. The answer and the audit entry say what
// was removed, and name no one.
func (s *Server) erase(w http.ResponseWriter, r *http.Request) {
	if err := authorizeEnvironmentAdmin(r); err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		Names []string `json:"names"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if err := erasure.Check(req.Names); err != nil {
		writeError(w, r, invalid("%v", err))
		return
	}
	rep, err := erasure.Erase(r.Context(), s.cfg.Store, environment(r), req.Names)
	for _, v := range rep.Versions {
		s.logs.forget(v.Version)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.audit(r, environment(r), "privacy.erasure", "environment", fmt.Sprintf("%d names; %d event-log versions (%d events, %d attributes); %d recordings unlinked, %d steps, %d titles; %d audit entries",
		rep.Names, rep.LogVersions, rep.Events, rep.Attributes, rep.RecordingsUnlinked, rep.Steps, rep.Titles, rep.AuditEntries))
	writeJSON(w, http.StatusOK, rep)
}

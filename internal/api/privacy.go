package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/erasure"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// policyFor loads the environment's privacy policy (the default until an
// administrator sets one) and prepares it with the environment's key.
func (s *Server) policyFor(r *http.Request) (privacy.Policy, *privacy.Applier, error) {
	return s.policyOf(r.Context(), request.Environment(r))
}

// policyOf is the privacy policy of an environment, with its applier.
func (s *Server) policyOf(ctx context.Context, env access.ID) (privacy.Policy, *privacy.Applier, error) {
	p, key, err := s.policyAndKey(ctx, env)
	if err != nil {
		return privacy.Policy{}, nil, err
	}
	return p, privacy.NewApplier(p, key), nil
}

// policyAndKey is the privacy policy of an environment and its secret key.
func (s *Server) policyAndKey(ctx context.Context, env access.ID) (privacy.Policy, []byte, error) {
	text, key, err := s.cfg.Store.PrivacyPolicy(ctx, env)
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
	p.MinGroupSize = p.K() // policies stored before it had one have the default
	return p, key, nil
}

// getPrivacyPolicy shows the policy to the environment's members: what
// happens to personal data is no secret. The list of names is a list of
// people, so only System Administrators see it; others see how many. The
// key never leaves the store.
func (s *Server) getPrivacyPolicy(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.policyFor(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if authz.EnvironmentAdmin(r) != nil {
		response.JSON(w, http.StatusOK, map[string]any{"actions": p.Actions, "names_count": len(p.Names), "min_group_size": p.K()})
		return
	}
	response.JSON(w, http.StatusOK, p)
}

// putPrivacyPolicy replaces the policy; System Administrators only. It
// applies to what is imported from then on (and to stored recordings
// through POST privacy-policy/apply).
func (s *Server) putPrivacyPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var p privacy.Policy
	if err := request.Decode(w, r, &p); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := p.Validate(); err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	p.MinGroupSize = p.K()
	if p.Names == nil {
		p.Names = []string{} // a list, also when the caller sent none or null
	}
	text, err := json.Marshal(p)
	if err == nil {
		err = s.cfg.Store.SetPrivacyPolicy(r.Context(), request.Environment(r), string(text))
	}
	if err == nil {
		// Results kept for report readers were guarded by the policy
		// before (its smallest group): none is served under the new one.
		// Not to be stopped by the caller's leaving: the policy is set.
		_, err = s.cfg.Store.DropJobResults(context.WithoutCancel(r.Context()), request.Environment(r), "the environment's privacy policy changed while the job waited or ran: start it again")
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	detail := ""
	for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
		detail += fmt.Sprintf("%s=%s ", k, p.Actions[k])
	}
	s.auditLog.Record(r, request.Environment(r), "privacy.policy", "environment", fmt.Sprintf("%s(%d names) min_group_size=%d", detail, len(p.Names), p.K()))
	response.JSON(w, http.StatusOK, p)
}

// erase carries out the right to erasure in the environment (System
// Administrators): the person, by the names they go by, leaves its event
// logs, recordings and audit log. The answer and the audit entry say what
// was removed, and name no one.
func (s *Server) erase(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		Names []string `json:"names"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := erasure.Check(req.Names); err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	// Erasing oneself would hide one's own actions: another administrator
	// does it.
	named := erasure.Matcher(req.Names)
	if named(request.Caller(r).Username) {
		response.WriteError(w, r, response.Invalid("you may not erase yourself; ask another administrator"))
		return
	}
	// Erasing someone who still works here would wipe the name and
	// address from their audit entries while they go on acting: they
	// leave the environment first.
	members, err := s.cfg.Store.Members(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	for _, m := range members {
		if named(m.Username) {
			response.WriteError(w, r, response.Invalid("%s is still a member of this environment: remove them from it first, then erase them", m.Username))
			return
		}
	}
	// An erasure runs to its end even if the client goes: one stopped
	// half-way leaves some of the person behind, and a name it has already
	// erased from the event data is refused the second time.
	rep, err := erasure.Erase(context.WithoutCancel(r.Context()), s.cfg.Store, request.Environment(r), req.Names)
	for _, v := range rep.Versions {
		s.changed(store.ChangedVersion(v.Version)) // the store told the others
	}
	// Once this server has forgotten the logs as they were: a job that
	// read one meanwhile is failed and keeps nothing (erasure.Erase
	// dropped the results before, and as it ended).
	if _, derr := s.cfg.Store.DropJobResults(context.WithoutCancel(r.Context()), request.Environment(r), erasure.JobReason); derr != nil && err == nil {
		err = derr
	}
	var notPerson *erasure.NameError
	if errors.As(err, &notPerson) {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "privacy.erasure", "environment", rep.Summary())
	// How many names, and no more: the erasure's other counts are
	// figures about the person (how many events were theirs).
	s.notify(r, webhooks.ErasureCompleted, struct {
		Names int `json:"names"`
	}{rep.Names})
	response.JSON(w, http.StatusOK, rep)
}

// applyPolicy applies the environment's current policy to what is stored
// already (System Administrators): every recording's texts, with the
// screenshot regions of the steps it changed blacked out, and on request
// the resources and string attributes of every event log version.
func (s *Server) applyPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		Recordings bool `json:"recordings"`
		EventLogs  bool `json:"event_logs"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if !req.Recordings && !req.EventLogs {
		response.WriteError(w, r, response.Invalid("say what to apply the policy to: recordings, event_logs or both"))
		return
	}
	_, applier, err := s.policyFor(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	ctx, env := r.Context(), request.Environment(r)
	rep := map[string]int{}
	if req.Recordings {
		refs, titles, err := s.cfg.Store.RewriteRecordings(ctx, env, applier.Rewriter())
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		rep["recording_steps_changed"], rep["recording_titles_changed"] = len(refs), titles
		blacked, dropped, err := s.blackoutChanged(r, refs)
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		rep["screenshots_blacked_out"], rep["screenshots_dropped"] = blacked, dropped
	}
	if req.EventLogs {
		logs, err := erasure.RewriteLogs(r.Context(), s.cfg.Store, env, applier.Rewriter())
		for _, v := range logs.Versions {
			s.changed(store.ChangedVersion(v.Version)) // the store told the others
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		rep["event_log_versions_changed"], rep["resources_changed"], rep["attribute_values_changed"] = len(logs.Versions), logs.Events, logs.Attributes
	}
	detail := ""
	for _, k := range []string{"recording_steps_changed", "recording_titles_changed", "screenshots_blacked_out", "screenshots_dropped", "event_log_versions_changed", "resources_changed", "attribute_values_changed"} {
		if v, ok := rep[k]; ok {
			detail += fmt.Sprintf("%s %d; ", k, v)
		}
	}
	s.auditLog.Record(r, env, "privacy.apply", "environment", detail)
	response.JSON(w, http.StatusOK, rep)
}

// blackoutChanged blacks out, in the screenshots of steps whose texts the
// policy changed, the element's region: what was typed there held
// personal data. A screenshot whose element cannot be located in it is
// deleted instead, as at import. It returns how many it blacked out and
// how many it deleted.
func (s *Server) blackoutChanged(r *http.Request, refs []store.StepRef) (n, dropped int, err error) {
	steps := map[access.ID][]store.Step{}
	for _, ref := range refs {
		list, ok := steps[ref.Recording]
		if !ok {
			var err error
			if list, err = s.cfg.Store.Steps(r.Context(), ref.Recording); err != nil {
				return n, dropped, err
			}
			steps[ref.Recording] = list
		}
		for _, st := range list {
			if st.N != ref.N || !st.HasScreenshot || st.Element.Bounds == nil {
				continue
			}
			img, err := s.cfg.Store.Screenshot(r.Context(), ref.Recording, ref.N)
			if err != nil {
				return n, dropped, err
			}
			release, err := s.imageSlotWaiting(r.Context())
			if err != nil {
				return n, dropped, err
			}
			out, err := privacy.Blackout(img, []recording.Bounds{*st.Element.Bounds})
			release()
			if errors.Is(err, privacy.ErrNotLocated) {
				if err := s.cfg.Store.DeleteScreenshot(r.Context(), ref.Recording, ref.N); err != nil {
					return n, dropped, err
				}
				dropped++
				continue
			}
			if err != nil {
				return n, dropped, err
			}
			if err := s.cfg.Store.ReplaceScreenshot(r.Context(), ref.Recording, ref.N, out); err != nil {
				return n, dropped, err
			}
			n++
		}
	}
	return n, dropped, nil
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

type policyAnswer struct {
	accesspolicy.Policy
	Warnings []string `json:"warnings"`
}

func (s *Server) listAccessPolicies(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	list, err := s.cfg.Store.AccessPolicies(r.Context())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out := make([]policyAnswer, len(list))
	for i, p := range list {
		warnings, _ := p.Validate()
		out[i] = policyAnswer{Policy: p, Warnings: orEmpty(warnings)}
	}
	response.JSON(w, http.StatusOK, map[string]any{"policies": out})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) getAccessPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	var p accesspolicy.Policy
	if err == nil {
		p, err = s.cfg.Store.AccessPolicy(r.Context(), id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	warnings, _ := p.Validate()
	response.JSON(w, http.StatusOK, policyAnswer{Policy: p, Warnings: orEmpty(warnings)})
}

// putAccessPolicy creates (POST) or replaces (PUT …/{id}) a policy. A
// change that would block the administrator making it is refused: try it
// report-only first, or exclude yourself.
func (s *Server) putAccessPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var id access.ID
	if r.Method == http.MethodPut {
		var err error
		if id, err = request.PathID(r, "id"); err == nil {
			_, err = s.cfg.Store.AccessPolicy(r.Context(), id)
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
	}
	var body accesspolicy.Body
	if err := request.Decode(w, r, &body); err != nil {
		response.WriteError(w, r, err)
		return
	}
	p, warnings, err := body.Policy()
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	p.ID = id
	if err := s.checkPrincipals(r.Context(), p); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.wouldLockOut(r, p); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if p.ID, err = s.cfg.Store.PutAccessPolicy(r.Context(), p); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.tell(r.Context(), store.ChangedPolicies)
	action, status := "access-policy.create", http.StatusCreated
	if id != 0 {
		action, status = "access-policy.update", http.StatusOK
	}
	whole, _ := json.Marshal(p)
	s.auditLog.Record(r, 0, action, fmt.Sprintf("policy %d", p.ID), string(whole))
	response.JSON(w, status, policyAnswer{Policy: p, Warnings: orEmpty(warnings)})
}

// checkPrincipals refuses users and teams that do not exist: a typo
// would protect nobody.
func (s *Server) checkPrincipals(ctx context.Context, p accesspolicy.Policy) error {
	if len(p.IPRangeNames) > 0 {
		named, err := s.cfg.Store.NamedRanges(ctx)
		if err != nil {
			return err
		}
		for _, n := range p.IPRangeNames {
			if _, ok := named[n]; !ok {
				return response.Invalid("ip_range_names: no named range %q", n)
			}
		}
	}
	for _, ps := range []struct {
		field string
		list  accesspolicy.Principals
	}{{"include", p.Include}, {"exclude", p.Exclude}} {
		for _, u := range ps.list.Users {
			if _, err := s.cfg.Store.UserByID(ctx, u); errors.Is(err, store.ErrNotFound) {
				return response.Invalid("%s.users: no user %d", ps.field, u)
			} else if err != nil {
				return err
			}
		}
		for _, t := range ps.list.Teams {
			if ok, err := s.cfg.Store.TeamExists(ctx, t); err != nil {
				return err
			} else if !ok {
				return response.Invalid("%s.teams: no team %d", ps.field, t)
			}
		}
	}
	return nil
}

// wouldLockOut refuses a policy set under which the caller's own request,
// through either app, would be refused.
func (s *Server) wouldLockOut(r *http.Request, changed accesspolicy.Policy) error {
	return s.wouldLockOutWith(r, &changed, nil)
}

// wouldLockOutWith is wouldLockOut for a changed policy (nil: none) and
// changed named ranges (nil: none).
func (s *Server) wouldLockOutWith(r *http.Request, changed *accesspolicy.Policy, ranges map[string][]netip.Prefix) error {
	list, err := s.cfg.Store.AccessPolicies(r.Context())
	if err != nil {
		return err
	}
	named, err := s.signin.NamedRanges(r.Context())
	if err != nil {
		return err
	}
	for k, v := range ranges {
		named[k] = v
	}
	next := []accesspolicy.Policy{}
	for _, p := range list {
		if changed == nil || p.ID != changed.ID {
			next = append(next, p)
		}
	}
	if changed != nil {
		next = append(next, *changed)
	}
	next = accesspolicy.Resolve(next, named)
	teams, err := s.cfg.Store.TeamsOfUser(r.Context(), request.Caller(r).ID)
	if err != nil {
		return err
	}
	for _, app := range []string{accesspolicy.Studio, accesspolicy.API} {
		if d := accesspolicy.Evaluate(next, accesspolicy.Request{User: request.Caller(r).ID, Teams: teams, App: app, IP: s.cfg.TrustedProxies.ClientAddr(r), MFA: request.SatisfiedMFA(r)}, false); !d.Allowed {
			return response.Errorf(http.StatusConflict, "would_lock_out", "this policy would refuse your own access to the "+app+" app: exclude yourself, or try it report-only first")
		}
	}
	return nil
}

func (s *Server) deleteAccessPolicy(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	var old accesspolicy.Policy
	if err == nil {
		old, err = s.cfg.Store.AccessPolicy(r.Context(), id)
	}
	if err == nil {
		err = s.cfg.Store.DeleteAccessPolicy(r.Context(), id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.tell(r.Context(), store.ChangedPolicies)
	whole, _ := json.Marshal(old)
	s.auditLog.Record(r, 0, "access-policy.delete", fmt.Sprintf("policy %d", id), string(whole))
	w.WriteHeader(http.StatusNoContent)
}

// whatIf tells which policies would apply to a user, app, address and MFA
// state, why, and the result.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		User access.ID `json:"user"`
		App  string    `json:"app"`
		IP   string    `json:"ip"`
		MFA  bool      `json:"mfa"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(req.IP))
	if err != nil {
		response.WriteError(w, r, response.Invalid("ip: %q is not an address", req.IP))
		return
	}
	if req.App != accesspolicy.Studio && req.App != accesspolicy.API {
		response.WriteError(w, r, response.Invalid("app: studio or api"))
		return
	}
	if _, err := s.cfg.Store.UserByID(r.Context(), req.User); errors.Is(err, store.ErrNotFound) {
		response.WriteError(w, r, response.Invalid("user: no such user"))
		return
	} else if err != nil {
		response.WriteError(w, r, err)
		return
	}
	list, err := s.signin.ResolvedPolicies(r.Context())
	var teams []access.ID
	if err == nil {
		teams, err = s.cfg.Store.TeamsOfUser(r.Context(), req.User)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	d := accesspolicy.Evaluate(list, accesspolicy.Request{User: req.User, Teams: teams, App: req.App, IP: ip.Unmap(), MFA: req.MFA}, true)
	if d.Matches == nil {
		d.Matches = []accesspolicy.Match{}
	}
	response.JSON(w, http.StatusOK, d)
}

// rangeName is a named range's name, compiled when first used: not every
// procmine command serves the API.
var rangeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`) })

// listNamedRanges shows the named address ranges (installation
// administrators).
func (s *Server) listNamedRanges(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	named, err := s.cfg.Store.NamedRanges(r.Context())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"named_ranges": named})
}

// putNamedRange defines or replaces a named range; policies that name it
// follow at once.
func (s *Server) putNamedRange(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	name := r.PathValue("name")
	if !rangeName().MatchString(name) {
		response.WriteError(w, r, response.Invalid("name: 1 to 64 lower-case letters, digits, - and _"))
		return
	}
	var req struct {
		Ranges []string `json:"ranges"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if len(req.Ranges) == 0 || len(req.Ranges) > 1000 {
		response.WriteError(w, r, response.Invalid("ranges: 1 to 1000 CIDR ranges"))
		return
	}
	prefixes := make([]netip.Prefix, len(req.Ranges))
	for i, t := range req.Ranges {
		p, err := accesspolicy.ParseRange(t)
		if err != nil {
			response.WriteError(w, r, response.Invalid("ranges[%d]: %v", i, err))
			return
		}
		prefixes[i] = p
		req.Ranges[i] = prefixes[i].String()
	}
	// The policies that name the range change with it: the change must not
	// refuse its author's own access either.
	if err := s.wouldLockOutWith(r, nil, map[string][]netip.Prefix{name: prefixes}); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.cfg.Store.PutNamedRange(r.Context(), name, req.Ranges); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.tell(r.Context(), store.ChangedPolicies)
	s.auditLog.Record(r, 0, "named-range.put", "named range "+name, strings.Join(req.Ranges, " "))
	response.JSON(w, http.StatusOK, map[string]any{"name": name, "ranges": req.Ranges})
}

// deleteNamedRange deletes a named range no policy names.
func (s *Server) deleteNamedRange(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	name := r.PathValue("name")
	list, err := s.cfg.Store.AccessPolicies(r.Context())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	for _, p := range list {
		if slices.Contains(p.IPRangeNames, name) {
			response.WriteError(w, r, response.Errorf(http.StatusConflict, "in_use", fmt.Sprintf("policy %q names this range: change the policy first", p.Name)))
			return
		}
	}
	if err := s.cfg.Store.DeleteNamedRange(r.Context(), name); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.tell(r.Context(), store.ChangedPolicies)
	s.auditLog.Record(r, 0, "named-range.delete", "named range "+name, "")
	w.WriteHeader(http.StatusNoContent)
}

package signin

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// Conditional access (DESIGN §2): installation-wide policies, managed by
// installation administrators, evaluated at sign-in and on every request
// of both apps. The evaluation is package accesspolicy's; this file loads
// the policies, finds the client's address and the user's teams, enforces
// the decision and audits it.

// policyCache keeps the policies in memory: every request evaluates them.
// A change through this server refreshes it at once; changes through
// another server are seen within policyTTL.
type policyCache struct {
	mu     sync.Mutex
	list   []accesspolicy.Policy
	loaded time.Time
}

const policyTTL = 5 * time.Second

func (s *Service) accessPolicies(ctx context.Context) ([]accesspolicy.Policy, error) {
	c := &s.policies
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list != nil && time.Since(c.loaded) < policyTTL {
		return c.list, nil
	}
	list, err := s.ResolvedPolicies(ctx)
	if err != nil {
		return nil, err
	}
	c.list, c.loaded = list, time.Now()
	return list, nil
}

// ResolvedPolicies loads the policies with their named ranges resolved.
func (s *Service) ResolvedPolicies(ctx context.Context) ([]accesspolicy.Policy, error) {
	list, err := s.cfg.Store.AccessPolicies(ctx)
	if err != nil {
		return nil, err
	}
	named, err := s.NamedRanges(ctx)
	if err != nil {
		return nil, err
	}
	return accesspolicy.Resolve(list, named), nil
}

func (s *Service) NamedRanges(ctx context.Context) (map[string][]netip.Prefix, error) {
	texts, err := s.cfg.Store.NamedRanges(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]netip.Prefix, len(texts))
	for name, list := range texts {
		for _, t := range list {
			p, err := accesspolicy.StoredRange(t)
			if err != nil {
				return nil, fmt.Errorf("named range %s: %w", name, err)
			}
			out[name] = append(out[name], p)
		}
	}
	return out, nil
}

func (s *Service) ForgetPolicies() {
	s.policies.mu.Lock()
	s.policies.list = nil
	s.policies.mu.Unlock()
}

// ConditionalAccess evaluates the policies for the user on this request
// to app, audits what applied, and returns the error to answer with when
// the request may not go on.
func (s *Service) ConditionalAccess(r *http.Request, u store.User, app string, mfa bool) error {
	policies, err := s.accessPolicies(r.Context())
	if err != nil || len(policies) == 0 {
		return err
	}
	req := accesspolicy.Request{User: u.ID, App: app, IP: s.cfg.TrustedProxies.ClientAddr(r), MFA: mfa}
	if usesTeams(policies) {
		if req.Teams, err = s.cfg.Store.TeamsOfUser(r.Context(), u.ID); err != nil {
			return err
		}
	}
	d := accesspolicy.Evaluate(policies, req, false)
	for _, m := range d.Matches {
		action := "access-policy.report-only"
		if m.Enforced && (m.Grant == accesspolicy.Block || d.NeedMFA) {
			action = "access-policy.enforced"
		} else if m.Enforced {
			continue // satisfied: nothing to record
		}
		// Recorded once a minute per policy, user, app, address and
		// outcome: a client retrying in a loop does not fill the log.
		if s.audit.Throttle(fmt.Sprintf("%d|%d|%s|%s|%s", m.Policy, u.ID, app, req.IP, action)) {
			s.audit.RecordAs(r, 0, u, action, fmt.Sprintf("policy %d", m.Policy), fmt.Sprintf("%s: %s; %s", m.Name, m.Grant, m.Why))
		}
	}
	switch {
	case d.NeedMFA:
		return response.Errorf(http.StatusForbidden, "mfa_required", "a conditional access policy requires multi-factor authentication for this sign-in, and this session has not satisfied it")
	case !d.Allowed:
		return response.Errorf(http.StatusForbidden, "blocked_by_policy", "a conditional access policy blocks this access (user, app or address)")
	}
	return nil
}

func usesTeams(policies []accesspolicy.Policy) bool {
	for _, p := range policies {
		if len(p.Include.Teams)+len(p.Exclude.Teams) > 0 {
			return true
		}
	}
	return false
}

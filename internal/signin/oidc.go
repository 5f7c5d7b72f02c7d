package signin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
	"golang.org/x/oauth2"
)

// OIDCConfig is the installation's OpenID Connect single sign-on.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /signin/oidc/callback as the provider
	// reaches it back through the browser.
	RedirectURL string
	// Scopes default to openid, profile and email.
	Scopes []string
	// UsernameClaim names the claim a new account's username comes from
	// (preferred_username when empty).
	UsernameClaim string
	// MFAMethods are the amr values that mean the provider checked a
	// second factor (mfa, otp, hwk, swk when empty).
	MFAMethods []string
	// MFAACR are acr values that mean the same (none when empty).
	MFAACR []string
	// GroupsClaim names the claim that lists the person's groups (groups
	// when empty); teams that follow a group are kept in step with it.
	GroupsClaim string
}

// oidcClient is the provider, discovered on first use: a server need not
// wait for its provider to start.
type oidcClient struct {
	mu       sync.Mutex
	provider *oidc.Provider
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const oidcCookie = "procmine_oidc"

func (s *Service) oidcProvider(ctx context.Context) (*oidcClient, error) {
	c := &s.oidc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c, nil
	}
	cfg := s.cfg.OIDC
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovering %s: %w", cfg.Issuer, err)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	c.provider = p
	c.config = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: cfg.RedirectURL, Scopes: scopes}
	c.verifier = p.Verifier(&oidc.Config{ClientID: cfg.ClientID})
	return c, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OIDCStart sends the browser to the provider: authorization code flow
// with PKCE, a state and a nonce, kept in a short-lived cookie.
func (s *Service) OIDCStart(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OIDC == nil {
		s.pages.PageError(w, r, response.ErrNotFound)
		return
	}
	c, err := s.oidcProvider(r.Context())
	if err != nil {
		s.cfg.Log.Error("oidc", "err", err)
		s.pages.PageError(w, r, response.Errorf(http.StatusBadGateway, "provider_unavailable", "the single sign-on provider cannot be reached; try again, or sign in with a password"))
		return
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier, Path: "/signin/oidc", MaxAge: 600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	http.Redirect(w, r, c.config.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// OIDCCallback takes the provider's answer: the code is exchanged (with
// the PKCE verifier), the ID token verified (issuer, audience, expiry,
// signature, nonce), the person found by issuer and subject, conditional
// access applied with the provider's word on MFA (amr), and a session
// started.
func (s *Service) OIDCCallback(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OIDC == nil {
		s.pages.PageError(w, r, response.ErrNotFound)
		return
	}
	fail := func(msg string) {
		// Anyone can call this page: its failures are recorded once a
		// minute per address and reason.
		if s.audit.Throttle("sso|" + s.cfg.TrustedProxies.ClientIP(r) + "|" + msg) {
			s.audit.RecordAs(r, 0, store.User{Username: "(single sign-on)"}, "sign-in.failed", "single sign-on", msg)
		}
		s.pages.SignInFailed(w, r, msg)
	}
	ck, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(ck.Value, ".")
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/signin/oidc", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") == "" || q.Get("state") != parts[0] {
		fail("The sign-on answer does not match a sign-in started here; start again.")
		return
	}
	// The provider's own words are not shown: a link could carry any text.
	if q.Get("error") != "" {
		fail("The single sign-on provider did not sign you in.")
		return
	}
	c, err := s.oidcProvider(r.Context())
	if err != nil {
		fail("The single sign-on provider cannot be reached.")
		return
	}
	tok, err := c.config.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		s.cfg.Log.Warn("oidc exchange", "err", err)
		fail("The single sign-on provider did not accept the sign-in code.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.verifier.Verify(r.Context(), raw)
	if err != nil || idt.Nonce != parts[1] {
		s.cfg.Log.Warn("oidc id token", "err", err)
		fail("The single sign-on provider's answer did not verify.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		fail("The single sign-on provider's answer could not be read.")
		return
	}
	// Profile claims may come only from the userinfo endpoint.
	if info, err := c.provider.UserInfo(r.Context(), oauth2.StaticTokenSource(tok)); err == nil {
		var more map[string]any
		if info.Claims(&more) == nil {
			for k, v := range more {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	// A refusal the person may read goes on the sign-in page; anything
	// else is an internal error.
	refused := func(err error) {
		var e *response.Error
		if errors.As(err, &e) {
			fail(e.Message)
			return
		}
		s.pages.PageError(w, r, err)
	}
	mfa := providerMFA(claims, s.cfg.OIDC)
	u, err := s.oidcUser(r, idt.Issuer, idt.Subject, claims, mfa)
	if err != nil {
		refused(err)
		return
	}
	if err := s.ConditionalAccess(r, u, accesspolicy.Studio, mfa); err != nil {
		refused(err)
		return
	}
	if err := s.syncGroups(r, u, claims); err != nil {
		s.pages.PageError(w, r, err)
		return
	}
	token, err := auth.NewToken("ps_")
	if err == nil {
		now := s.cfg.Now()
		err = s.cfg.Store.CreateSession(r.Context(), auth.Digest(token), u.ID, now, now.Add(s.cfg.SessionTTL), mfa)
	}
	if err != nil {
		s.pages.PageError(w, r, err)
		return
	}
	s.audit.RecordAs(r, 0, u, "sign-in", store.AuditTarget("user", u.ID), fmt.Sprintf("single sign-on; mfa=%v", mfa))
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// oidcUser finds the user linked to the provider's subject, or makes one
// named by the username claim. A local account of that name is not taken
// over: the provider could name anyone.
func (s *Service) oidcUser(r *http.Request, issuer, subject string, claims map[string]any, mfa bool) (store.User, error) {
	ctx := r.Context()
	id, err := s.cfg.Store.OIDCUser(ctx, issuer, subject)
	if err == nil {
		return s.cfg.Store.UserByID(ctx, id)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	claim := s.cfg.OIDC.UsernameClaim
	if claim == "" {
		claim = "preferred_username"
	}
	name, _ := claims[claim].(string)
	if !ValidUsername(name) {
		return store.User{}, response.Errorf(http.StatusUnauthorized, "bad_claims", fmt.Sprintf("the provider's %s claim is not a usable username", claim))
	}
	if _, err := s.cfg.Store.UserByName(ctx, name); err == nil {
		// Said without the name: it would tell which local accounts exist.
		return store.User{}, response.Errorf(http.StatusConflict, "name_taken", "this provider account cannot sign in here: its name belongs to a local account; ask an administrator")
	}
	// A person the policies would refuse gets no account either.
	if err := s.ConditionalAccess(r, store.User{Username: name}, accesspolicy.Studio, mfa); err != nil {
		return store.User{}, err
	}
	// A password nobody knows: the account signs in through the provider.
	// Hashed in a password slot, as every password on a request is.
	id, err = createUser(ctx, s.cfg.Store, name, randomString()+randomString(), false, func(p string) (string, error) { return s.HashPassword(ctx, p) })
	if err != nil {
		return store.User{}, err
	}
	if err := s.cfg.Store.LinkOIDCUser(ctx, issuer, subject, id); err != nil {
		return store.User{}, err
	}
	return s.cfg.Store.UserByID(ctx, id)
}

// providerMFA tells whether the provider says a second factor was used:
// its amr names one, or its acr is one the installation counts.
func providerMFA(claims map[string]any, cfg *OIDCConfig) bool {
	acr, _ := claims["acr"].(string)
	return amrIsMFA(claims["amr"], cfg.MFAMethods) || (acr != "" && slices.Contains(cfg.MFAACR, acr))
}

// amrIsMFA tells whether the amr claim names a second factor.
func amrIsMFA(amr any, methods []string) bool {
	if len(methods) == 0 {
		methods = []string{"mfa", "otp", "hwk", "swk"}
	}
	list, _ := amr.([]any)
	for _, m := range list {
		if s, ok := m.(string); ok && slices.Contains(methods, s) {
			return true
		}
	}
	return false
}

// syncGroups puts the user in the teams whose provider group the groups
// claim names, and takes them out of those whose group it does not name,
// in the environments they are a member of. Teams without a group are
// left as they are.
func (s *Service) syncGroups(r *http.Request, u store.User, claims map[string]any) error {
	claim := s.cfg.OIDC.GroupsClaim
	if claim == "" {
		claim = "groups"
	}
	// No list, no change: a claim the provider did not send (scope not
	// asked, userinfo unreachable, too many groups) says nothing about
	// membership, and taking people out of teams could widen their access.
	list, ok := claims[claim].([]any)
	if !ok {
		return nil
	}
	named := map[string]bool{}
	for _, g := range list {
		if name, ok := g.(string); ok {
			named[name] = true
		}
	}
	teams, err := s.cfg.Store.GroupTeams(r.Context())
	if err != nil || len(teams) == 0 {
		return err
	}
	mine, err := s.cfg.Store.TeamsOfUser(r.Context(), u.ID)
	if err != nil {
		return err
	}
	for _, t := range teams {
		want := named[t.Group]
		if _, has := slices.BinarySearch(mine, t.Team); has == want {
			continue
		}
		err := s.cfg.Store.TeamMember(r.Context(), t.Env, t.Team, u.ID, !want)
		if errors.Is(err, store.ErrNotFound) {
			continue // not a member of that environment
		}
		if err != nil {
			return err
		}
		action := "team.member.add"
		if !want {
			action = "team.member.remove"
		}
		s.audit.RecordAs(r, t.Env, u, action, store.AuditTarget("team", t.Team), store.AuditTarget("user", u.ID)+", from provider group "+t.Group)
	}
	return nil
}

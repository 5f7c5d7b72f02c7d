// Package signin is how people get in and stay in: sign-in with a
// password (rate-limited, with a bounded number of password hashes at
// once) and a second factor (time-based one-time passwords and recovery
// codes), single sign-on through an OpenID Connect provider, sessions and
// personal access tokens on every request, re-authentication before an
// account's security changes, and the installation's conditional access
// policies, enforced at sign-in and on every request of both apps. It
// serves the REST API and the studio alike; the API mounts its routes.
package signin

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/procmine/procmine/internal/audit"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/store"
)

// Config is what a Service needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	Audit *audit.Log
	// Password is the argon2id cost.
	Password auth.Params
	// SecureCookies marks the cookies Secure (under TLS).
	SecureCookies bool
	// SessionTTL is how long a session lasts.
	SessionTTL time.Duration
	// Now is the clock.
	Now func() time.Time
	// PasswordWorkers is how many passwords are hashed or checked at
	// once.
	PasswordWorkers int
	// OIDC switches on single sign-on through an OpenID provider.
	OIDC *OIDCConfig
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed.
	TrustedProxies request.Proxies
	// Pages shows the single sign-on callback's outcome as the studio's
	// pages.
	Pages Pages
}

// Pages are the studio's pages the single sign-on callback answers with.
type Pages interface {
	PageError(w http.ResponseWriter, r *http.Request, err error)
	SignInFailed(w http.ResponseWriter, r *http.Request, msg string)
}

// Service signs people in and admits their requests.
type Service struct {
	cfg      Config
	audit    *audit.Log
	pages    Pages
	limiter  *limiter
	policies policyCache
	oidc     oidcClient
	// passwords holds a slot for each password being hashed or checked;
	// hashed counts the passwords hashed or checked.
	passwords chan struct{}
	hashed    atomic.Int64
}

// New makes a Service.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, audit: cfg.Audit, pages: cfg.Pages, limiter: newLimiter(cfg.Store, cfg.Now),
		passwords: make(chan struct{}, cfg.PasswordWorkers)}
}

// SetPages sets the pages the single sign-on callback answers with, for a
// server whose studio is made after its Service.
func (s *Service) SetPages(p Pages) { s.pages = p }

// PasswordSlots is the channel of password slots, for tests that hold
// them; Hashed counts the passwords hashed or checked.
func (s *Service) PasswordSlots() chan struct{} { return s.passwords }

// Hashed is how many passwords were hashed or checked.
func (s *Service) Hashed() int64 { return s.hashed.Load() }

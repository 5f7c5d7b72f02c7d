package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/audit"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/jobs"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/studio"
)

// Config is what a Server needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// Password is the argon2id cost; tests lower it.
	Password auth.Params
	// SecureCookies marks the session cookie Secure (under TLS).
	SecureCookies bool
	// SessionTTL is how long a session lasts; 12 hours when zero.
	SessionTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxUpload bounds an upload (1 GiB when zero); TempDir holds uploads
	// while they are read (os.TempDir() when empty).
	MaxUpload int64
	TempDir   string
	// MemoryBudget bounds the loaded logs and report answers kept in
	// memory (bytes as eventlog.Resident measures them; 1 GiB when
	// zero); a log that would take more than all of it is refused.
	MemoryBudget int64
	// ImportTimeout bounds an import (30 minutes when zero); JobWorkers
	// is how many run at once on this server (2 when zero).
	ImportTimeout time.Duration
	// ProgressEvery is how often a running import writes its progress
	// (250 ms when zero).
	ProgressEvery time.Duration
	JobWorkers    int
	// Sources is what data sources may reach and read (none of either
	// when zero); ScheduleEvery is how often the scheduler looks for due
	// ones (a minute when zero).
	Sources       datasource.Config
	ScheduleEvery time.Duration
	// ImageWorkers bounds the screenshot work (reading a recording
	// bundle's images, decoding, blacking out and encoding them) running
	// at once on this server, whatever the number of requests (2 when
	// zero): each holds up to a screenshot's decoded pixels in memory.
	ImageWorkers int
	// MiningWorkers is how many models this server mines or replays at
	// once (half the CPUs, at least one, when zero): a mined model cannot
	// be stopped once it starts, so more requests wait, briefly, or are
	// told to come back. One user holds at most half of them (at least
	// one) at once; their further requests wait for their own.
	MiningWorkers int
	// PasswordWorkers is how many passwords this server hashes or checks
	// at once (GOMAXPROCS, at least two, when zero): each takes the
	// memory of Password (64 MiB by default) and a CPU while it runs, and
	// anyone who can reach the sign-in page can ask for one, so more
	// requests wait, briefly, or are told to come back.
	PasswordWorkers int
	// OIDC switches on single sign-on through an OpenID provider.
	OIDC *signin.OIDCConfig
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed; from anywhere else it is ignored.
	TrustedProxies request.Proxies
	// MetricsToken, when set, opens GET /metrics on the server's own
	// address to requests bearing it (Authorization: Bearer …). When
	// empty, /metrics there is not found: request counts by route and
	// status and the process's figures are not for anyone who can reach
	// the sign-in page. MetricsHandler serves them on an address of their
	// own instead.
	MetricsToken string
	// Webhooks is where webhooks may deliver (nowhere when its allow
	// list is empty) and how deliveries are retried.
	Webhooks WebhookConfig
}

// Server is the HTTP server of procmine.
type Server struct {
	cfg Config
	mux *http.ServeMux
	// authz is the authorization layer's view of the store.
	authz *authz.Authorizer
	// patterns records every route, for the OpenAPI test.
	patterns []string
	metrics  *prometheus.Registry
	reqs     *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// jobs is this server's share of the job queue.
	jobs *jobs.Queue
	// background runs the notification listener and the job sweep until
	// stopBackground.
	background     sync.WaitGroup
	stopBackground context.CancelFunc
	// studio is the web app's pages.
	studio *studio.Studio
	// reports is the report code the API and the studio share.
	reports *report.Engine
	// signin signs people in and admits their requests.
	signin *signin.Service
	// auditLog writes the audit log.
	auditLog *audit.Log
	// images holds a slot for each screenshot work under way.
	images chan struct{}
}

// New builds a server and its routes.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Password == (auth.Params{}) {
		cfg.Password = auth.DefaultParams
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = defaultMaxUpload
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.ImportTimeout == 0 {
		cfg.ImportTimeout = 30 * time.Minute
	}
	if cfg.JobWorkers == 0 {
		cfg.JobWorkers = 2
	}
	if cfg.MemoryBudget == 0 {
		cfg.MemoryBudget = 1 << 30
	}
	if cfg.MiningWorkers == 0 {
		cfg.MiningWorkers = max(1, runtime.NumCPU()/2)
	}
	if cfg.ImageWorkers == 0 {
		cfg.ImageWorkers = 2
	}
	if cfg.PasswordWorkers == 0 {
		cfg.PasswordWorkers = max(2, runtime.GOMAXPROCS(0))
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), authz: authz.New(cfg.Store), metrics: prometheus.NewRegistry(),
		images: make(chan struct{}, cfg.ImageWorkers), auditLog: audit.New(cfg.Store, cfg.Log, cfg.Now, cfg.TrustedProxies)}
	s.signin = signin.New(signin.Config{Store: cfg.Store, Log: cfg.Log, Audit: s.auditLog, Password: cfg.Password, SecureCookies: cfg.SecureCookies,
		SessionTTL: cfg.SessionTTL, Now: cfg.Now, PasswordWorkers: cfg.PasswordWorkers, OIDC: cfg.OIDC, TrustedProxies: cfg.TrustedProxies})
	s.reports = report.New(report.Config{Store: cfg.Store, Authz: s.authz, MemoryBudget: cfg.MemoryBudget,
		MiningWorkers: cfg.MiningWorkers, Policy: s.policyAndKey})
	s.studio = studio.New(studio.Config{Store: cfg.Store, Authz: s.authz, Reports: s.reports, Backend: studioBackend{s}, Log: cfg.Log, OIDC: cfg.OIDC != nil})
	s.signin.SetPages(s.studio)
	s.jobs = jobs.New(jobs.Config{Store: cfg.Store, Log: cfg.Log, Now: cfg.Now, Workers: cfg.JobWorkers, ImportTimeout: cfg.ImportTimeout, TempDir: cfg.TempDir, Sources: cfg.Sources, ScheduleEvery: cfg.ScheduleEvery, ProgressEvery: cfg.ProgressEvery, MemoryBudget: cfg.MemoryBudget,
		Policy: func(ctx context.Context, env access.ID) (*privacy.Applier, error) {
			_, applier, err := s.policyOf(ctx, env)
			return applier, err
		},
		Alignments: s.computeAlignments, Webhooks: cfg.Webhooks.sender(), WebhookAttempts: cfg.Webhooks.Attempts, WebhookBackoff: cfg.Webhooks.Backoff,
		Conformance: s.webhookFitness})
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "procmine_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "procmine_http_request_seconds", Help: "HTTP request latency by route."}, []string{"route"})
	s.metrics.MustRegister(s.reqs, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.routes()
	return s
}

// inEnvironment admits members of the environment in the path
// (authz.InEnvironment), answering others with the API's errors.
func (s *Server) inEnvironment(h http.HandlerFunc) http.HandlerFunc {
	return s.authz.InEnvironment(h, response.WriteError)
}

// route registers a handler; the pattern names the route in metrics.
func (s *Server) route(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h(sw, r)
		s.reqs.WithLabelValues(pattern, strconv.Itoa(sw.status)).Inc()
		s.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	}))
}

func (s *Server) routes() {
	s.route("GET /healthz", func(w http.ResponseWriter, r *http.Request) { response.JSON(w, 200, map[string]string{"status": "ok"}) })
	s.route("GET /readyz", s.ready)
	s.route("GET /metrics", s.guardedMetrics)
	s.route("GET /api/v1/openapi.json", serveOpenAPI)

	s.route("POST /api/v1/session", s.signIn)
	s.route("DELETE /api/v1/session", s.signOut)
	s.route("GET /api/v1/me", s.signin.Authenticated(s.me))
	s.route("GET /api/v1/tokens", s.signin.Authenticated(s.listTokens))
	s.route("POST /api/v1/tokens", s.signin.Authenticated(s.createToken))
	s.route("POST /api/v1/me/totp", s.signin.Authenticated(s.signin.EnrolTOTP))
	s.route("POST /api/v1/me/totp/confirm", s.signin.Authenticated(s.signin.ConfirmTOTP))
	s.route("DELETE /api/v1/me/totp", s.signin.Authenticated(s.signin.RemoveTOTP))
	s.route("DELETE /api/v1/tokens/{id}", s.signin.Authenticated(s.revokeToken))
	s.route("GET /api/v1/users", s.signin.Authenticated(s.listUsers))
	s.route("POST /api/v1/users", s.signin.Authenticated(s.createUser))
	s.route("GET /api/v1/environments", s.signin.Authenticated(s.listEnvironments))
	s.route("POST /api/v1/environments", s.signin.Authenticated(s.createEnvironment))
	s.route("GET /api/v1/environments/{env}", s.signin.Authenticated(s.inEnvironment(s.getEnvironment)))
	s.route("PATCH /api/v1/environments/{env}", s.signin.Authenticated(s.inEnvironment(s.renameEnvironment)))
	s.route("DELETE /api/v1/environments/{env}", s.signin.Authenticated(s.inEnvironment(s.deleteEnvironment)))
	s.route("GET /api/v1/environments/{env}/business-units", s.signin.Authenticated(s.inEnvironment(s.listBusinessUnits)))
	s.route("GET /api/v1/environments/{env}/teams", s.signin.Authenticated(s.inEnvironment(s.listTeams)))
	s.route("GET /api/v1/environments/{env}/roles/{role}", s.signin.Authenticated(s.inEnvironment(s.getRole)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/shares", s.signin.Authenticated(s.inEnvironment(s.listShares)))
	s.route("GET /api/v1/environments/{env}/processes", s.signin.Authenticated(s.inEnvironment(s.listProcesses)))
	s.route("POST /api/v1/environments/{env}/processes", s.signin.Authenticated(s.inEnvironment(s.createProcess)))
	s.route("GET /api/v1/environments/{env}/processes/{id}", s.signin.Authenticated(s.inEnvironment(s.getProcess)))
	s.route("PATCH /api/v1/environments/{env}/processes/{id}", s.signin.Authenticated(s.inEnvironment(s.renameProcess)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}", s.signin.Authenticated(s.inEnvironment(s.deleteProcess)))
	s.route("PUT /api/v1/environments/{env}/processes/{id}/owner", s.signin.Authenticated(s.inEnvironment(s.setOwner)))
	s.route("PUT /api/v1/environments/{env}/processes/{id}/shares", s.signin.Authenticated(s.inEnvironment(s.putShare)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}/shares", s.signin.Authenticated(s.inEnvironment(s.deleteShare)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/access", s.signin.Authenticated(s.inEnvironment(s.explain)))
	s.route("GET /api/v1/environments/{env}/members", s.signin.Authenticated(s.inEnvironment(s.listMembers)))
	s.route("PUT /api/v1/environments/{env}/members/{user}", s.signin.Authenticated(s.inEnvironment(s.putMember)))
	s.route("DELETE /api/v1/environments/{env}/members/{user}", s.signin.Authenticated(s.inEnvironment(s.removeMember)))
	s.route("POST /api/v1/environments/{env}/business-units", s.signin.Authenticated(s.inEnvironment(s.createBusinessUnit)))
	s.route("POST /api/v1/environments/{env}/teams", s.signin.Authenticated(s.inEnvironment(s.createTeam)))
	s.route("PUT /api/v1/environments/{env}/teams/{team}/roles", s.signin.Authenticated(s.inEnvironment(s.setTeamRoles)))
	s.route("GET /api/v1/environments/{env}/teams/{team}/members", s.signin.Authenticated(s.inEnvironment(s.listTeamMembers)))
	s.route("PUT /api/v1/environments/{env}/teams/{team}/members/{user}", s.signin.Authenticated(s.inEnvironment(s.teamMember(false))))
	s.route("DELETE /api/v1/environments/{env}/teams/{team}/members/{user}", s.signin.Authenticated(s.inEnvironment(s.teamMember(true))))
	s.route("PUT /api/v1/environments/{env}/teams/{team}/idp-group", s.signin.Authenticated(s.inEnvironment(s.setTeamGroup)))
	s.route("GET /api/v1/environments/{env}/roles", s.signin.Authenticated(s.inEnvironment(s.listRoles)))
	s.route("POST /api/v1/environments/{env}/roles", s.signin.Authenticated(s.inEnvironment(s.createRole)))
	s.route("PATCH /api/v1/environments/{env}/roles/{role}", s.signin.Authenticated(s.inEnvironment(s.setRolePrivileges)))
	s.route("GET /api/v1/audit", s.signin.Authenticated(s.listInstallationAudit))
	s.route("GET /api/v1/access-policies", s.signin.Authenticated(s.listAccessPolicies))
	s.route("POST /api/v1/access-policies", s.signin.Authenticated(s.putAccessPolicy))
	s.route("POST /api/v1/access-policies/what-if", s.signin.Authenticated(s.whatIf))
	s.route("GET /api/v1/access-policies/{id}", s.signin.Authenticated(s.getAccessPolicy))
	s.route("PUT /api/v1/access-policies/{id}", s.signin.Authenticated(s.putAccessPolicy))
	s.route("DELETE /api/v1/access-policies/{id}", s.signin.Authenticated(s.deleteAccessPolicy))
	s.route("GET /api/v1/named-ranges", s.signin.Authenticated(s.listNamedRanges))
	s.route("PUT /api/v1/named-ranges/{name}", s.signin.Authenticated(s.putNamedRange))
	s.route("DELETE /api/v1/named-ranges/{name}", s.signin.Authenticated(s.deleteNamedRange))
	s.route("POST /api/v1/environments/{env}/processes/{id}/data", s.signin.Authenticated(s.inEnvironment(s.upload)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/data", s.signin.Authenticated(s.inEnvironment(s.listVersions)))
	s.route("POST /api/v1/environments/{env}/processes/{id}/data/preview", s.signin.Authenticated(s.inEnvironment(s.previewUpload)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}/data/{version}", s.signin.Authenticated(s.inEnvironment(s.deleteVersion)))
	s.route("GET /api/v1/jobs/{id}", s.signin.Authenticated(s.getJob))
	s.route("GET /api/v1/jobs/{id}/result", s.signin.Authenticated(s.getJobResult))
	s.route("DELETE /api/v1/jobs/{id}", s.signin.Authenticated(s.cancelJob))
	s.route("POST /api/v1/mcp", s.signin.Authenticated(s.serveMCP))
	s.route("GET /api/v1/environments/{env}/processes/{id}/report", s.signin.Authenticated(s.inEnvironment(s.report)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/map", s.signin.Authenticated(s.inEnvironment(s.processMap)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/object-centric", s.signin.Authenticated(s.inEnvironment(s.objectCentric)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/variants", s.signin.Authenticated(s.inEnvironment(s.variants)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/statistics", s.signin.Authenticated(s.inEnvironment(s.statistics)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/calendar", s.signin.Authenticated(s.inEnvironment(s.getCalendar)))
	s.route("PUT /api/v1/environments/{env}/processes/{id}/calendar", s.signin.Authenticated(s.inEnvironment(s.putCalendar)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}/calendar", s.signin.Authenticated(s.inEnvironment(s.deleteCalendar)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/compare", s.signin.Authenticated(s.inEnvironment(s.compareCohorts)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/root-cause", s.signin.Authenticated(s.inEnvironment(s.rootCause)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/events", s.signin.Authenticated(s.inEnvironment(s.events)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/export", s.signin.Authenticated(s.inEnvironment(s.export)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/model", s.signin.Authenticated(s.inEnvironment(s.processModel)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/conformance", s.signin.Authenticated(s.inEnvironment(s.conformanceReport)))
	s.route("POST /api/v1/environments/{env}/processes/{id}/conformance/alignments", s.signin.Authenticated(s.inEnvironment(s.startAlignments)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/reference-model", s.signin.Authenticated(s.inEnvironment(s.getReferenceModel)))
	s.route("PUT /api/v1/environments/{env}/processes/{id}/reference-model", s.signin.Authenticated(s.inEnvironment(s.putReferenceModel)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}/reference-model", s.signin.Authenticated(s.inEnvironment(s.deleteReferenceModel)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/views", s.signin.Authenticated(s.inEnvironment(s.listViews)))
	s.route("POST /api/v1/environments/{env}/processes/{id}/views", s.signin.Authenticated(s.inEnvironment(s.createView)))
	s.route("DELETE /api/v1/environments/{env}/processes/{id}/views/{view}", s.signin.Authenticated(s.inEnvironment(s.deleteView)))
	const sources = "/api/v1/environments/{env}/processes/{id}/sources"
	s.route("GET "+sources, s.signin.Authenticated(s.inEnvironment(s.listSources)))
	s.route("POST "+sources, s.signin.Authenticated(s.inEnvironment(s.createSource)))
	s.route("GET "+sources+"/{source}", s.signin.Authenticated(s.inEnvironment(s.getSource)))
	s.route("PATCH "+sources+"/{source}", s.signin.Authenticated(s.inEnvironment(s.updateSource)))
	s.route("DELETE "+sources+"/{source}", s.signin.Authenticated(s.inEnvironment(s.deleteSource)))
	s.route("POST "+sources+"/{source}/refresh", s.signin.Authenticated(s.inEnvironment(s.refreshSource)))
	s.route("GET /api/v1/environments/{env}/audit", s.signin.Authenticated(s.inEnvironment(s.listAudit)))
	s.route("GET /api/v1/environments/{env}/privacy-policy", s.signin.Authenticated(s.inEnvironment(s.getPrivacyPolicy)))
	s.route("PUT /api/v1/environments/{env}/privacy-policy", s.signin.Authenticated(s.inEnvironment(s.putPrivacyPolicy)))
	s.route("POST /api/v1/environments/{env}/privacy-policy/apply", s.signin.Authenticated(s.inEnvironment(s.applyPolicy)))
	s.route("POST /api/v1/environments/{env}/erasure", s.signin.Authenticated(s.inEnvironment(s.erase)))
	const hooks = "/api/v1/environments/{env}/webhooks"
	s.route("GET "+hooks, s.signin.Authenticated(s.inEnvironment(s.listWebhooks)))
	s.route("POST "+hooks, s.signin.Authenticated(s.inEnvironment(s.createWebhook)))
	s.route("GET "+hooks+"/{webhook}", s.signin.Authenticated(s.inEnvironment(s.getWebhook)))
	s.route("DELETE "+hooks+"/{webhook}", s.signin.Authenticated(s.inEnvironment(s.deleteWebhook)))
	s.route("GET "+hooks+"/{webhook}/deliveries", s.signin.Authenticated(s.inEnvironment(s.listDeliveries)))

	const sessions = "/api/v1/environments/{env}/recording-sessions"
	s.route("POST "+sessions, s.signin.Authenticated(s.inEnvironment(s.createSession)))
	s.route("GET "+sessions, s.signin.Authenticated(s.inEnvironment(s.listSessions)))
	s.route("GET "+sessions+"/{id}", s.signin.Authenticated(s.inEnvironment(s.getSession)))
	s.route("DELETE "+sessions+"/{id}", s.signin.Authenticated(s.inEnvironment(s.deleteSession)))
	s.route("POST "+sessions+"/{id}/steps", s.signin.Authenticated(s.inEnvironment(s.appendStep)))
	s.route("PATCH "+sessions+"/{id}/steps/{n}", s.signin.Authenticated(s.inEnvironment(s.editStep(s.draftStep))))
	s.route("DELETE "+sessions+"/{id}/steps/{n}", s.signin.Authenticated(s.inEnvironment(s.deleteStep(s.draftStep))))
	s.route("GET "+sessions+"/{id}/steps/{n}/screenshot", s.signin.Authenticated(s.inEnvironment(s.draftScreenshot)))
	s.route("POST "+sessions+"/{id}/pause", s.signin.Authenticated(s.inEnvironment(s.sessionState([]string{store.StateRecording}, store.StatePaused, "paused"))))
	s.route("POST "+sessions+"/{id}/resume", s.signin.Authenticated(s.inEnvironment(s.sessionState([]string{store.StatePaused}, store.StateRecording, "resumed"))))
	s.route("POST "+sessions+"/{id}/stop", s.signin.Authenticated(s.inEnvironment(s.sessionState([]string{store.StateRecording, store.StatePaused}, store.StateStopped, "stopped"))))
	s.route("POST "+sessions+"/{id}/publish", s.signin.Authenticated(s.inEnvironment(s.publishSession)))

	const recordings = "/api/v1/environments/{env}/processes/{id}/recordings"
	s.route("POST "+recordings, s.signin.Authenticated(s.inEnvironment(s.uploadRecording)))
	s.route("GET "+recordings, s.signin.Authenticated(s.inEnvironment(s.listRecordings)))
	s.route("GET "+recordings+"/{rid}", s.signin.Authenticated(s.inEnvironment(s.getRecording)))
	s.route("DELETE "+recordings+"/{rid}", s.signin.Authenticated(s.inEnvironment(s.deleteRecording)))
	s.route("PATCH "+recordings+"/{rid}/steps/{n}", s.signin.Authenticated(s.inEnvironment(s.editStep(s.publishedStep))))
	s.route("DELETE "+recordings+"/{rid}/steps/{n}", s.signin.Authenticated(s.inEnvironment(s.deleteStep(s.publishedStep))))
	s.route("GET "+recordings+"/{rid}/steps/{n}/screenshot", s.signin.Authenticated(s.inEnvironment(s.getScreenshot)))
	s.route("DELETE "+recordings+"/{rid}/steps/{n}/screenshot", s.signin.Authenticated(s.inEnvironment(s.deleteScreenshot)))
	s.route("GET /api/v1/environments/{env}/processes/{id}/task-mining", s.signin.Authenticated(s.inEnvironment(s.taskMining)))
	s.route("GET /signin/oidc", s.signin.OIDCStart)
	s.route("GET /signin/oidc/callback", s.signin.OIDCCallback)
	s.studio.Routes(s.route)
	s.route("/", func(w http.ResponseWriter, r *http.Request) { response.WriteError(w, r, response.ErrNotFound) })
}

// Handler is the server with its middleware: request ids and logs,
// recovery, and protection against cross-origin state-changing requests.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "cross_origin", "cross-origin requests that change state are refused"))
	}))
	return s.logged(s.secureHeaders(cop.Handler(s.mux)))
}

// contentSecurityPolicy lets pages load only this server's scripts, styles
// and images (and the data: URL of an enrolment's QR code), run no inline
// script, be framed by no one, and post forms only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secureHeaders sets the headers every answer carries: the content
// security policy, no MIME sniffing, no referrer sent elsewhere, no
// framing, and HSTS when the server runs under TLS.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const requestIDKey ctxKey = 0

var goodRequestID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`) })

// logged gives every request an id (the caller's X-Request-Id when sane),
// logs it when done, and turns a panic into a 500.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID().MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				s.cfg.Log.Error("panic", "request_id", id, "panic", v)
				response.WriteError(sw, r, response.Internal())
			}
			s.cfg.Log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// guardedMetrics serves the metrics on the main address to holders of the
// metrics token only; without a token configured the route does not exist.
func (s *Server) guardedMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsToken == "" {
		response.WriteError(w, r, response.ErrNotFound)
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Digests of equal length are compared, so the time taken tells
	// nothing of the token, not even its length.
	want, got := sha256.Sum256([]byte(s.cfg.MetricsToken)), sha256.Sum256([]byte(strings.TrimSpace(bearer)))
	if !ok || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		response.WriteError(w, r, response.ErrUnauthenticated)
		return
	}
	s.serveMetrics(w, r)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// MetricsHandler serves GET /metrics alone, with no authentication, for
// an address of its own (serve --metrics-addr) that only the monitoring
// system reaches; everything else there is not found.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { response.WriteError(w, r, response.ErrNotFound) })
	return s.secureHeaders(mux)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Store.Ping(r.Context()); err != nil {
		response.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	response.JSON(w, 200, map[string]string{"status": "ready"})
}

package studio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/accesspolicy"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// Backend is what the studio asks of the server beyond the authorization
// layer and the report code: sign-in and sessions, the audit log and the
// environment's privacy policy, which the REST API shares.
type Backend interface {
	// PageSession is the request's context with the signed-in user of
	// its session, once the conditional access policies for the studio
	// admit them; response.ErrUnauthenticated without a live session.
	PageSession(r *http.Request) (context.Context, error)
	// SignIn checks a username, password and second factor and starts a
	// session for the studio (its cookie set on w).
	SignIn(w http.ResponseWriter, r *http.Request, username, password, code string) error
	// SignOut ends the request's session and clears its cookie.
	SignOut(w http.ResponseWriter, r *http.Request) error
	// Audit records what a request did.
	Audit(r *http.Request, env access.ID, action, target, detail string)
	// PrivacyPolicy is the privacy policy of the request's environment.
	PrivacyPolicy(r *http.Request) (privacy.Policy, *privacy.Applier, error)
	// JobResult is the result of a done job of the signed-in user, read
	// as GET /api/v1/jobs/{id}/result reads it (its refusals too).
	JobResult(r *http.Request, id access.ID) (store.Job, store.JobResult, error)
}

// Config is what a Studio needs.
type Config struct {
	Store   *store.Store
	Authz   *authz.Authorizer
	Reports *report.Engine
	Backend Backend
	Log     *slog.Logger
	// OIDC tells that single sign-on is on: the sign-in page offers it.
	OIDC bool
}

// Studio is the web app's pages.
type Studio struct {
	store   *store.Store
	authz   *authz.Authorizer
	reports *report.Engine
	b       Backend
	log     *slog.Logger
	oidc    bool
}

// New makes the studio.
func New(cfg Config) *Studio {
	pages() // a template that does not parse stops the server at its start
	return &Studio{store: cfg.Store, authz: cfg.Authz, reports: cfg.Reports, b: cfg.Backend, log: cfg.Log, oidc: cfg.OIDC}
}

//go:embed web
var web embed.FS

// funcs are the templates' own functions.
var funcs = template.FuncMap{"count": plural, "seconds": func(v *float64) string { return processmap.Duration(*v) }, "inc": func(i int) int { return i + 1 }, "has": slices.Contains[[]access.ID],
	"hasString": slices.Contains[[]string], "list": func(s ...string) []string { return s },
	"pct": percent, "pvalue": pValue, "thousands": thousands, "join": func(s []string) string { return strings.Join(s, " → ") },
	"pp":     func(a, b float64) string { return fmt.Sprintf("%+.1f pp", 100*(b-a)) },
	"fixed4": func(v *float64) string { return fmt.Sprintf("%.4f", *v) }}

// plural writes n with its noun, singular or plural: "1 case", "2,400
// cases".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// pages are the studio's templates, parsed on first use: not when a
// command that serves no page starts (issue 16's start-up).
var pages = sync.OnceValue(func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"signin", "environments", "processes", "process", "admin", "error", "recordings", "recording", "taskmining", "privacy", "policies", "account", "model", "conformance", "cases", "sources", "objectcentric", "compare", "rootcause"} {
		files := []string{"web/templates/layout.html", "web/templates/" + name + ".html"}
		if name == "model" || name == "conformance" {
			files = append(files, "web/templates/miner.html") // the miner's form both show
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(web, files...))
	}
	return out
})

// Routes registers the studio's pages with route.
func (s *Studio) Routes(route func(pattern string, h http.HandlerFunc)) {
	static, _ := fs.Sub(web, "web/static")
	route("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)
	route("GET /signin", s.signInPage)
	route("POST /signin", s.signInForm)
	route("POST /signout", s.signOutForm)
	route("GET /{$}", s.page(s.environmentsPage))
	route("GET /e/{env}", s.page(s.pageEnv(s.processesPage)))
	route("POST /e/{env}/processes", s.page(s.pageEnv(s.createProcessForm)))
	route("GET /e/{env}/p/{id}", s.page(s.pageEnv(s.processPage)))
	route("GET /e/{env}/admin", s.page(s.pageEnv(s.adminPage)))
	route("GET /e/{env}/privacy", s.page(s.pageEnv(s.privacyPage)))
	route("GET /access-policies", s.page(s.policiesPage))
	route("GET /account", s.page(s.accountPage))
	route("GET /e/{env}/p/{id}/recordings", s.page(s.pageEnv(s.recordingsPage)))
	route("GET /e/{env}/p/{id}/recordings/{rid}", s.page(s.pageEnv(s.recordingPage)))
	route("GET /e/{env}/p/{id}/task-mining", s.page(s.pageEnv(s.taskMiningPage)))
	route("GET /e/{env}/p/{id}/model", s.page(s.pageEnv(s.modelPage)))
	route("GET /e/{env}/p/{id}/conformance", s.page(s.pageEnv(s.conformancePage)))
	route("GET /e/{env}/p/{id}/cases", s.page(s.pageEnv(s.casesPage)))
	route("GET /e/{env}/p/{id}/sources", s.page(s.pageEnv(s.sourcesPage)))
	route("GET /e/{env}/p/{id}/object-centric", s.page(s.pageEnv(s.objectCentricPage)))
	route("GET /e/{env}/p/{id}/compare", s.page(s.pageEnv(s.comparePage)))
	route("GET /e/{env}/p/{id}/root-causes", s.page(s.pageEnv(s.rootCausePage)))
}

// render writes a page; the layout shows who is signed in.
func (s *Studio) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	if u, ok := request.User(r.Context()); ok {
		data["User"], data["InstallationAdmin"] = u.Username, u.InstallationAdmin
	}
	var buf bytes.Buffer
	if err := pages()[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// PageError shows an error as a page, with the status the API would give.
func (s *Studio) PageError(w http.ResponseWriter, r *http.Request, err error) {
	if response.ClientGone(w, r, err) {
		return
	}
	e := response.As(err)
	if e == nil {
		s.log.Error("page", "err", err, "path", r.URL.Path)
		e = response.Internal()
	}
	s.render(w, r, e.Status, "error", map[string]any{"Title": http.StatusText(e.Status), "Error": e.Message})
}

// page admits requests with a live session; others go to sign in.
func (s *Studio) page(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, err := s.b.PageSession(r)
		if errors.Is(err, response.ErrUnauthenticated) {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		h(w, r.WithContext(ctx))
	}
}

// pageEnv is inEnvironment for pages: errors are pages too.
func (s *Studio) pageEnv(h http.HandlerFunc) http.HandlerFunc {
	return s.authz.InEnvironment(h, s.PageError)
}

// SignInFailed shows the sign-in page with why signing in failed, for the
// server's single sign-on callback.
func (s *Studio) SignInFailed(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusUnauthorized, "signin", map[string]any{"Title": "Sign in", "Error": msg, "OIDC": s.oidc})
}

func (s *Studio) signInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", map[string]any{"Title": "Sign in", "OIDC": s.oidc})
}

func (s *Studio) signInForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "signin", map[string]any{"Title": "Sign in", "Error": "The form could not be read."})
		return
	}
	username := r.PostForm.Get("username")
	if err := s.b.SignIn(w, r, username, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("code"))); err != nil {
		var e *response.Error
		status, msg, code := http.StatusInternalServerError, "Internal error.", ""
		if errors.As(err, &e) {
			status, msg, code = e.Status, e.Message, e.Code
		}
		s.render(w, r, status, "signin", map[string]any{"Title": "Sign in", "Error": msg, "Username": username, "NeedCode": code == "code_needed" || code == "bad_code", "OIDC": s.oidc})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Studio) signOutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.b.SignOut(w, r); err != nil {
		s.PageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Studio) environmentsPage(w http.ResponseWriter, r *http.Request) {
	u := request.Caller(r)
	envs, err := s.store.EnvironmentsOf(r.Context(), u.ID, false)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	if len(envs) == 1 {
		http.Redirect(w, r, fmt.Sprintf("/e/%d", envs[0].ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "environments", map[string]any{"Title": "Environments", "Environments": envs})
}

func (s *Studio) processesPage(w http.ResponseWriter, r *http.Request) {
	sub := request.Subject(r)
	list, err := s.store.ListProcesses(r.Context(), request.Environment(r), sub, sub.Units.Below(sub.Unit))
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "processes", map[string]any{
		"Title": "Processes", "Env": request.Environment(r), "Processes": list, "CanCreate": authz.Create(r, access.Process) == nil,
		"CanAdmin":   authz.Security(r, access.UserTable, access.Read) == nil && authz.Security(r, access.RoleTable, access.Read) == nil,
		"CanPrivacy": authz.EnvironmentAdmin(r) == nil,
	})
}

func (s *Studio) createProcessForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := authz.Create(r, access.Process); err != nil {
		s.PageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.PageError(w, r, response.Errorf(http.StatusBadRequest, "bad_form", "the form could not be read"))
		return
	}
	name := r.PostForm.Get("name")
	if err := request.CheckName(name, 200); err != nil {
		s.PageError(w, r, err)
		return
	}
	sub := request.Subject(r)
	id, err := s.store.CreateProcess(r.Context(), store.Process{Env: request.Environment(r), Name: name, Owner: access.Principal{User: sub.User}, Unit: sub.Unit})
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	s.b.Audit(r, request.Environment(r), "process.create", store.AuditTarget("process", id), name)
	http.Redirect(w, r, fmt.Sprintf("/e/%d/p/%d", request.Environment(r), id), http.StatusSeeOther)
}

// reportProcess is the process {id} whose reports the caller may read
// (see authz.ReportProcess), loaded for a page.
func (s *Studio) reportProcess(r *http.Request) (store.Process, *access.Record, error) {
	id, rec, err := s.authz.ReportProcess(r)
	if err != nil {
		return store.Process{}, nil, err
	}
	p, err := s.store.ProcessByID(r.Context(), request.Environment(r), id)
	return p, rec, err
}

// mappingRoles are the upload's column pickers: the form field each
// sets, and its label.
var mappingRoles = []struct{ Field, Label string }{
	{"case", "Case id"}, {"activity", "Activity"}, {"start", "Start (timestamp)"}, {"end", "End"},
	{"resource", "Resource"}, {"lifecycle", "Lifecycle"},
}

func (s *Studio) processPage(w http.ResponseWriter, r *http.Request) {
	p, rec, err := s.reportProcess(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	id := p.ID
	// The API's rules for a report's query (report.Filters); a page shows
	// a refused filter instead of failing. The page shows the activity
	// instances: a query for the raw events is one the page cannot show.
	q, filters, rawEvents, err := report.Filters(r.URL.RawQuery, authz.MayReadData(r, rec))
	// Durations in working time need the calendar's clock, made below for
	// the version: a duration range is read again then.
	working := q != nil && q.Get("duration-time") == "working"
	if err != nil && working {
		err, filters = nil, nil
	}
	if err == nil && rawEvents {
		err = response.Invalid("the page shows activity instances: raw-events is for the API's reports")
	}
	if q == nil {
		q = url.Values{}
	}
	filterError := ""
	if err != nil {
		filterError, filters = err.Error(), nil
	}
	// A map the query asks wrongly for is the default one: a page does
	// not fail for a slider.
	o, err := report.MapOptions(q)
	if err != nil {
		o = processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}
	}
	data := map[string]any{
		"Title": p.Name, "Env": request.Environment(r), "ID": id, "Name": p.Name,
		"CanUpload":         authz.Records(r, rec, access.EventLog, access.Create) == nil,
		"CanShare":          authz.MayShare(r, rec),
		"CanReadData":       authz.MayReadData(r, rec),
		"CanReadSources":    authz.Records(r, rec, access.DataSource, access.Read) == nil,
		"CanListRecordings": authz.RecordingList(r, rec) == nil,
		"CanChange":         authz.MayChange(r, rec),
		"View":              string(o.View), "Activities": o.Activities, "Paths": o.Paths,
		"ActivitiesPct": int(o.Activities*100 + 0.5), "PathsPct": int(o.Paths*100 + 0.5),
		"Filter": map[string]string{"From": q.Get("from"), "To": q.Get("to"), "Start": q.Get("start-activity"),
			"End": q.Get("end-activity"), "Min": q.Get("min-duration"), "Max": q.Get("max-duration"),
			"Mode": orDefault(q.Get("time-mode"), "intersecting"), "Top": q.Get("top-variants")},
		"Chips": filterChips(q), "FilterKept": keptFilters(q), "CasesHref": withQuery(fmt.Sprintf("/e/%d/p/%d/cases", request.Environment(r), id), onlyFilters(q)),
		"FilterError": filterError,
	}
	// The saved views the caller is offered, by the API's rule.
	offered, err := s.reports.OfferedViews(r, id, rec)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	var views []savedView
	for _, v := range offered {
		views = append(views, savedView{Name: v.Name, Shared: v.Shared, Mine: v.Owner == request.Subject(r).User,
			Href:      fmt.Sprintf("/e/%d/p/%d?%s", request.Environment(r), id, v.Query.Encode()),
			Delete:    fmt.Sprintf("/api/v1/environments/%d/processes/%d/views/%d", request.Environment(r), id, v.ID),
			MayDelete: authz.ViewDelete(r, rec, v.Owner) == nil})
	}
	data["Views"] = views
	if pc, err := s.store.GetCalendar(r.Context(), id); err == nil {
		data["Calendar"] = calendarSummary(pc)
		if authz.MayChange(r, rec) {
			data["CalendarForm"] = calendarForm(&pc)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		s.PageError(w, r, err)
		return
	} else if authz.MayChange(r, rec) {
		data["CalendarForm"] = calendarForm(nil)
	}
	data["CanSaveView"] = authz.ViewCreate(r, rec) == nil
	if data["CanUpload"] == true {
		// The column mapping of the last upload that had one, offered
		// again: only to those who may upload.
		m, err := s.store.UploadMapping(r.Context(), id)
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		data["Mapping"] = m
		data["MappingRoles"] = mappingRoles
	}
	if data["CanShare"] == true {
		// Whom to share with is picked by name from the lists the API
		// would give the caller (members, teams), or else typed by number.
		data["ListMembers"] = authz.Security(r, access.UserTable, access.Read) == nil
		data["ListTeams"] = authz.Security(r, access.TeamTable, access.Read) == nil
		ms, err := s.store.Members(r.Context(), request.Environment(r))
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		data["Members"] = ms
		names := map[access.ID]string{}
		for _, m := range ms {
			names[m.User] = m.Username
		}
		teams, err := s.store.Teams(r.Context(), request.Environment(r))
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		data["Teams"] = teams
		teamNames := map[access.ID]string{}
		for _, t := range teams {
			teamNames[t.ID] = t.Name
		}
		var access_ []string
		if p.Owner.User != 0 {
			access_ = append(access_, names[p.Owner.User]+": owner")
		} else {
			access_ = append(access_, "team "+teamNames[p.Owner.Team]+": owner (its members)")
		}
		for _, sh := range rec.Shares {
			who := names[sh.To.User]
			if sh.To.Team != 0 {
				who = "team " + teamNames[sh.To.Team]
			}
			access_ = append(access_, who+": "+sh.Access.String()+" (shared)")
		}
		data["Access"] = access_
	}
	if version, err := s.store.LatestVersion(r.Context(), id); err == nil {
		entry, err := s.reports.Entry(r.Context(), id, version)
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		if graph, err := s.store.VersionGraph(r.Context(), id, version); err == nil && graph != "" {
			data["ObjectCentric"] = true
		}
		stamp := ""
		if working {
			o.Clock, stamp, err = s.reports.WorkingClock(r, id, entry, false)
			if err == nil {
				_, filters, rawEvents, err = report.FiltersIn(r.URL.RawQuery, authz.MayReadData(r, rec), o.Clock)
			}
			if err == nil && rawEvents {
				err = response.Invalid("the page shows activity instances: raw-events is for the API's reports")
			}
			if e := response.As(err); e != nil && e.Status < http.StatusInternalServerError {
				data["FilterError"], filters, o.Clock = e.Message, nil, nil
			} else if err != nil {
				s.PageError(w, r, err)
				return
			}
		}
		data["Working"] = o.Clock != nil
		// A reader without raw-data rights sees the page through
		// disclosure control, like the API's reports.
		var rd *report.Reader
		if !authz.MayReadData(r, rec) {
			rd, filters, err = s.reports.ReaderFor(r, entry, false, filters)
			if e := response.As(err); e != nil && e.Status == http.StatusUnprocessableEntity {
				// Filters naming what the reader is not shown: refused
				// as any filter the page cannot apply, the page drawn
				// without them.
				data["FilterError"] = e.Message
				rd, filters, err = s.reports.ReaderFor(r, entry, false, nil)
			}
			if err != nil {
				s.PageError(w, r, err)
				return
			}
		}
		// What the page computes is kept with the version, per query and
		// kind of caller, as the API's answers are: a page opened again
		// is not computed again (BenchmarkBPIC2012ProcessPage).
		sum := sha256.Sum256([]byte(q.Encode()))
		key := "studio-process?" + hex.EncodeToString(sum[:]) + "&reader=" + rd.CacheKey() + "&calendar=" + stamp
		parts, err := s.reports.KeptParts(entry, key, func() (map[string]any, error) {
			return s.processParts(r, entry, filters, o, rd)
		})
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		maps.Copy(data, parts)
		if rd == nil {
			// The case attributes' values, for the attribute filter's
			// picker: raw data, for those who may read it; one list per
			// version, whatever the filters.
			opts, err := s.reports.KeptParts(entry, "studio-attr-options", func() (map[string]any, error) {
				l := entry.View(false)
				return map[string]any{"AttrOptions": caseAttrOptions(l), "EventAttrOptions": eventAttrOptions(l)}, nil
			})
			if err != nil {
				s.PageError(w, r, err)
				return
			}
			maps.Copy(data, opts)
		}
		if vs, ok := data["Variants"].([]*mining.Variant); ok {
			// A reader's links name only variants the reader may filter by
			// (report.Vocabulary): one shown under these filters but not
			// in the whole process gets none.
			may := func([]string) bool { return true }
			if rd != nil {
				voc, err := s.reports.Vocabulary(r, entry, false)
				if err != nil {
					s.PageError(w, r, err)
					return
				}
				may = voc.Variant
			}
			data["Variants"] = variantRows(q, vs, may)
		}
	}
	s.render(w, r, http.StatusOK, "process", data)
}

// savedView is a saved view as the process page lists it.
type savedView struct {
	Name, Href, Delete      string
	Shared, Mine, MayDelete bool
}

// readableMap sets o's shares to those of a readable first view
// (processmap.ReadableOptions) and says what they keep, or "" when they
// keep the whole map. A reader (g not nil) is told what kind of map is
// shown, not how much there is of the whole.
func readableMap(l *eventlog.Log, o *processmap.Options, g *disclosure.Guard) (string, error) {
	if g != nil {
		return readerReadableMap(l, o, g)
	}
	rd, err := processmap.ReadableOptions(l, o.View, 0)
	if err != nil {
		return "", err
	}
	o.Activities, o.Paths = rd.Options.Activities, rd.Options.Paths
	var parts []string
	if rd.Nodes < rd.AllNodes {
		parts = append(parts, fmt.Sprintf("the %d most frequent of %d activities", rd.Nodes, rd.AllNodes))
	}
	if rd.Arrows < rd.AllArrows {
		parts = append(parts, fmt.Sprintf("%d of their %d paths, the most frequent", rd.Arrows, rd.AllArrows))
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "Showing " + strings.Join(parts, " and ") + ", so that the map reads at first sight: move the sliders for more.", nil
}

// readerReadableMap is readableMap for a reader: the shares come from
// noisy counts of the activities and arrows of at least k cases, each
// under a question of its own. Shares chosen on the exact counts, a
// hundredth at a time, would tell whether a group just reached k, which
// the guard's noisy decisions hide (review 4, finding 1). The page says
// what kind of map it shows, not how much there is of the whole.
func readerReadableMap(l *eventlog.Log, o *processmap.Options, g *disclosure.Guard) (string, error) {
	whole, err := processmap.NewGraphOf(l, 1, g.K()).Map(processmap.Options{View: o.View, Activities: 1, Paths: 1})
	if err != nil {
		return "", err
	}
	nodes := max(1, g.Amount("readable-activities", len(whole.Nodes)))
	arrows := max(1, g.Amount("readable-arrows", whole.Arrows()))
	o.Activities, o.Paths = 1, 1
	if nodes > processmap.ReadableNodes {
		// The noise is a few activities either way: the share aims below
		// ReadableNodes by as much, so that the map keeps at most that
		// many nearly always.
		o.Activities = math.Floor(100*processmap.ReadableNodes/float64(nodes+4)) / 100
		nodes = processmap.ReadableNodes
		arrows = int(float64(arrows) * o.Activities) // about the arrows among those kept
	}
	if limit := max(processmap.ReadableArrows, processmap.ReadableArrowsPerNode*nodes); arrows > limit {
		o.Paths = math.Floor(100*float64(limit)/float64(arrows)) / 100
	}
	if o.Activities == 1 && o.Paths == 1 {
		return "", nil
	}
	return "Showing the most frequent activities and paths, so that the map reads at first sight: move the sliders for more.", o.Validate()
}

type gridCell struct {
	Op    string // the operation's name, as the API takes it
	Depth string // the depth's name, as the API takes it
	Label string // the depth as the page shows it
}

type gridRow struct {
	Table string
	Cells []gridCell
}

type roleView struct {
	Name   string
	Locked bool
	// Editable: the caller may change this role's grid (the API's
	// checks for PATCH …/roles/{role} but the grant check, which depends
	// on the grid sent).
	Editable bool
	Rows     []gridRow
}

// roleChoice is a role as a checkbox: offered when the caller may give it.
type roleChoice struct {
	Name    string
	Checked bool
}

type memberView struct {
	store.Member
	Roles               []roleChoice // the roles the caller may give, checked if held
	Editable, Removable bool
}

type teamView struct {
	store.Named
	Held     []string       // the team's roles
	Members  []store.Named  // the team's members
	Editable bool           // the caller may change its roles and members (authz.TeamChange)
	Roles    []roleChoice   // when Editable: the roles the caller may give, checked if held
	Others   []store.Member // when Editable: the environment's members not in the team, to add
}

// depthLabels are the grid's words for the depths.
var depthLabels = map[access.Depth]string{access.None: "–", access.User: "user", access.BusinessUnit: "unit", access.ParentChild: "unit+", access.Organization: "all"}

// adminPage shows members and their roles, the role privilege grids, teams,
// business units and (to System Administrators) the audit log with
// filters: for those who may read the security records. The forms to
// change them appear for those the API would let change them, and change
// them through the API (app.js).
func (s *Studio) adminPage(w http.ResponseWriter, r *http.Request) {
	err := authz.Security(r, access.UserTable, access.Read)
	if err == nil {
		err = authz.Security(r, access.RoleTable, access.Read)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	ctx, env := r.Context(), request.Environment(r)
	members, err := s.store.Members(ctx, env)
	var units, teams []store.Named
	var roles []store.StoredRole
	// Business units and teams are shown to those the API lets read them,
	// and to nobody else: reading users and roles does not reach them.
	canUnits := authz.Security(r, access.BusinessUnitTable, access.Read) == nil
	canTeams := authz.Security(r, access.TeamTable, access.Read) == nil
	if err == nil && canUnits {
		units, err = s.store.BusinessUnits(ctx, env)
	}
	if err == nil && canTeams {
		teams, err = s.store.Teams(ctx, env)
	}
	if err == nil {
		roles, err = s.store.Roles(ctx, env)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	unitNames := map[access.ID]string{}
	for _, u := range units {
		unitNames[u.ID] = u.Name
	}
	can := func(t access.Table, op access.Op) bool { return authz.Security(r, t, op) == nil }
	canEditRoles := can(access.RoleTable, access.Write)
	var ops []string
	for _, op := range access.Ops() {
		ops = append(ops, op.String())
	}
	var views []roleView
	var grantable []string // the roles the caller may give, in the page's order
	for _, st := range roles {
		role, err := s.authz.Role(r, st.Name)
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		if authz.RoleGrant(r, role) == nil {
			grantable = append(grantable, role.Name)
		}
		v := roleView{Name: role.Name, Locked: role.Locked || role.Bypass}
		v.Editable = canEditRoles && !v.Locked
		for _, t := range access.Tables() {
			row := gridRow{Table: t.String()}
			for _, op := range access.Ops() {
				d := role.Privileges[t][op]
				if role.Bypass {
					d = access.Organization
				}
				row.Cells = append(row.Cells, gridCell{Op: op.String(), Depth: d.String(), Label: depthLabels[d]})
			}
			v.Rows = append(v.Rows, row)
		}
		views = append(views, v)
	}
	choices := func(held []string) []roleChoice {
		out := make([]roleChoice, len(grantable))
		for i, name := range grantable {
			out[i] = roleChoice{Name: name, Checked: slices.Contains(held, name)}
		}
		return out
	}
	// A member is placed in a business unit: changing one takes reading
	// them.
	canEditMembers, canRemoveMembers := canUnits && can(access.UserTable, access.Write), can(access.UserTable, access.Delete)
	memberViews := make([]memberView, len(members))
	for i, m := range members {
		v := memberView{Member: m, Roles: choices(m.Roles)}
		if canEditMembers || canRemoveMembers {
			mayChange := s.authz.MemberChange(r, m.User) == nil
			v.Editable, v.Removable = canEditMembers && mayChange, canRemoveMembers && mayChange
		}
		memberViews[i] = v
	}
	data := map[string]any{"Title": "Administration", "Env": env, "Members": memberViews, "UnitNames": unitNames,
		"Units": units, "Roles": views, "Ops": ops, "CanAudit": authz.EnvironmentAdmin(r) == nil,
		"Depths":         []gridCell{{Depth: "none", Label: "–"}, {Depth: "user", Label: "user"}, {Depth: "businessunit", Label: "unit"}, {Depth: "parentchild", Label: "unit+"}, {Depth: "organization", Label: "all"}},
		"NewRoles":       choices(nil),
		"CanEditMembers": canEditMembers, "CanCreateRole": can(access.RoleTable, access.Create),
		"CanCreateTeam": canTeams && canUnits && can(access.TeamTable, access.Create), "CanCreateUnit": canUnits && can(access.BusinessUnitTable, access.Create),
		"CanReadUnits": canUnits, "CanReadTeams": canTeams,
	}
	// New members: an installation administrator picks among the users
	// (the API lists them to nobody else); others give the user's number.
	if canEditMembers && request.Caller(r).InstallationAdmin {
		users, err := s.store.Users(ctx)
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		in := map[access.ID]bool{}
		for _, m := range members {
			in[m.User] = true
		}
		var others []store.User
		for _, u := range users {
			if !in[u.ID] {
				others = append(others, u)
			}
		}
		data["Users"] = others
	}
	// Teams with their roles and members, for those who may read teams.
	var teamViews []teamView
	canEditTeams := can(access.TeamTable, access.Write)
	for _, t := range teams {
		v := teamView{Named: t}
		if can(access.TeamTable, access.Read) {
			held, err := s.store.TeamRoles(ctx, env, t.ID)
			if err == nil {
				v.Members, err = s.store.TeamMembers(ctx, env, t.ID)
			}
			if err != nil {
				s.PageError(w, r, err)
				return
			}
			names := make([]string, len(held))
			for i, h := range held {
				names[i] = h.Name
			}
			v.Held = names
			v.Editable = canEditTeams && s.authz.TeamChange(r, t.ID, 0) == nil
		}
		if v.Editable {
			v.Roles = choices(v.Held)
			in := map[access.ID]bool{}
			for _, m := range v.Members {
				in[m.ID] = true
			}
			for _, m := range members {
				if !in[m.User] {
					v.Others = append(v.Others, m)
				}
			}
		}
		teamViews = append(teamViews, v)
	}
	data["Teams"] = teamViews
	if data["CanAudit"] == true {
		q := r.URL.Query()
		entries, err := s.store.AuditLog(ctx, env, store.AuditFilter{Action: q.Get("action"), Actor: q.Get("actor"), Limit: 200})
		if err != nil {
			s.PageError(w, r, err)
			return
		}
		data["Audit"], data["Action"], data["Actor"] = entries, q.Get("action"), q.Get("actor")
	}
	s.render(w, r, http.StatusOK, "admin", data)
}

// policiesPage lists the conditional access policies with their warnings,
// for installation administrators, and makes new ones through the API.
func (s *Studio) policiesPage(w http.ResponseWriter, r *http.Request) {
	if err := authz.InstallationAdmin(r); err != nil {
		s.PageError(w, r, err)
		return
	}
	list, err := s.store.AccessPolicies(r.Context())
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	// The editor picks users and teams by name: the installation's users
	// (an installation administrator lists them through the API), and the
	// teams the caller could list through the API (authz.ListableTeams),
	// under their environment's name. A policy's other teams are kept by
	// number: the editor sends them back as they were.
	users, err := s.store.Users(r.Context())
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	type pick struct {
		ID   access.ID
		Name string
	}
	var userPicks, teamPicks []pick
	for _, u := range users {
		userPicks = append(userPicks, pick{u.ID, u.Username})
	}
	listable, err := s.authz.ListableTeams(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	named := map[access.ID]bool{}
	for _, et := range listable {
		for _, t := range et.Teams {
			teamPicks = append(teamPicks, pick{t.ID, et.Env.Name + " / " + t.Name})
			named[t.ID] = true
		}
	}
	unnamed := func(ids []access.ID) []access.ID {
		var out []access.ID
		for _, id := range ids {
			if !named[id] {
				out = append(out, id)
			}
		}
		return out
	}
	type row struct {
		accesspolicy.Policy
		Warnings []string
		// JSON is the policy as PUT /api/v1/access-policies/{id} takes
		// it, for the edit form.
		JSON string
		// OtherInclude and OtherExclude are its teams the caller may not
		// list, offered by number.
		OtherInclude, OtherExclude []access.ID
	}
	rows := make([]row, len(list))
	for i, p := range list {
		warnings, _ := p.Validate()
		rows[i] = row{Policy: p, Warnings: warnings, JSON: policyJSON(p), OtherInclude: unnamed(p.Include.Teams), OtherExclude: unnamed(p.Exclude.Teams)}
	}
	s.render(w, r, http.StatusOK, "policies", map[string]any{"Title": "Conditional access", "Policies": rows, "Me": request.Caller(r).ID,
		"Users": userPicks, "Teams": teamPicks})
}

// policyJSON writes a policy as the API takes it, every field present
// and in the order the API documents, but its id (the API refuses fields
// it does not know).
func policyJSON(p accesspolicy.Policy) string {
	body := accesspolicy.BodyOf(p)
	b, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

// accountPage shows the signed-in user's second factor and sets one up
// through the API.
func (s *Studio) accountPage(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.UserTOTP(r.Context(), request.Caller(r).ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.PageError(w, r, err)
		return
	}
	tokens, terr := s.store.Tokens(r.Context(), request.Caller(r).ID)
	if terr != nil {
		s.PageError(w, r, terr)
		return
	}
	s.render(w, r, http.StatusOK, "account", map[string]any{"Title": "Your account", "Enrolled": err == nil && t.Confirmed, "Tokens": tokens})
}

// processParts computes what the process page shows of a version: the
// KPIs, the drawn map, the top variants, the charts, and a reader's note.
// Parts with a drawing stopped at its deadline are shown, not kept.
func (s *Studio) processParts(r *http.Request, entry *report.Entry, filters []mining.Filter, o processmap.Options, rd *report.Reader) (map[string]any, error) {
	data := map[string]any{}
	l, err := mining.ApplyContext(r.Context(), entry.View(false), filters...)
	if err != nil {
		return nil, err
	}
	g, withheld, err := rd.Guard(l)
	if err != nil || l.NumCases() == 0 {
		if err != nil {
			data["FilterError"] = err.Error()
		} else {
			data["FilterError"] = "The filters leave no case."
		}
		l = entry.View(false)
		g, withheld, err = rd.Guard(l)
	}
	if err != nil {
		// The whole process is too small for a reader to see.
		data["TooFew"] = err.Error()
		return data, nil
	}
	// With no slider in the query the page chooses them, for a map that
	// reads at first sight; a reader's choice counts only what the reader
	// may be shown, and the map still goes through the guard
	// (DrawableMap).
	if q := r.URL.Query(); !q.Has("activities") && !q.Has("paths") {
		chosen, err := readableMap(l, &o, g)
		if err != nil {
			return nil, err
		}
		data["MapChosen"], data["Activities"], data["Paths"] = chosen, o.Activities, o.Paths
		data["ActivitiesPct"], data["PathsPct"] = int(o.Activities*100+0.5), int(o.Paths*100+0.5)
	}
	m, note, err := report.DrawableMap(l, o, g, withheld)
	var svg template.HTML
	var dm report.Drawing
	if err == nil {
		dm, err = report.MapSVG(r, m)
		svg, note = dm.SVG, strings.TrimSpace(note+" "+dm.Note)
	}
	if err != nil {
		return nil, err
	}
	data["MapNote"] = note
	// The activities the map shows, for the filters' pickers: a reader
	// sees no name the map does not show anyway.
	names := make([]string, len(m.Nodes))
	for i, n := range m.Nodes {
		names[i] = n.Activity
	}
	slices.Sort(names)
	data["ActivityNames"] = names
	k := report.KPIs(l, g)
	// The page's view counts an activity's start and complete as one
	// instance: the tile names what it counts.
	counted := "Events"
	if entry.View(true).NumEvents() != entry.View(false).NumEvents() {
		counted = "Activity instances"
	}
	figures := map[string]any{"Cases": k["cases"], "Events": k["events"], "Counted": counted, "Activities": k["activities"], "Variants": k["variants"],
		"Rework": fmt.Sprintf("%.0f%%", 100*k["rework_share"].(float64)), "Median": "–"}
	if d, ok := k["median_case_duration_seconds"].(float64); ok {
		figures["Median"] = processmap.Duration(d)
	}
	if _, shown := k["median_case_duration_seconds"].(float64); shown && o.Clock != nil && l.Timed && l.NumCases() > 0 {
		// In working time, as the API's report gives it: a reader's
		// rounded, and only where the elapsed median is shown (2k
		// cases: a median of few is one case's figure).
		d := mining.Summarize(mining.WorkingCaseDurations(l, o.Clock)).Median
		if g != nil {
			d = disclosure.Seconds(d)
		}
		figures["Median"] = processmap.Duration(d)
	}
	vs, _ := report.Variants(l, g, withheld)
	data["HasData"], data["Report"], data["MapNodes"] = true, figures, len(m.Nodes)
	data["MapSVG"] = svg
	data["Variants"] = vs[:min(10, len(vs))]
	if l.Timed {
		data["Histogram"] = histogramSVG(report.DurationHistogram(l, g, withheld))
		bucket, series := report.Timeline(l, 60, g, withheld)
		data["Timeline"], data["TimelineBucket"] = timelineSVG(series, bucket), bucket
	}
	if g != nil {
		data["Disclosure"] = g.Done(withheld)
	}
	return data, report.Transient(dm)
}

// filterChip is an active filter as the page lists it, with the link that
// takes it away.
type filterChip struct {
	Label  string
	Remove string // the page's query without it
}

// The filters a page's query may hold, as the chips name them; the
// repeatable ones come once per value.
var chipNames = []struct{ param, label string }{
	{"from", "from"}, {"to", "to"}, {"start-activity", "starts with"}, {"end-activity", "ends with"},
	{"min-duration", "lasting at least"}, {"max-duration", "lasting at most"}, {"top-variants", "top variants"},
	{"follows", "followed by"}, {"not-follows", "not followed by"}, {"case-attr", "case attribute"},
	{"exclude-case-attr", "without case attribute"}, {"event-attr", "with an event of"}, {"exclude-event-attr", "without an event of"},
	{"keep-events", "only the events of"}, {"drop-events", "without the events of"},
	{"variant", "variant"}, {"exclude-variant", "without variant"},
}

// filterChips lists the active filters of a query.
func filterChips(q url.Values) []filterChip {
	var out []filterChip
	for _, c := range chipNames {
		for i, v := range q[c.param] {
			if v == "" {
				continue
			}
			rest := url.Values{}
			for k, vs := range q {
				rest[k] = slices.Clone(vs)
			}
			rest[c.param] = slices.Delete(slices.Clone(q[c.param]), i, i+1)
			label := c.label + " " + v
			if c.param == "follows" || c.param == "not-follows" {
				a, b, _ := strings.Cut(v, ">")
				how := map[string]string{"follows": "is directly followed by", "not-follows": "is never directly followed by"}[c.param]
				if strings.HasPrefix(b, ">") {
					b = b[1:]
					how = map[string]string{"follows": "is followed by", "not-follows": "is never followed by"}[c.param]
				}
				label = a + " " + how + " " + b
			}
			if c.param == "variant" || c.param == "exclude-variant" {
				label = c.label + " " + variantLabel(v)
			}
			if (c.param == "from" || c.param == "to") && q.Get("time-mode") != "" {
				label += " (" + q.Get("time-mode") + ")"
			}
			out = append(out, filterChip{Label: label, Remove: "?" + rest.Encode()})
		}
	}
	return out
}

// keptFilters are the values of the repeatable filters of a query, which
// the filter form carries along as hidden fields: adding a filter keeps
// the others.
func keptFilters(q url.Values) []struct{ Name, Value string } {
	var out []struct{ Name, Value string }
	for _, name := range []string{"follows", "not-follows", "case-attr", "exclude-case-attr", "event-attr", "exclude-event-attr",
		"keep-events", "drop-events", "variant", "exclude-variant"} {
		for _, v := range q[name] {
			if v != "" {
				out = append(out, struct{ Name, Value string }{name, v})
			}
		}
	}
	return out
}

// withQuery is path with q, if any.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// onlyFilters is the filters of a query, without the page's other
// parameters.
func onlyFilters(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if slices.Contains(filterspec.Params, k) {
			out[k] = v
		}
	}
	return out
}

// variantLabel writes a variant filter's value (a JSON list of
// activities) as the page shows variants, shortened past five steps.
func variantLabel(v string) string {
	var seq []string
	if json.Unmarshal([]byte(v), &seq) != nil {
		return v
	}
	if len(seq) > 5 {
		return fmt.Sprintf("%s → %s → … → %s (%d steps)", seq[0], seq[1], seq[len(seq)-1], len(seq))
	}
	return strings.Join(seq, " → ")
}

// variantRow is a variant as the page lists it, with the addresses that
// keep only its cases or drop them, the page's other filters kept.
type variantRow struct {
	Cases      int
	Activities []string
	Keep, Drop string
}

func variantRows(q url.Values, vs []*mining.Variant, may func([]string) bool) []variantRow {
	out := make([]variantRow, 0, len(vs))
	with := func(param string, seq []string) string {
		b, _ := json.Marshal(seq)
		next := url.Values{}
		for k, v := range q {
			next[k] = slices.Clone(v)
		}
		next.Add(param, string(b))
		return "?" + next.Encode()
	}
	for _, v := range vs {
		row := variantRow{Cases: v.Cases, Activities: v.Activities}
		if may(v.Activities) {
			row.Keep, row.Drop = with("variant", v.Activities), with("exclude-variant", v.Activities)
		}
		out = append(out, row)
	}
	return out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestStudioAdministrationEdits: an environment administrator (not an
// installation administrator) adds a member, changes a member's roles,
// creates a custom role and sets its grid, creates a team with a role and
// a member, creates a business unit and removes a member, all in the
// studio; an installation administrator edits and deletes an access
// policy the API made; a user makes and revokes a personal access token.
// Each change is checked through the API and in the audit log. Those
// without the rights see no edit controls, and the API refuses them the
// same edits.
func TestStudioAdministrationEdits(t *testing.T) {
	ctx := browser(t)
	e := browserServer(t)
	root, _, makerID, prod, base := prodWithMaker(e)
	ada, adaID := e.user("ada", false)
	_, carolID := e.user("carol", false)
	basic, basicID := e.user("basic", false)
	pmu, pmuID := e.user("pmu", false)
	reviewer, reviewerID := e.user("reviewer", false)
	put := func(user access.ID, roles string) {
		root.json("PUT", fmt.Sprintf("%s/members/%d", base, user), fmt.Sprintf(`{"business_unit":%d,"roles":[%s]}`, prod.Root, roles), 200, nil)
	}
	put(adaID, `"System Administrator"`)
	put(basicID, `"Basic User"`)
	put(pmuID, `"Process Mining User"`)
	// A reviewer reads the security records and changes none.
	root.json("POST", base+"/roles", `{"name":"Reviewer","privileges":{"user":{"read":"organization"},"role":{"read":"organization"},"team":{"read":"organization"},"businessunit":{"read":"organization"}}}`, 201, nil)
	put(reviewerID, `"Reviewer"`)

	run := runner(t, ctx)
	adminURL := fmt.Sprintf("%s/e/%d/admin", e.url, prod.ID)
	// act runs steps that end in a call to the API and returns what the
	// page then says: the note after the reload, or the API's refusal.
	act := func(status string, steps ...chromedp.Action[chromedp.Void]) string {
		t.Helper()
		run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; for (const s of document.querySelectorAll('#` + status + `, .form-status')) { s.textContent = ''; s.removeAttribute('role') }`))
		run(steps...)
		js := `(document.getElementById('` + status + `') || {}).textContent || [...document.querySelectorAll('[role=alert]:not(.warning-box)')].filter(a => a.offsetParent).map(a => a.textContent).join(' ')`
		waitFor(t, ctx, js)
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		return s
	}
	audited := func(c *client, path, action string) []store.AuditEntry {
		t.Helper()
		var out struct{ Entries []store.AuditEntry }
		c.json("GET", path+"?action="+action, "", 200, &out)
		return out.Entries
	}
	members := func() map[access.ID][]string {
		t.Helper()
		var out struct{ Members []store.Member }
		root.json("GET", base+"/members", "", 200, &out)
		m := map[access.ID][]string{}
		for _, x := range out.Members {
			m[x.User] = x.Roles
		}
		return m
	}
	signOut := func() {
		run(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	}

	run(signInSteps(e.url, "ada")...)
	run(chromedp.Navigate(adminURL), chromedp.WaitVisible(chromedp.CSS("#member-add")))

	// Add carol by her number (ada may not list the installation's users).
	if got := act("admin-status", chromedp.SendKeys(chromedp.CSS("#new-member"), fmt.Sprint(carolID)),
		chromedp.Click(chromedp.CSS(`#member-add input[value="Basic User"]`)),
		chromedp.Click(chromedp.CSS("#member-add-submit"))); got != "Member added." {
		t.Fatalf("adding carol: %q", got)
	}
	if roles, ok := members()[carolID]; !ok || !slices.Equal(roles, []string{"Basic User"}) {
		t.Errorf("carol after she was added: member %v, roles %v", ok, roles)
	}

	// Give maker Process Mining User beside Environment Maker.
	row := fmt.Sprintf(`tr[data-user="%d"]`, makerID)
	if got := act("admin-status", chromedp.Click(chromedp.CSS(row+" summary")),
		chromedp.Click(chromedp.CSS(row+` input[value="Process Mining User"]`)),
		chromedp.Click(chromedp.CSS(row+" form.member-edit button"))); got != "Member saved." {
		t.Fatalf("changing maker's roles: %q", got)
	}
	if roles := members()[makerID]; !slices.Contains(roles, "Process Mining User") || !slices.Contains(roles, "Environment Maker") {
		t.Errorf("maker's roles: %v", roles)
	}
	if a := audited(ada, base+"/audit", "member.set&actor=ada"); len(a) != 2 || a[1].Target != store.AuditTarget("user", makerID) || a[1].Detail != fmt.Sprintf("business unit %d, roles Environment Maker, Process Mining User", prod.Root) {
		t.Errorf("member.set entries: %+v", a)
	}
	// The page shows the change.
	if text := pageText(t, ctx, row); !strings.Contains(text, "Process Mining User") {
		t.Errorf("maker's row: %q", text)
	}

	// A custom role, then its grid: read processes in the unit, read
	// event logs in the unit and below.
	if got := act("admin-status", chromedp.SendKeys(chromedp.CSS("#role-name"), "Analyst"),
		chromedp.Click(chromedp.CSS("#role-create-submit"))); !strings.HasPrefix(got, "Role Analyst created") {
		t.Fatalf("creating a role: %q", got)
	}
	grid := `form.role-edit[data-role="Analyst"]`
	run(chromedp.Evaluate[chromedp.Void](`document.querySelector('` + grid + `').closest('details').open = true`))
	if got := act("admin-status", chromedp.SetValue(chromedp.CSS(grid+` select[name="process.read"]`), "businessunit"),
		chromedp.SetValue(chromedp.CSS(grid+` select[name="eventlog.read"]`), "parentchild"),
		chromedp.Click(chromedp.CSS(grid+" button[type=submit]"))); got != "Role Analyst saved." {
		t.Fatalf("saving the grid: %q", got)
	}
	var analyst roleJSON
	ada.json("GET", base+"/roles/Analyst", "", 200, &analyst)
	if analyst.Privileges["process"]["read"] != "businessunit" || analyst.Privileges["eventlog"]["read"] != "parentchild" || len(analyst.Privileges) != 2 {
		t.Errorf("Analyst's grid: %v", analyst.Privileges)
	}
	if a := audited(ada, base+"/audit", "role.change"); len(a) != 1 || a[0].Target != "role Analyst" {
		t.Errorf("role.change entries: %+v", a)
	}
	// Built-in roles stay read-only: no form for them.
	if n := evalInt(t, ctx, `document.querySelectorAll('form.role-edit[data-role="System Administrator"], form.role-edit[data-role="Process Mining User"]').length`); n != 0 {
		t.Errorf("%d forms edit fixed roles", n)
	}

	// A team: create, give it Analyst, add maker.
	if got := act("admin-status", chromedp.SendKeys(chromedp.CSS("#team-name"), "Auditors"),
		chromedp.Click(chromedp.CSS("#team-create-submit"))); got != "Team Auditors created." {
		t.Fatalf("creating a team: %q", got)
	}
	var teams struct{ Teams []store.Named }
	ada.json("GET", base+"/teams", "", 200, &teams)
	if len(teams.Teams) != 1 || teams.Teams[0].Name != "Auditors" || teams.Teams[0].Kind != "access" || teams.Teams[0].Unit != prod.Root {
		t.Fatalf("teams: %+v", teams.Teams)
	}
	team := fmt.Sprintf(`li[data-team="%d"]`, teams.Teams[0].ID)
	if got := act("admin-status", chromedp.Click(chromedp.CSS(team+" summary")),
		chromedp.Click(chromedp.CSS(team+` form.team-roles input[value="Analyst"]`)),
		chromedp.Click(chromedp.CSS(team+" form.team-roles button"))); got != "Team roles saved." {
		t.Fatalf("team roles: %q", got)
	}
	if got := act("admin-status", chromedp.Click(chromedp.CSS(team+" summary")),
		chromedp.SetValue(chromedp.CSS(team+" form.team-member-add select"), fmt.Sprint(makerID)),
		chromedp.Click(chromedp.CSS(team+" form.team-member-add button"))); got != "Team member added." {
		t.Fatalf("team member: %q", got)
	}
	var tm struct{ Members []store.Named }
	ada.json("GET", fmt.Sprintf("%s/teams/%d/members", base, teams.Teams[0].ID), "", 200, &tm)
	if len(tm.Members) != 1 || tm.Members[0].ID != makerID {
		t.Errorf("the team's members: %+v", tm.Members)
	}
	if a := audited(ada, base+"/audit", "team.roles"); len(a) != 1 || a[0].Detail != "Analyst" {
		t.Errorf("team.roles entries: %+v", a)
	}
	if a := audited(ada, base+"/audit", "team.member.add"); len(a) != 1 || a[0].Detail != store.AuditTarget("user", makerID) {
		t.Errorf("team.member.add entries: %+v", a)
	}
	if text := pageText(t, ctx, team); !strings.Contains(text, "roles: Analyst") || !strings.Contains(text, "members: maker") {
		t.Errorf("the team on the page: %q", text)
	}

	// A business unit under the root unit.
	if got := act("admin-status", chromedp.SendKeys(chromedp.CSS("#unit-name"), "Finance"),
		chromedp.Click(chromedp.CSS("#unit-create-submit"))); got != "Business unit Finance created." {
		t.Fatalf("creating a unit: %q", got)
	}
	var units struct {
		Units []store.Named `json:"business_units"`
	}
	ada.json("GET", base+"/business-units", "", 200, &units)
	if i := slices.IndexFunc(units.Units, func(u store.Named) bool { return u.Name == "Finance" }); i < 0 || units.Units[i].Parent != prod.Root {
		t.Errorf("business units: %+v", units.Units)
	}
	if a := audited(ada, base+"/audit", "business-unit.create"); len(a) != 1 || a[0].Detail != "Finance" {
		t.Errorf("business-unit.create entries: %+v", a)
	}
	// A name the API refuses: its message is shown, nothing is made.
	if got := act("admin-status", chromedp.SendKeys(chromedp.CSS("#unit-name"), "finance"),
		chromedp.Click(chromedp.CSS("#unit-create-submit"))); !strings.Contains(got, "name") || strings.Contains(got, "created") {
		t.Errorf("a second Finance: %q", got)
	}

	// Remove carol.
	if got := act("admin-status", chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-user="%d"] summary`, carolID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-user="%d"] .member-remove`, carolID)))); got != "Member removed." {
		t.Fatalf("removing carol: %q", got)
	}
	if _, ok := members()[carolID]; ok {
		t.Error("carol is still a member")
	}
	if a := audited(ada, base+"/audit", "member.remove"); len(a) != 1 || a[0].Target != store.AuditTarget("user", carolID) {
		t.Errorf("member.remove entries: %+v", a)
	}
	// The page with a member's form and a custom role's grid open.
	run(chromedp.Click(chromedp.CSS(row+" summary")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+grid+`').closest('details').open = true`))
	shot(t, ctx, "studio-administration-edit")

	// Ada is no installation administrator: no conditional access.
	if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, "policies-link") {
		t.Error("an environment administrator is offered conditional access")
	}

	// Personal access tokens, on ada's account page.
	run(chromedp.Click(chromedp.CSS("#account-link")), chromedp.WaitVisible(chromedp.CSS("#token-create")))
	if got := act("token-status", chromedp.SendKeys(chromedp.CSS("#token-name"), "nightly export"),
		chromedp.Click(chromedp.CSS("#token-create-submit"))); !strings.HasPrefix(got, "Token nightly export created") {
		t.Fatalf("creating a token: %q", got)
	}
	token := pageText(t, ctx, "#token-value")
	if !strings.HasPrefix(token, "pm_") {
		t.Fatalf("the token shown: %q", token)
	}
	bearer := e.client()
	bearer.token = token
	var me meJSON
	bearer.json("GET", "/api/v1/me", "", 200, &me)
	if me.Username != "ada" {
		t.Errorf("the token is %q's", me.Username)
	}
	shot(t, ctx, "studio-account-token")
	// The API lists it, without its secret, and so does the page opened
	// again.
	listed := func() []string {
		t.Helper()
		var tl struct{ Tokens []map[string]any }
		ada.json("GET", "/api/v1/tokens", "", 200, &tl)
		var names []string
		for _, tok := range tl.Tokens {
			names = append(names, tok["name"].(string))
			if _, ok := tok["token"]; ok || len(tok) != 4 {
				t.Errorf("a listed token: %v", tok)
			}
		}
		return names
	}
	if got := listed(); len(got) != 1 || got[0] != "nightly export" {
		t.Errorf("the API lists the tokens %q", got)
	}
	run(chromedp.Navigate(e.url+"/account"), chromedp.WaitVisible(chromedp.CSS("#token-create")))
	if text := pageText(t, ctx, "#token-list tbody"); !strings.Contains(text, "nightly export") || strings.Contains(text, "pm_") {
		t.Errorf("the account page lists %q", text)
	}
	if a := audited(root, "/api/v1/audit", "token.create"); len(a) != 1 || a[0].Actor != "ada" || a[0].Detail != "nightly export" {
		t.Errorf("token.create entries: %+v", a)
	}
	// A number that is no token of hers: the API's answer is shown.
	if got := act("token-status", chromedp.SendKeys(chromedp.CSS("#token-id"), "999"),
		chromedp.Click(chromedp.CSS("#token-revoke-submit"))); strings.Contains(got, "revoked") || got == "" {
		t.Errorf("revoking token 999: %q", got)
	}
	if got := act("token-status", chromedp.Click(chromedp.CSS("#token-list button"))); !strings.HasSuffix(got, "revoked.") {
		t.Fatalf("revoking the token: %q", got)
	}
	if code, _ := bearer.do("GET", "/api/v1/me", "", nil); code != 401 {
		t.Errorf("a revoked token: %d", code)
	}
	if got := listed(); len(got) != 0 {
		t.Errorf("after the revocation the API lists %q", got)
	}
	if a := audited(root, "/api/v1/audit", "token.revoke"); len(a) != 1 || a[0].Actor != "ada" {
		t.Errorf("token.revoke entries: %+v", a)
	}
	signOut()

	// Access policies: root (an installation administrator) edits and
	// deletes one the API made.
	var policy policyAnswer
	root.json("POST", "/api/v1/access-policies", `{"name":"Office only","state":"report-only","apps":["studio","api"],"include":{"all":true},"ip_ranges":["10.0.0.0/8"],"ip_ranges_except":true,"grant":"block"}`, 201, &policy)
	run(signInSteps(e.url, "root")...)
	run(chromedp.Click(chromedp.CSS("#policies-link")), chromedp.WaitVisible(chromedp.CSS("#policies")))
	form := fmt.Sprintf(`tr[data-policy="%d"]`, policy.ID)
	textarea := form + " textarea"
	edited := func(from, to string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const a = document.querySelector('%s'); a.value = a.value.replace(%q, %q) })()`, textarea, from, to))
	}
	// The API's validation error is shown, and nothing changes.
	run(chromedp.Click(chromedp.CSS(form+" summary")), chromedp.Click(chromedp.CSS(form+" details.as-json summary")))
	if got := act("policies-status", edited(`"state": "report-only"`, `"state": "maybe"`),
		chromedp.Click(chromedp.CSS(form+" form.policy-edit button"))); !strings.Contains(got, "state") {
		t.Errorf("a bad state: %q", got)
	}
	shot(t, ctx, "studio-access-policies-error")
	if got := act("policies-status", edited(`"state": "maybe"`, `"state": "off"`), edited(`"Office only"`, `"Office only (paused)"`),
		chromedp.Click(chromedp.CSS(form+" form.policy-edit button"))); got != "Policy saved." {
		t.Fatalf("editing the policy: %q", got)
	}
	root.json("GET", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID), "", 200, &policy)
	if policy.State != "off" || policy.Name != "Office only (paused)" || !policy.IPRangesExcept || len(policy.IPRanges) != 1 {
		t.Errorf("the policy after the edit: %+v", policy.Policy)
	}
	if a := audited(root, "/api/v1/audit", "access-policy.update"); len(a) != 1 || !strings.Contains(a[0].Detail, `"state":"off"`) {
		t.Errorf("access-policy.update entries: %+v", a)
	}
	// Field by field: ada alone, a second factor, the studio alone (which
	// the page then warns about), two ranges.
	fields := form + " form.policy-fields"
	run(chromedp.Click(chromedp.CSS(form + " summary")))
	run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const f = document.querySelector('%s');
			f.querySelector('[name=include_all]').checked = false;
			f.querySelector('[name=include_users] option[value="%d"]').selected = true;
			f.querySelector('[name=grant]').value = 'require-mfa';
			f.querySelector('[name=apps][value=api]').checked = false;
			f.querySelector('[name=ip_ranges]').value = '10.0.0.0/8, 192.168.0.0/16';
		})()`, fields, adaID)))
	shot(t, ctx, "studio-access-policy-editing")
	if got := act("policies-status", chromedp.Click(chromedp.CSS(fields+" button"))); got != "Policy saved." {
		t.Fatalf("editing the policy's fields: %q", got)
	}
	// Decoded afresh: a field the answer leaves out (omitempty) must not
	// keep the value read before.
	id := policy.ID
	policy = policyAnswer{}
	root.json("GET", fmt.Sprintf("/api/v1/access-policies/%d", id), "", 200, &policy)
	if policy.Include.All || len(policy.Include.Users) != 1 || policy.Include.Users[0] != adaID || policy.Grant != "require-mfa" ||
		strings.Join(policy.Apps, ",") != "studio" || len(policy.IPRanges) != 2 || !policy.IPRangesExcept || policy.State != "off" {
		t.Errorf("the policy after the field edit: %+v", policy.Policy)
	}
	if a := audited(root, "/api/v1/audit", "access-policy.update"); len(a) != 2 {
		t.Errorf("access-policy.update entries: %+v", a)
	}
	if warn := pageText(t, ctx, form+" td.warning"); !strings.Contains(warn, "api") {
		t.Errorf("the page's warnings for a studio-only policy: %q", warn)
	}
	shot(t, ctx, "studio-access-policy-fields")
	// What if: the paused policy would not apply.
	run(chromedp.SendKeys(chromedp.CSS("#wi-ip"), "203.0.113.7"), chromedp.Click(chromedp.CSS("#what-if-submit")))
	waitFor(t, ctx, `document.getElementById('what-if-result').textContent`)
	if got := pageText(t, ctx, "#what-if-result"); !strings.HasPrefix(got, "Allowed.") {
		t.Errorf("what if: %q", got)
	}
	shot(t, ctx, "studio-access-policies-what-if")
	if got := act("policies-status", chromedp.Click(chromedp.CSS(form+" summary")),
		chromedp.Click(chromedp.CSS(form+" .policy-delete"))); got != "Policy Office only (paused) deleted." {
		t.Fatalf("deleting the policy: %q", got)
	}
	if code, _ := root.do("GET", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID), "", nil); code != 404 {
		t.Errorf("the deleted policy: %d", code)
	}
	if a := audited(root, "/api/v1/audit", "access-policy.delete"); len(a) != 1 || a[0].Target != fmt.Sprintf("policy %d", policy.ID) {
		t.Errorf("access-policy.delete entries: %+v", a)
	}
	signOut()

	// Those who may not: the reviewer reads the page without a control to
	// change it; a Basic User and a Process Mining User get no page. The
	// API refuses each the same edits.
	controls := `document.querySelectorAll('#member-add, form.member-edit, .member-remove, #role-create, form.role-edit, #team-create, form.team-roles, form.team-member-add, .team-member-remove, #unit-create').length`
	run(signInSteps(e.url, "reviewer")...)
	run(chromedp.Navigate(adminURL), chromedp.WaitVisible(chromedp.CSS("#members")))
	if n := evalInt(t, ctx, controls); n != 0 {
		t.Errorf("the reviewer is offered %d edit controls", n)
	}
	if text := pageText(t, ctx, "main"); !strings.Contains(text, "Analyst") || !strings.Contains(text, "Auditors") {
		t.Errorf("the reviewer's page: %q", text)
	}
	signOut()
	for _, who := range []struct {
		name string
		c    *client
	}{{"reviewer", reviewer}, {"basic", basic}, {"pmu", pmu}} {
		for _, req := range []struct{ method, path, body string }{
			{"PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Basic User"]}`, prod.Root)},
			{"DELETE", fmt.Sprintf("%s/members/%d", base, makerID), ""},
			{"PATCH", base + "/roles/Analyst", `{"privileges":{}}`},
			{"POST", base + "/roles", `{"name":"Mine","privileges":{}}`},
			{"POST", base + "/teams", fmt.Sprintf(`{"name":"Mine","kind":"access","business_unit":%d}`, prod.Root)},
			{"PUT", fmt.Sprintf("%s/teams/%d/roles", base, teams.Teams[0].ID), `{"roles":[]}`},
			{"PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, teams.Teams[0].ID, pmuID), ""},
			{"POST", base + "/business-units", fmt.Sprintf(`{"name":"Mine","parent":%d}`, prod.Root)},
			{"GET", "/api/v1/access-policies", ""},
		} {
			if code, body := who.c.do(req.method, req.path, req.body, nil); code != 403 {
				t.Errorf("%s: %s %s: %d %s", who.name, req.method, req.path, code, body)
			}
		}
	}
	for _, name := range []string{"basic", "pmu"} {
		run(signInSteps(e.url, name)...)
		if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, "admin-link") || strings.Contains(html, "policies-link") {
			t.Errorf("%s is offered administration", name)
		}
		run(chromedp.Navigate(adminURL), chromedp.WaitVisible(chromedp.CSS("main")))
		if n := evalInt(t, ctx, controls); n != 0 {
			t.Errorf("%s is offered %d edit controls", name, n)
		}
		if text := pageText(t, ctx, "main"); !strings.Contains(text, "Forbidden") {
			t.Errorf("%s's administration page: %q", name, text)
		}
		signOut()
	}
}

// TestStudioTokenNeedsRecentSignIn: ten minutes after signing in, the
// account page shows the API's request for the password, then makes the
// token with it.
func TestStudioTokenNeedsRecentSignIn(t *testing.T) {
	ctx := browser(t)
	e := clockedBrowserServer(t)
	e.user("ann", false)
	run := runner(t, ctx)
	run(signInSteps(e.url, "ann")...)
	e.now = e.now.Add(11 * time.Minute)
	run(chromedp.Click(chromedp.CSS("#account-link")), chromedp.WaitVisible(chromedp.CSS("#token-create")),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "ci"), chromedp.Click(chromedp.CSS("#token-create-submit")))
	waitFor(t, ctx, `document.getElementById('token-status').getAttribute('role') === 'alert'`)
	if got := pageText(t, ctx, "#token-status"); !strings.Contains(got, "needs a recent sign-in") {
		t.Errorf("without the password: %q", got)
	}
	if n := evalInt(t, ctx, `document.querySelectorAll('#token-list tbody tr').length`); n != 0 {
		t.Errorf("%d tokens listed after a refusal", n)
	}
	run(chromedp.SendKeys(chromedp.CSS("#token-password"), "a long enough password"), chromedp.Click(chromedp.CSS("#token-create-submit")))
	waitFor(t, ctx, `document.getElementById('token-status').textContent.startsWith('Token ci created')`)
	if v := pageText(t, ctx, "#token-value"); !strings.HasPrefix(v, "pm_") {
		t.Errorf("the token shown: %q", v)
	}
	if p, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('token-password').value`)); p != "" {
		t.Error("the password stays in its field")
	}
}

// clockedBrowserServer is browserServer with the server's clock at e.now.
func clockedBrowserServer(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.DSNs(t)["sqlite"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, now: time.Now()}
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap, Now: func() time.Time { return e.now }})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	startJobs(t, srv)
	e.url, e.srv = ts.URL, srv
	return e
}

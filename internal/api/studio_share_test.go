package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestStudioSharePickerFollowsTheListRules: the process page's share form
// lists the environment's users and teams by name only to those the API
// would list them to; someone whose role may share a process but not
// list users or teams types the number instead, and the page names nobody
// else.
func TestStudioSharePickerFollowsTheListRules(t *testing.T) {
	e := browserServer(t)
	root, maker, _, prod, base := prodWithMaker(e)
	root.json("POST", base+"/roles", `{"name":"Sharer","privileges":{"process":{"create":"user","read":"user","share":"user"},"reportview":{"read":"user"}}}`, 201, nil)
	sharer, sharerID := e.user("sharer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, sharerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Sharer"]}`, prod.Root), 200, nil)
	_, otherID := e.user("quiet-colleague", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, otherID), fmt.Sprintf(`{"business_unit":%d,"roles":["Basic User"]}`, prod.Root), 200, nil)
	root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Secret squad","kind":"owner","business_unit":%d}`, prod.Root), 201, nil)

	page := func(c *client) string {
		t.Helper()
		var p processJSON
		c.json("POST", base+"/processes", `{"name":"P"}`, 201, &p)
		code, html := c.do("GET", fmt.Sprintf("/e/%d/p/%d", prod.ID, p.ID), "", nil)
		if code != 200 || !strings.Contains(html, `id="share"`) {
			t.Fatalf("the process page: %d, share form %v: %.600s", code, strings.Contains(html, `id="share"`), html[strings.Index(html, "<main"):])
		}
		return html
	}
	// The sharer's role may not list users or teams: the API refuses, and
	// the page offers a number field and names no one else.
	if code, _ := sharer.do("GET", base+"/members", "", nil); code != 403 {
		t.Fatalf("the sharer lists the members: %d", code)
	}
	html := page(sharer)
	if !strings.Contains(html, `pattern="(user|team):[0-9]+"`) || strings.Contains(html, "quiet-colleague") || strings.Contains(html, "Secret squad") || strings.Contains(html, ">maker<") {
		t.Errorf("the sharer's page offers names it may not list")
	}
	// A maker may list them, and picks by name.
	html = page(maker)
	if !strings.Contains(html, ">quiet-colleague</option>") || !strings.Contains(html, ">Secret squad</option>") {
		t.Errorf("the maker's page does not list the members and teams")
	}
	// Shared by number, it works as by name.
	var p processJSON
	sharer.json("POST", base+"/processes", `{"name":"Q"}`, 201, &p)
	sharer.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, otherID), 200, nil)
}

// TestPolicyEditorListsTeamsByTheAPIRule: the access-policy editor names
// only the teams its viewer could list through the API; an installation
// administrator who is no member of an environment sees a policy's team
// of it by number, kept selected so that saving does not drop it.
func TestPolicyEditorListsTeamsByTheAPIRule(t *testing.T) {
	e := browserServer(t)
	root, _, _, prod, base := prodWithMaker(e)
	var team struct{ ID int }
	root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Prod squad","kind":"owner","business_unit":%d}`, prod.Root), 201, &team)
	root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"squad","state":"report-only","apps":["studio","api"],"include":{"teams":[%d]},"grant":"require-mfa"}`, team.ID), 201, nil)
	outsider, _ := e.user("outside-admin", true)
	if code, _ := outsider.do("GET", base+"/teams", "", nil); code != 403 {
		t.Fatalf("the outside administrator lists prod's teams: %d", code)
	}
	_, html := outsider.do("GET", "/access-policies", "", nil)
	if strings.Contains(html, "Prod squad") || !strings.Contains(html, fmt.Sprintf(`<option value="%d" selected>team %d (of an environment you do not administer)`, team.ID, team.ID)) {
		t.Errorf("the outside administrator's policy editor names the team, or drops it")
	}
	if _, html := root.do("GET", "/access-policies", "", nil); !strings.Contains(html, ">prod / Prod squad</option>") {
		t.Errorf("the environment's administrator does not find the team by name")
	}
}

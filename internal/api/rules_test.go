package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

// TestDeletedEnvironmentLeavesNothingBehind: a new environment never
// inherits a deleted one's id, records or audit log; the deletion itself
// stays in the installation's log.
func TestDeletedEnvironmentLeavesNothingBehind(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, _, prod, base := prodWithMaker(e)
			root.json("POST", base+"/processes", `{"name":"Secret merger"}`, 201, nil)
			root.json("DELETE", base, "", 204, nil)
			var fresh envJSON
			root.json("POST", "/api/v1/environments", `{"name":"fresh"}`, 201, &fresh)
			if fresh.ID == prod.ID {
				t.Fatalf("the new environment reuses the deleted one's id %d", prod.ID)
			}
			code, body := root.do("GET", fmt.Sprintf("/api/v1/environments/%d/audit", fresh.ID), "", nil)
			if code != 200 || strings.Contains(body, "Secret merger") || strings.Count(body, `"action"`) != 1 {
				t.Errorf("the fresh environment's log: %d %s", code, body)
			}
			code, body = root.do("GET", "/api/v1/audit?action=environment.delete", "", nil)
			if code != 200 || !strings.Contains(body, fmt.Sprintf("environment %d", prod.ID)) {
				t.Errorf("the installation's log lacks the deletion: %d %s", code, body)
			}
		})
	}
}

// TestTeamsFollowTheRulesForRoles: joining a team gives its roles, so
// nobody adds themselves, or anyone to a team above their own privileges;
// a removed member leaves every team.
func TestTeamsFollowTheRulesForRoles(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, makerID, prod, base := prodWithMaker(e)
			root.json("POST", base+"/roles", `{"name":"TeamAdmin","privileges":{"team":{"read":"organization","write":"organization"},"user":{"read":"organization"}}}`, 201, nil)
			admin, adminID := e.user("teamadmin", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, adminID), fmt.Sprintf(`{"business_unit":%d,"roles":["TeamAdmin"]}`, prod.Root), 200, nil)
			var strong, plain struct{ ID access.ID }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Admins","kind":"owner","business_unit":%d}`, prod.Root), 201, &strong)
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Plain","kind":"access","business_unit":%d}`, prod.Root), 201, &plain)
			// Roles go to teams by the rules for giving roles.
			if code, body := root.do("PUT", fmt.Sprintf("%s/teams/%d/roles", base, strong.ID), `{"roles":["Process Mining Application"]}`, nil); code != 422 || !strings.Contains(body, "service identity") {
				t.Errorf("Process Mining Application to a team: %d %s", code, body)
			}
			if code, _ := admin.do("PUT", fmt.Sprintf("%s/teams/%d/roles", base, plain.ID), `{"roles":["System Administrator"]}`, nil); code != 403 {
				t.Errorf("team admin gives a team System Administrator: %d", code)
			}
			root.json("PUT", fmt.Sprintf("%s/teams/%d/roles", base, strong.ID), `{"roles":["System Administrator"]}`, 200, nil)
			if code, body := admin.do("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, strong.ID, adminID), "", nil); code != 403 {
				t.Errorf("team admin joins the administrators' team: %d %s", code, body)
			}
			if code, body := admin.do("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, strong.ID, makerID), "", nil); code != 403 {
				t.Errorf("team admin puts the maker in the administrators' team: %d %s", code, body)
			}
			if code, _ := admin.do("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, plain.ID, adminID), "", nil); code != 403 {
				t.Errorf("team admin joins a team itself: %d", code)
			}
			admin.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, plain.ID, makerID), "", 204, nil)

			// A removed member, added again, comes back with nothing.
			root.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, strong.ID, makerID), "", 204, nil)
			maker.json("GET", base+"/audit", "", 200, nil) // administrator through the team
			root.json("DELETE", fmt.Sprintf("%s/members/%d", base, makerID), "", 204, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, prod.Root), 200, nil)
			if code, _ := maker.do("GET", base+"/audit", "", nil); code != 403 {
				t.Errorf("a re-added member kept the team's role: %d", code)
			}
			var tm struct{ Members []struct{ Name string } }
			root.json("GET", fmt.Sprintf("%s/teams/%d/members", base, plain.ID), "", 200, &tm)
			if len(tm.Members) != 0 {
				t.Errorf("a removed member is still in a team: %+v", tm.Members)
			}
		})
	}
}

// TestEnvironmentNamesStayPrivate: renaming is the installation
// administrators' (who see every name), so a clash tells nobody else
// that another environment exists.
func TestEnvironmentNamesStayPrivate(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, makerID, prod, base := prodWithMaker(e)
			root.json("POST", "/api/v1/environments", `{"name":"hidden"}`, 201, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["System Administrator"]}`, prod.Root), 200, nil)
			if code, body := maker.do("PATCH", base, `{"name":"hidden"}`, nil); code != 403 || strings.Contains(body, "exists") {
				t.Errorf("an environment administrator renames: %d %s", code, body)
			}
			if code, _ := root.do("PATCH", base, `{"name":"hidden"}`, nil); code != 409 {
				t.Errorf("the installation administrator's clash: %d", code)
			}
		})
	}
}

// TestTokensCannotMakeTokens and giving a process away answers 200.
func TestTokensAndGivingAway(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, _, base := prodWithMaker(e)
			var tok struct{ Token string }
			maker.json("POST", "/api/v1/tokens", `{"name":"short","expires_in_days":1}`, 201, &tok)
			bearer := e.client()
			bearer.token = tok.Token
			if code, body := bearer.do("POST", "/api/v1/tokens", `{"name":"long","expires_in_days":366}`, nil); code != 403 {
				t.Errorf("a token made a token: %d %s", code, body)
			}
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"gift"}`, 201, &p)
			var me meJSON
			root.json("GET", "/api/v1/me", "", 200, &me)
			var given processJSON
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/owner", base, p.ID), fmt.Sprintf(`{"user":%d}`, me.ID), 200, &given)
			if given.Owner.User != me.ID {
				t.Errorf("owner after giving away: %+v", given.Owner)
			}
			if code, _ := maker.do("GET", fmt.Sprintf("%s/processes/%d", base, p.ID), "", nil); code != 404 {
				t.Errorf("the former owner still reads it: %d", code)
			}
		})
	}
}

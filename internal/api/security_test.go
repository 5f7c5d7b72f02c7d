package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

// TestSecurityAdministration: members, units, teams and roles through the
// API, with the rules of DESIGN §2 on giving and changing roles.
func TestSecurityAdministration(t *testing.T) {
	for dbName, e := range servers(t) {
		t.Run(dbName, func(t *testing.T) {
			root, _ := e.user("root", true)
			deputy, deputyID := e.user("deputy", false)
			maker, makerID := e.user("maker", false)
			var prod, dev struct {
				ID   access.ID `json:"id"`
				Root access.ID `json:"root_business_unit"`
			}
			root.json("POST", "/api/v1/environments", `{"name":"prod"}`, 201, &prod)
			root.json("POST", "/api/v1/environments", `{"name":"dev"}`, 201, &dev)
			base := fmt.Sprintf("/api/v1/environments/%d", prod.ID)

			var unit struct{ ID access.ID }
			root.json("POST", base+"/business-units", fmt.Sprintf(`{"name":"Sales","parent":%d}`, prod.Root), 201, &unit)
			if code, body := root.do("POST", base+"/business-units", fmt.Sprintf(`{"name":"Forged","parent":%d}`, dev.Root), nil); code != 422 {
				t.Errorf("a unit under another environment's unit: %d %s", code, body)
			}
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, unit.ID), 200, nil)
			if code, body := root.do("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, dev.Root), nil); code != 422 {
				t.Errorf("membership in another environment's unit: %d %s", code, body)
			}

			// Process Mining Application goes to no person, and the two
			// process mining roles cannot be changed.
			code, body := root.do("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining Application"]}`, unit.ID), nil)
			if code != 422 || !strings.Contains(body, "held only by procmine's own service identity") {
				t.Errorf("Process Mining Application to a person: %d %s", code, body)
			}
			for _, name := range []string{"Process%20Mining%20User", "Process%20Mining%20Application", "System%20Administrator"} {
				code, body := root.do("PATCH", base+"/roles/"+name, `{"privileges":{"process":{"read":"organization"}}}`, nil)
				if code != 422 || !strings.Contains(body, "cannot be changed") {
					t.Errorf("changing %s: %d %s", name, code, body)
				}
			}
			// A custom security deputy may manage members but not give
			// roles above its own privileges.
			root.json("POST", base+"/roles", `{"name":"Deputy","privileges":{"user":{"read":"organization","write":"organization"},"role":{"read":"organization","create":"organization"},"process":{"read":"user","create":"user"},"reportview":{"read":"user"}}}`, 201, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, deputyID), fmt.Sprintf(`{"business_unit":%d,"roles":["Deputy"]}`, unit.ID), 200, nil)
			_, newbieID := e.user("newbie", false)
			newbie := fmt.Sprintf("%s/members/%d", base, newbieID)
			if code, body := deputy.do("PUT", newbie, fmt.Sprintf(`{"business_unit":%d,"roles":["System Administrator"]}`, unit.ID), nil); code != 403 || !strings.Contains(body, "privileges you do not hold") {
				t.Errorf("deputy gives System Administrator: %d %s", code, body)
			}
			if code, body := deputy.do("PUT", newbie, fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, unit.ID), nil); code != 403 {
				t.Errorf("deputy gives Environment Maker, which exceeds it: %d %s", code, body)
			}
			deputy.json("PUT", newbie, fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, unit.ID), 200, nil)
			// Nor may the deputy touch those above it, or itself, or the
			// last administrator.
			for _, who := range []access.ID{makerID, deputyID} {
				if code, body := deputy.do("PUT", fmt.Sprintf("%s/members/%d", base, who), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, unit.ID), nil); code != 403 {
					t.Errorf("deputy changes member %d: %d %s", who, code, body)
				}
				if code, _ := deputy.do("DELETE", fmt.Sprintf("%s/members/%d", base, who), "", nil); code != 403 {
					t.Errorf("deputy removes member %d: %d", who, code)
				}
			}
			var me meJSON
			root.json("GET", "/api/v1/me", "", 200, &me)
			if code, body := deputy.do("PUT", fmt.Sprintf("%s/members/%d", base, me.ID), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, unit.ID), nil); code != 403 {
				t.Errorf("deputy demotes the administrator: %d %s", code, body)
			}
			if code, body := root.do("PUT", fmt.Sprintf("%s/members/%d", base, me.ID), fmt.Sprintf(`{"business_unit":%d,"roles":[]}`, prod.Root), nil); code != 409 || !strings.Contains(body, "at least one System Administrator") {
				t.Errorf("the last administrator demotes itself: %d %s", code, body)
			}
			if code, _ := root.do("DELETE", fmt.Sprintf("%s/members/%d", base, me.ID), "", nil); code != 409 {
				t.Errorf("the last administrator removes itself: %d", code)
			}
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, unit.ID), 200, nil)
			if code, body := deputy.do("POST", base+"/roles", `{"name":"Big","privileges":{"process":{"delete":"organization"}}}`, nil); code != 403 {
				t.Errorf("deputy makes a role above itself: %d %s", code, body)
			}
			if code, body := deputy.do("POST", base+"/roles", `{"name":"Bad","privileges":{"process":{"fly":"user"}}}`, nil); code != 422 || !strings.Contains(body, "unknown operation") {
				t.Errorf("unknown operation: %d %s", code, body)
			}
			if code, _ := maker.do("GET", base+"/members", "", nil); code != 403 {
				t.Errorf("a process mining user lists members: %d", code)
			}
			var members struct {
				Members []struct {
					Username string   `json:"username"`
					Roles    []string `json:"roles"`
				} `json:"members"`
			}
			deputy.json("GET", base+"/members", "", 200, &members)
			if len(members.Members) != 4 || members.Members[2].Username != "maker" || strings.Join(members.Members[2].Roles, ",") != "Process Mining User" {
				t.Errorf("members %+v", members.Members)
			}
			var roles struct {
				Roles []roleJSON `json:"roles"`
			}
			root.json("GET", base+"/roles", "", 200, &roles)
			locked := map[string]bool{}
			for _, r := range roles.Roles {
				locked[r.Name] = r.Locked
			}
			if len(roles.Roles) != 7 || !locked[access.ProcessMiningUser] || !locked[access.ProcessMiningApplication] || locked[access.EnvironmentMaker] {
				t.Errorf("roles %+v", roles.Roles)
			}

			// Teams: members of this environment only.
			var team struct{ ID access.ID }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Analysts","kind":"owner","business_unit":%d}`, unit.ID), 201, &team)
			root.json("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, team.ID, makerID), "", 204, nil)
			var tm struct {
				Members []struct{ Name string } `json:"members"`
			}
			root.json("GET", fmt.Sprintf("%s/teams/%d/members", base, team.ID), "", 200, &tm)
			if len(tm.Members) != 1 || tm.Members[0].Name != "maker" {
				t.Errorf("team members %+v", tm.Members)
			}
			outsider, outsiderID := e.user("outsider", false)
			_ = outsider
			if code, _ := root.do("PUT", fmt.Sprintf("%s/teams/%d/members/%d", base, team.ID, outsiderID), "", nil); code != 404 {
				t.Errorf("a non-member joined a team: %d", code)
			}
			// A team role through the API reaches its members.
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, makerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Process Mining User"]}`, unit.ID), 200, nil)
			if err := e.store.AssignRole(context.Background(), prod.ID, access.EnvironmentMaker, access.Principal{Team: team.ID}); err != nil {
				t.Fatal(err)
			}
			maker.json("POST", base+"/processes", `{"name":"through my team"}`, 201, nil)
			root.json("DELETE", fmt.Sprintf("%s/teams/%d/members/%d", base, team.ID, makerID), "", 204, nil)
			if code, _ := maker.do("POST", base+"/processes", `{"name":"not any more"}`, nil); code != 403 {
				t.Errorf("after leaving the team: %d", code)
			}
			root.json("DELETE", fmt.Sprintf("%s/members/%d", base, makerID), "", 204, nil)
			if code, _ := maker.do("GET", base+"/processes", "", nil); code != 403 {
				t.Errorf("a removed member still enters: %d", code)
			}
		})
	}
}

package api

// Attack 4 of the security review: granting through a team or a business
// unit what the granter does not hold. Each test failed on the code the
// reviewer attacked (the team member was added, 204; the member was moved,
// 200) and passes now.

import (
	"fmt"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

const oneEvent = "case,activity,timestamp\nc1,A,2024-01-01T10:00:00Z\n"

// TestAttack4TeamCarriesSharesTheGranterLacks: a "Team manager" (team
// read/write at organization depth) who cannot read a process put a user
// in a team that is shared the process, or owns it, and the user read its
// raw events. Now only who could share the process at the team's level
// (or give its ownership) adds members; a System Administrator, and an
// owner who shares the process with the team, still do.
func TestAttack4TeamCarriesSharesTheGranterLacks(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, makerID, prod, base := prodWithMaker(e)
			manager, managerID := e.user("maker2", false)
			boss, bossID := e.user("boss", false)
			root.json("POST", base+"/roles", `{"name":"Team manager","privileges":{"team":{"read":"organization","write":"organization"}}}`, 201, nil)
			member := func(id access.ID, roles string) {
				root.json("PUT", fmt.Sprintf("%s/members/%d", base, id), fmt.Sprintf(`{"business_unit":%d,"roles":[%s]}`, prod.Root, roles), 200, nil)
			}
			member(managerID, `"Team manager"`)
			member(bossID, `"Environment Maker","Team manager"`)
			team := func(name string) (string, access.ID) {
				var tm struct{ ID access.ID }
				root.json("POST", base+"/teams", fmt.Sprintf(`{"name":%q,"kind":"owner","business_unit":%d}`, name, prod.Root), 201, &tm)
				return fmt.Sprintf("%s/teams/%d", base, tm.ID), tm.ID
			}
			process := func(c *client, name string) string {
				var p processJSON
				c.json("POST", base+"/processes", fmt.Sprintf(`{"name":%q}`, name), 201, &p)
				path := fmt.Sprintf("%s/processes/%d", base, p.ID)
				if j := c.importLog(path+"/data", "log.csv", []byte(oneEvent), map[string]string{"privacy": "raw"}); j.State != "done" {
					t.Fatalf("import: %+v", j)
				}
				return path
			}

			// The team is shared a process as co-owner; a second team owns one.
			shared := process(root, "Payroll")
			sharedTeam, sharedTeamID := team("Payroll readers")
			root.json("PUT", shared+"/shares", fmt.Sprintf(`{"principal":{"team":%d},"access":"co-owner"}`, sharedTeamID), 200, nil)
			owned := process(root, "Bonuses")
			ownerTeam, ownerTeamID := team("Bonus owners")
			root.json("PUT", owned+"/owner", fmt.Sprintf(`{"team":%d}`, ownerTeamID), 200, nil)

			for _, p := range []string{shared, owned} {
				if code, _ := manager.do("GET", p, "", nil); code != 404 {
					t.Fatalf("the team manager reads %s: %d", p, code)
				}
				if code, _ := maker.do("GET", p+"/events", "", nil); code != 404 {
					t.Fatalf("maker reads %s before the attack: %d", p, code)
				}
			}
			// The attack: through either team, maker would read what the
			// team manager cannot.
			for _, tm := range []struct{ team, process string }{{sharedTeam, shared}, {ownerTeam, owned}} {
				if code, body := manager.do("PUT", fmt.Sprintf("%s/members/%d", tm.team, makerID), "", nil); code != 403 {
					t.Errorf("the team manager puts maker in %s: %d %s", tm.team, code, body)
				}
				for _, sub := range []string{"/events", "/export"} {
					if code, _ := maker.do("GET", tm.process+sub, "", nil); code != 404 {
						t.Errorf("maker reads %s%s through the team: %d", tm.process, sub, code)
					}
				}
			}

			// Allowed: an owner who could share the process as co-owner
			// herself adds maker to a team she shared it with...
			mine := process(boss, "Boss's own")
			bossTeam, bossTeamID := team("Boss's team")
			boss.json("PUT", mine+"/shares", fmt.Sprintf(`{"principal":{"team":%d},"access":"co-owner"}`, bossTeamID), 200, nil)
			if code, body := manager.do("PUT", fmt.Sprintf("%s/members/%d", bossTeam, makerID), "", nil); code != 403 {
				t.Errorf("the team manager, who does not hold boss's process, adds maker to boss's team: %d %s", code, body)
			}
			boss.json("PUT", fmt.Sprintf("%s/members/%d", bossTeam, makerID), "", 204, nil)
			maker.json("GET", mine+"/events", "", 200, nil)
			// ... but not to the teams whose processes she does not hold.
			if code, body := boss.do("PUT", fmt.Sprintf("%s/members/%d", sharedTeam, makerID), "", nil); code != 403 {
				t.Errorf("boss adds maker to a team shared a process she cannot read: %d %s", code, body)
			}
			// A System Administrator adds anyone to any team.
			root.json("PUT", fmt.Sprintf("%s/members/%d", sharedTeam, makerID), "", 204, nil)
			root.json("PUT", fmt.Sprintf("%s/members/%d", ownerTeam, makerID), "", 204, nil)
			maker.json("GET", shared+"/events", "", 200, nil)
			maker.json("GET", owned+"/events", "", 200, nil)
		})
	}
}

// TestAttack4MemberMovedOutOfReach: a "User manager" whose process
// mining rights are at business-unit depth in Sales moved a reader at
// business-unit depth into Finance, and the reader read Finance's events,
// which the manager cannot. Now the unit must be within the granter's
// reach for every privilege the member holds at business-unit or
// parent-child depth; a System Administrator, and a manager at
// parent-child depth above Finance, still move members there.
func TestAttack4MemberMovedOutOfReach(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, makerID, prod, base := prodWithMaker(e)
			_, viewerID := e.user("viewer", false)
			viewer := e.client()
			viewer.json("POST", "/api/v1/session", `{"username":"viewer","password":"a long enough password"}`, 200, nil)
			fin, finID := e.user("fin", false)
			area, areaID := e.user("area", false)
			_, newbieID := e.user("newbie", false)
			unit := func(name string) access.ID {
				var u struct{ ID access.ID }
				root.json("POST", base+"/business-units", fmt.Sprintf(`{"name":%q,"parent":%d}`, name, prod.Root), 201, &u)
				return u.ID
			}
			sales, finance := unit("Sales"), unit("Finance")
			reads := func(d string) string {
				return fmt.Sprintf(`"process":{"read":%q},"eventlog":{"read":%q},"reportview":{"read":%q}`, d, d, d)
			}
			root.json("POST", base+"/roles", `{"name":"Unit reader","privileges":{`+reads("businessunit")+`}}`, 201, nil)
			root.json("POST", base+"/roles", `{"name":"User manager","privileges":{"user":{"read":"organization","write":"organization"},"team":{"read":"organization","write":"organization"},`+reads("businessunit")+`}}`, 201, nil)
			root.json("POST", base+"/roles", `{"name":"Area manager","privileges":{"user":{"read":"organization","write":"organization"},`+reads("parentchild")+`}}`, 201, nil)
			put := func(c *client, who, unit access.ID, roles string, want int) {
				t.Helper()
				if code, body := c.do("PUT", fmt.Sprintf("%s/members/%d", base, who), fmt.Sprintf(`{"business_unit":%d,"roles":[%s]}`, unit, roles), nil); code != want {
					t.Errorf("member %d into unit %d as %s: %d %s, want %d", who, unit, roles, code, body, want)
				}
			}
			put(root, makerID, sales, `"Environment Maker","User manager"`, 200)
			put(root, areaID, prod.Root, `"Area manager"`, 200)
			put(root, finID, finance, `"Environment Maker"`, 200)
			put(root, viewerID, prod.Root, `"Unit reader"`, 200)
			var p processJSON
			fin.json("POST", base+"/processes", `{"name":"Ledger"}`, 201, &p)
			ledger := fmt.Sprintf("%s/processes/%d", base, p.ID)
			if j := fin.importLog(ledger+"/data", "ledger.csv", []byte(oneEvent), map[string]string{"privacy": "raw"}); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			if code, _ := maker.do("GET", ledger, "", nil); code != 404 {
				t.Fatalf("maker reads Finance's process: %d", code)
			}

			// Into the manager's own unit: allowed.
			put(maker, viewerID, sales, `"Unit reader"`, 200)
			// The attack: into Finance, beyond the manager's reach; nor
			// may a newcomer be placed there.
			put(maker, viewerID, finance, `"Unit reader"`, 403)
			put(maker, newbieID, finance, `"Unit reader"`, 403)
			for _, sub := range []string{"/events", "/export"} {
				if code, _ := viewer.do("GET", ledger+sub, "", nil); code != 404 {
					t.Errorf("viewer reads Finance's %s: %d", sub, code)
				}
			}
			// A member with no rights tied to units may be placed anywhere
			// the manager may write users.
			put(maker, newbieID, finance, "", 200)
			// Nor does a team's role reach Finance through its members: the
			// manager neither gives the team of a Finance member the role,
			// nor adds the Finance member to a team that has it.
			var tm struct{ ID access.ID }
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Auditors","kind":"access","business_unit":%d}`, prod.Root), 201, &tm)
			auditors := fmt.Sprintf("%s/teams/%d", base, tm.ID)
			root.json("PUT", fmt.Sprintf("%s/members/%d", auditors, newbieID), "", 204, nil)
			if code, body := maker.do("PUT", auditors+"/roles", `{"roles":["Unit reader"]}`, nil); code != 403 {
				t.Errorf("the manager gives a team with a Finance member a business-unit role: %d %s", code, body)
			}
			root.json("DELETE", fmt.Sprintf("%s/members/%d", auditors, newbieID), "", 204, nil)
			maker.json("PUT", auditors+"/roles", `{"roles":["Unit reader"]}`, 200, nil)
			if code, body := maker.do("PUT", fmt.Sprintf("%s/members/%d", auditors, newbieID), "", nil); code != 403 {
				t.Errorf("the manager adds a Finance member to a team with a business-unit role: %d %s", code, body)
			}
			root.json("PUT", fmt.Sprintf("%s/members/%d", auditors, newbieID), "", 204, nil)

			// A manager at parent-child depth above Finance reaches it.
			put(area, viewerID, finance, `"Unit reader"`, 200)
			viewer.json("GET", ledger+"/events", "", 200, nil)
			// And a System Administrator places anyone anywhere.
			put(root, viewerID, sales, `"Unit reader"`, 200)
			put(root, viewerID, finance, `"Unit reader"`, 200)
		})
	}
}

// TestAttack5ShareToOneselfLiftsDepth is the fifth review's F1: a
// "Process steward" (process rights with share at organization depth,
// event-log read at user depth only) could not read the events of a
// process made by someone else (403), shared it with herself as
// co-owner (200), and then read them all. A share passes on, for the
// records of a process, only what the granter's roles reach there; what
// her roles do not give at all stays capped by each recipient's roles.
func TestAttack5ShareToOneselfLiftsDepth(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, prod, base := prodWithMaker(e)
			steward, stewardID := e.user("steward", false)
			_, colleagueID := e.user("colleague", false)
			root.json("POST", base+"/roles", `{"name":"Process steward","privileges":{"process":{"read":"organization","write":"organization","share":"organization","append":"organization","appendto":"organization","delete":"organization"},"reportview":{"read":"organization"},"eventlog":{"read":"user"}}}`, 201, nil)
			for _, id := range []access.ID{stewardID, colleagueID} {
				root.json("PUT", fmt.Sprintf("%s/members/%d", base, id), fmt.Sprintf(`{"business_unit":%d,"roles":["Process steward"]}`, prod.Root), 200, nil)
			}
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"Payroll"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			if j := maker.importLog(path+"/data", "log.csv", []byte(oneEvent), map[string]string{"privacy": "raw"}); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			if code, _ := steward.do("GET", path+"/events", "", nil); code != 403 {
				t.Fatalf("the steward reads the events before the attack: %d", code)
			}
			for _, to := range []access.ID{stewardID, colleagueID} {
				if code, body := steward.do("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"co-owner"}`, to), nil); code != 403 {
					t.Errorf("the steward shares the process as co-owner with user %d: %d %s", to, code, body)
				}
			}
			if code, _ := steward.do("GET", path+"/events", "", nil); code != 403 {
				t.Errorf("the steward reads the events after sharing the process with herself: %d", code)
			}
			// Allowed: a viewer share grants nothing on the event log, and
			// the steward reads reports across the organization.
			steward.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, colleagueID), 200, nil)
			// The owner shares her process as co-owner, as before.
			maker.json("PUT", path+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"co-owner"}`, stewardID), 200, nil)
			steward.json("GET", path+"/events", "", 200, nil)
		})
	}
}

package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestAdministrationPageShowsWhatTheAPIDoes: a member whose role reads
// users and roles, and not business units or teams, is refused both lists
// by the API, and the administration page shows neither their names nor
// forms that need them (the review of 2026-12-05 found the page listed
// both).
func TestAdministrationPageShowsWhatTheAPIDoes(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, _, _, prod, base := prodWithMaker(e)
			var unit struct{ ID int64 }
			root.json("POST", base+"/business-units", fmt.Sprintf(`{"name":"Secret Unit Xyz","parent":%d}`, prod.Root), 201, &unit)
			root.json("POST", base+"/teams", fmt.Sprintf(`{"name":"Hidden Team Qrs","kind":"access","business_unit":%d}`, prod.Root), 201, nil)
			root.json("POST", base+"/roles", `{"name":"Reader of people","privileges":{"user":{"read":"organization"},"role":{"read":"organization"}}}`, 201, nil)
			reader, readerID := e.user("reader", false)
			root.json("PUT", fmt.Sprintf("%s/members/%d", base, readerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Reader of people"]}`, prod.Root), 200, nil)

			for _, list := range []string{"/business-units", "/teams"} {
				if code, body := reader.do("GET", base+list, "", nil); code != 403 {
					t.Errorf("GET %s: %d %s, want 403", list, code, body)
				}
			}
			code, page := reader.do("GET", fmt.Sprintf("/e/%d/admin", prod.ID), "", nil)
			if code != 200 || !strings.Contains(page, `id="members"`) {
				t.Fatalf("the administration page: %d %.300s", code, page)
			}
			for _, hidden := range []string{"Secret Unit Xyz", "Hidden Team Qrs", `id="units"`, `id="teams"`, `id="unit-create"`} {
				if strings.Contains(page, hidden) {
					t.Errorf("the page shows %q to a member who may not read it", hidden)
				}
			}
			// Root reads both, on the page as through the API.
			if _, page := root.do("GET", fmt.Sprintf("/e/%d/admin", prod.ID), "", nil); !strings.Contains(page, "Secret Unit Xyz") || !strings.Contains(page, "Hidden Team Qrs") {
				t.Error("the environment's administrator does not see the units and teams")
			}
		})
	}
}

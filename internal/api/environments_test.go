package api

import (
	"fmt"
	"strings"
	"testing"
)

func TestEnvironmentRoutes(t *testing.T) {
	for dbName, e := range servers(t) {
		t.Run(dbName, func(t *testing.T) {
			root, maker, makerID, _, base := prodWithMaker(e)
			root.json("POST", "/api/v1/environments", `{"name":"dev"}`, 201, nil)

			var envs struct {
				Environments []struct{ Name string } `json:"environments"`
			}
			maker.json("GET", "/api/v1/environments", "", 200, &envs)
			if len(envs.Environments) != 1 || envs.Environments[0].Name != "prod" {
				t.Errorf("the maker's environments: %+v", envs)
			}
			root.json("GET", "/api/v1/environments", "", 200, &envs)
			if len(envs.Environments) != 2 {
				t.Errorf("the installation administrator's environments: %+v", envs)
			}
			maker.json("GET", base, "", 200, nil)
			if code, _ := maker.do("PATCH", base, `{"name":"mine"}`, nil); code != 403 {
				t.Errorf("a maker renamed the environment: %d", code)
			}
			if code, _ := maker.do("GET", "/api/v1/users", "", nil); code != 403 {
				t.Errorf("a maker listed users: %d", code)
			}
			maker.json("GET", base+"/teams", "", 200, nil) // makers read teams, to share with them
			if code, _ := maker.do("GET", base+"/business-units", "", nil); code != 403 {
				t.Errorf("a maker listed business units: %d", code)
			}
			var role roleJSON
			root.json("GET", base+"/roles/Process%20Mining%20User", "", 200, &role)
			if !role.Locked || role.Privileges["process"]["read"] != "user" || len(role.Privileges) != 2 {
				t.Errorf("role %+v", role)
			}

			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P2P"}`, 201, &p)
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, makerID), 200, nil)
			code, body := maker.do("GET", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), "", nil)
			if code != 200 || !strings.Contains(body, `"access":"viewer"`) || !strings.Contains(body, fmt.Sprintf(`"principal":{"user":%d}`, makerID)) {
				t.Errorf("shares: %d %s", code, body)
			}

			root.json("PATCH", base, `{"name":"production"}`, 200, nil)
			root.json("DELETE", base, "", 204, nil)
			if code, _ := maker.do("GET", base+"/processes", "", nil); code != 403 {
				t.Errorf("a deleted environment still answers: %d", code)
			}
		})
	}
}

package api

import (
	"fmt"
	"strings"
	"testing"
)

func TestAuditLog(t *testing.T) {
	for dbName, e := range servers(t) {
		t.Run(dbName, func(t *testing.T) {
			root, maker, makerID, _, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"P2P"}`, 201, &p)
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, makerID), 200, nil)
			maker.json("DELETE", fmt.Sprintf("%s/processes/%d", base, p.ID), "", 204, nil)

			var log struct {
				Entries []struct {
					Actor, Action, Target, Detail string
				} `json:"entries"`
			}
			root.json("GET", base+"/audit", "", 200, &log)
			var actions []string
			for _, e := range log.Entries {
				actions = append(actions, e.Actor+":"+e.Action)
			}
			want := "root:environment.create root:member.set maker:process.create maker:share.put maker:process.delete"
			if strings.Join(actions, " ") != want {
				t.Errorf("audit log:\n got %s\nwant %s", strings.Join(actions, " "), want)
			}
			root.json("GET", base+"/audit?action=share.put", "", 200, &log)
			if len(log.Entries) != 1 || log.Entries[0].Detail != fmt.Sprintf("user %d as viewer", makerID) {
				t.Errorf("filtered: %+v", log.Entries)
			}
			code, body := root.do("GET", base+"/audit?format=csv&actor=maker", "", nil)
			if code != 200 || !strings.HasPrefix(body, "id,at,actor,action,target,detail,ip,app\n") || !strings.Contains(body, ",studio\n") || strings.Count(body, "\n") != 4 {
				t.Errorf("csv: %d\n%s", code, body)
			}
			if code, _ := maker.do("GET", base+"/audit", "", nil); code != 403 {
				t.Errorf("a maker read the audit log: %d", code)
			}
			if code, body := root.do("GET", base+"/audit?since=yesterday", "", nil); code != 422 {
				t.Errorf("bad since: %d %s", code, body)
			}
			// Sign-ins, failed ones too, are in the installation's log.
			e.client().do("POST", "/api/v1/session", `{"username":"maker","password":"not the password"}`, nil)
			var inst struct {
				Entries []struct{ Actor, Action string } `json:"entries"`
			}
			root.json("GET", "/api/v1/audit?actor=maker", "", 200, &inst)
			var got []string
			for _, e := range inst.Entries {
				got = append(got, e.Action)
			}
			if strings.Join(got, " ") != "sign-in sign-in.failed" {
				t.Errorf("installation log for maker: %v", got)
			}
			if code, _ := maker.do("GET", "/api/v1/audit", "", nil); code != 403 {
				t.Errorf("a maker read the installation's log: %d", code)
			}
		})
	}
}

package api

import (
	"fmt"
	"testing"
)

// TestContractTour: the routes no other test had a success answer of
// are asked once, so that every operation's answer is checked against
// the document (contract_test.go): the installation's users, an access
// policy read and replaced, a named range set and deleted, the
// recording sessions listed and one deleted, a custom role changed, and
// an upload previewed.
func TestContractTour(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			root, maker, _, _, base := prodWithMaker(e)
			root.json("GET", "/api/v1/users", "", 200, nil)

			var policy struct{ ID int }
			body := `{"name":"field mfa","state":"report-only","apps":["studio"],"include":{"all":true},"grant":"require-mfa"}`
			root.json("POST", "/api/v1/access-policies", body, 201, &policy)
			root.json("GET", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID), "", 200, nil)
			root.json("PUT", fmt.Sprintf("/api/v1/access-policies/%d", policy.ID), body, 200, nil)

			root.json("PUT", "/api/v1/named-ranges/lab", `{"ranges":["192.0.2.0/24"]}`, 200, nil)
			if code, b := root.do("DELETE", "/api/v1/named-ranges/lab", "", nil); code != 204 {
				t.Errorf("delete a named range: %d %s", code, b)
			}

			var session struct{ ID int }
			maker.json("POST", base+"/recording-sessions", `{"title":"Tour"}`, 201, &session)
			maker.json("GET", base+"/recording-sessions", "", 200, nil)
			if code, b := maker.do("DELETE", fmt.Sprintf("%s/recording-sessions/%d", base, session.ID), "", nil); code != 204 {
				t.Errorf("delete a recording session: %d %s", code, b)
			}

			root.json("POST", base+"/roles", `{"name":"Auditor","privileges":{"process":{"read":"organization"}}}`, 201, nil)
			root.json("PATCH", base+"/roles/Auditor", `{"privileges":{"process":{"read":"businessunit"}}}`, 200, nil)

			var proc processJSON
			maker.json("POST", base+"/processes", `{"name":"Tour"}`, 201, &proc)
			sample := []byte("case,activity,time\n1,a,2026-01-01T10:00:00Z\n1,b,2026-01-01T11:00:00Z\n")
			if code, b := maker.preview(fmt.Sprintf("%s/processes/%d", base, proc.ID), "x.csv", sample, map[string]string{"case": "case"}); code != 200 {
				t.Errorf("preview: %d %s", code, b)
			}
		})
	}
}

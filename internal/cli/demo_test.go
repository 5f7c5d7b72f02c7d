package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// TestDemo starts `procmine demo`, then signs in as every demo user, makes
// a token and calls the API with it, as the README shows; each sees the
// processes the access model gives it.
func TestDemo(t *testing.T) {
	addr, out, stop := serveInBackground(t, "demo", "--data-dir", t.TempDir())
	passwords := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && len(f[1]) == 16 {
			passwords[f[0]] = f[1]
		}
	}
	want := map[string]int{"admin": 4, "customizer": 4, "maker": 2, "maker2": 2, "analyst": 1, "viewer": 1, "auditor": 1, "basic": 0}
	if len(passwords) != len(want) {
		t.Fatalf("demo users %v in:\n%s", passwords, out.String())
	}
	// The studio opens on the demo: sign in, and the process list shows.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm("http://"+addr+"/signin", map[string][]string{"username": {"maker"}, "password": {passwords["maker"]}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Purchase to pay") || !strings.Contains(string(page), "Create process") {
		t.Errorf("the studio after signing in: %d\n%s", resp.StatusCode, page)
	}
	for name, n := range want {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"`+name+`","password":"`+passwords[name]+`"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s signs in: %v %v", name, err, resp)
		}
		resp.Body.Close()
		resp, err = c.Post("http://"+addr+"/api/v1/tokens", "application/json", strings.NewReader(`{"name":"cli"}`))
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("%s makes a token: %v", name, err)
		}
		var tok struct{ Token string }
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/environments/1/processes", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s lists processes: %v %v", name, err, resp)
		}
		var list struct{ Processes []struct{ Name string } }
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if len(list.Processes) != n {
			t.Errorf("%s sees %d processes %v, want %d", name, len(list.Processes), list.Processes, n)
		}
		if n == 0 {
			continue
		}
		// Every process the user sees has data and a report.
		req, _ = http.NewRequest("GET", "http://"+addr+"/api/v1/environments/1/processes", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		var ids struct{ Processes []struct{ ID int } }
		if resp, err = http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(resp.Body).Decode(&ids)
			resp.Body.Close()
		}
		for _, p := range ids.Processes {
			req, _ = http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/environments/1/processes/%d/report", addr, p.ID), nil)
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			resp, err = http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("%s: report of process %d: %v %v", name, p.ID, err, resp.StatusCode)
				continue
			}
			var report struct{ Cases int }
			json.NewDecoder(resp.Body).Decode(&report)
			resp.Body.Close()
			// A report reader's count carries a little noise (disclosure
			// control); a few cases either way.
			if report.Cases < 300-15 {
				t.Errorf("%s: process %d has %d cases", name, p.ID, report.Cases)
			}
		}
	}
	// Invoice handling (process 3) has recordings: maker, a contributor,
	// lists only its own and reads them in full; maker2's it reads, by id,
	// as step names only.
	jar, _ = cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err = c.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"maker","password":"`+passwords["maker"]+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("maker signs in: %v %v", err, resp)
	}
	resp.Body.Close()
	var recs struct {
		Recordings []struct {
			ID           int
			RecorderName string `json:"recorder_name"`
		}
	}
	if resp, err = c.Get("http://" + addr + "/api/v1/environments/1/processes/3/recordings"); err == nil {
		json.NewDecoder(resp.Body).Decode(&recs)
		resp.Body.Close()
	}
	listed := map[int]bool{}
	for _, r := range recs.Recordings {
		if r.RecorderName != "maker" {
			t.Errorf("maker lists %s's recording %d", r.RecorderName, r.ID)
		}
		listed[r.ID] = true
	}
	if len(recs.Recordings) != 2 {
		t.Fatalf("recordings of Invoice handling: %+v (%v)", recs, err)
	}
	views := map[string]int{}
	for id := 1; id <= 3; id++ {
		var got struct{ View string }
		if resp, err = c.Get(fmt.Sprintf("http://%s/api/v1/environments/1/processes/3/recordings/%d", addr, id)); err == nil {
			json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
		}
		if want := map[bool]string{true: "full", false: "names"}[listed[id]]; got.View != want {
			t.Errorf("maker reads recording %d: %q, want %q", id, got.View, want)
		}
		views[got.View]++
	}
	if views["full"] != 2 || views["names"] != 1 {
		t.Errorf("maker's views of the three recordings: %v", views)
	}
	// Task mining: maker, a contributor, reads it as a report reader, and
	// the others' recordings are too few to show; maker2, the owner, reads
	// all three.
	if resp, err = c.Get("http://" + addr + "/api/v1/environments/1/processes/3/task-mining"); err != nil || resp.StatusCode != 422 {
		t.Errorf("task mining for a contributor: %v %v", err, resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	jar, _ = cookiejar.New(nil)
	owner := &http.Client{Jar: jar}
	resp, err = owner.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"maker2","password":"`+passwords["maker2"]+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("maker2 signs in: %v %v", err, resp)
	}
	resp.Body.Close()
	var tm struct {
		Usage struct{ Recordings, Switches int }
	}
	if resp, err = owner.Get("http://" + addr + "/api/v1/environments/1/processes/3/task-mining"); err == nil {
		json.NewDecoder(resp.Body).Decode(&tm)
		resp.Body.Close()
	}
	if tm.Usage.Recordings != 3 || tm.Usage.Switches == 0 {
		t.Errorf("task mining: %+v", tm)
	}
	if code := stop(); code != 0 {
		t.Errorf("demo exited %d", code)
	}
}

// TestDemoData: each demo process holds data of its own kind: order to
// cash and expense claims have none of purchase to pay's activities.
func TestDemoData(t *testing.T) {
	p2p := demoLog("Purchase to pay")
	for _, name := range []string{"Order to cash", "Expense claims"} {
		l := demoLog(name)
		for _, a := range l.Activities.Names() {
			if _, ok := p2p.Activities.Lookup(a); ok {
				t.Errorf("%s has purchase to pay's %q", name, a)
			}
		}
	}
	if _, ok := demoLog("Order to cash").Activities.Lookup("Confirm Order"); !ok {
		t.Error("order to cash without Confirm Order")
	}
}

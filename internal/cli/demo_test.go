package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/generate"
)

var update = flag.Bool("update", false, "rewrite the demo's reference models in demodata/")

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
	// Order to cash (process 2) has a reference model that its data
	// deviates from: analyst, whose team owns the process, replays the
	// data on it through the API and sees the deviations in the studio.
	jar, _ = cookiejar.New(nil)
	analyst := &http.Client{Jar: jar}
	resp, err = analyst.PostForm("http://"+addr+"/signin", map[string][]string{"username": {"analyst"}, "password": {passwords["analyst"]}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("analyst signs in: %v %v", err, resp)
	}
	resp.Body.Close()
	var fit struct {
		Model         string
		LogFitness    float64 `json:"log_fitness"`
		Traces        int
		FittingTraces int `json:"fitting_traces"`
		Activities    []struct{ Activity string }
		NotInModel    map[string]int `json:"not_in_model"`
	}
	if resp, err = analyst.Get("http://" + addr + "/api/v1/environments/1/processes/2/conformance?model=reference"); err == nil {
		json.NewDecoder(resp.Body).Decode(&fit)
		resp.Body.Close()
	}
	confirm := false
	for _, a := range fit.Activities {
		confirm = confirm || a.Activity == "Confirm Order"
	}
	if err != nil || fit.Model != "reference" || !(fit.LogFitness > 0.5 && fit.LogFitness < 1) || fit.FittingTraces >= fit.Traces || !confirm || len(fit.NotInModel) == 0 {
		t.Errorf("order to cash on its reference model: %+v (%v)", fit, err)
	}
	if resp, err = analyst.Get("http://" + addr + "/e/1/p/2/conformance?model=reference"); err == nil {
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(page), `id="deviations"`) || !strings.Contains(string(page), "order-to-cash.bpmn") {
		t.Errorf("the conformance page of order to cash on its reference model: %v\n%s", err, page)
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

// TestDemoReferenceModels: a demo process's reference model is its
// generator's intended process, as BPMN that the API accepts, and the
// demo's data deviates from it: the token replay the conformance report
// runs finds a fitness below 1 and deviating activities. With -update the
// files are drawn again (in this process: the demo itself lays nothing
// out).
func TestDemoReferenceModels(t *testing.T) {
	intended := map[string]*generate.Process{
		"order-to-cash.bpmn":    generate.OrderToCash(),
		"invoice-handling.bpmn": generate.InvoiceHandling(),
		"expense-claims.bpmn":   generate.ExpenseClaims(),
	}
	models := 0
	for name, d := range demoData {
		if d.reference == "" {
			continue
		}
		models++
		p := intended[d.reference]
		if p == nil {
			t.Fatalf("%s: no intended process for %s", name, d.reference)
		}
		want := bpmn.FromTree(p.Intended())
		path := filepath.Join("demodata", d.reference)
		if *update {
			var b bytes.Buffer
			if err := bpmn.Write(context.Background(), &b, want); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := bpmn.Read(bytes.NewReader(data), d.reference)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%s is not %s's intended process %s: run go test -run TestDemoReferenceModels -update", path, name, p.Intended())
		}
		net := m.Net()
		if err := conformance.Check(net); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		res, err := conformance.Replay(context.Background(), demoLog(name).Instances(), net)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s on %s: fitness %.3f, %d of %d traces fit, %d activities deviate, not in the model %v",
			name, d.reference, res.LogFitness, res.FittingTraces, res.Traces, len(res.Deviating()), res.NotInModel)
		if res.LogFitness >= 1 || res.FittingTraces == res.Traces || len(res.Deviating()) == 0 {
			t.Errorf("%s fits its reference model: %+v", name, res)
		}
	}
	if models == 0 {
		t.Error("no demo process has a reference model")
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/testlogs"
)

const runningExampleIM = "->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )"

type conformanceJSON struct {
	Model                     string         `json:"model"`
	LogFitness                float64        `json:"log_fitness"`
	AverageTraceFitness       float64        `json:"average_trace_fitness"`
	PercentageOfFittingTraces float64        `json:"percentage_of_fitting_traces"`
	NotInModel                map[string]int `json:"not_in_model"`
	Activities                []struct {
		Activity           string
		Missing, Remaining int
	}
}

// TestModelAndConformance: over HTTP, on both stores, the owner of the
// process gets the model mined from its data (a viewer, through disclosure
// control, only what five cases share) (IMf's tree, as PM4Py's; BPMN
// that reads back; PNML; SVG) and its conformance; the owner sets a
// reference model (BPMN, then PNML) that the data is then compared with;
// wrong parameters and bad files are refused with what is wrong and
// change nothing; only who may change the process sets or removes the
// reference model.
func TestModelAndConformance(t *testing.T) {
	xes, err := os.ReadFile(testlogs.Path(t, "xes/running-example.xes"))
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, viewer, basic := w.c["owner"], w.c["viewer"], w.c["basic"]
			if j := owner.importLog(w.process+"/data", "running-example.xes", xes, nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}

			// A viewer reads reports through disclosure control: no path of
			// the running example is shared by five cases, so there is no
			// model to show it. The exact figures below are the owner's.
			for _, q := range []string{"/model", "/model?format=bpmn", "/conformance", "/conformance?format=svg"} {
				if code, body := viewer.do("GET", w.process+q, "", nil); code != 422 || errorCode(t, body) != "too_few_cases" {
					t.Errorf("viewer %s: %d %s", q, code, body)
				}
			}
			var m struct {
				Algorithm           string
				Tree                string
				Places, Transitions int
			}
			owner.json("GET", w.process+"/model", "", 200, &m)
			want, _ := processtree.Parse(runningExampleIM)
			got, err := processtree.Parse(m.Tree)
			if err != nil || got.Canonical() != want.Canonical() || m.Places != 9 || m.Transitions != 10 {
				t.Errorf("model: %+v (%v)", m, err)
			}
			code, body := owner.do("GET", w.process+"/model?format=bpmn", "", nil)
			if code != 200 {
				t.Fatalf("bpmn: %d %s", code, body)
			}
			if bm, err := bpmn.Read(strings.NewReader(body), "model.bpmn"); err != nil || len(bm.Nodes) == 0 {
				t.Errorf("the BPMN does not read back: %v", err)
			}
			code, body = owner.do("GET", w.process+"/model?format=pnml&noise=0", "", nil)
			if n, err := petrinet.ReadPNML(strings.NewReader(body), "m.pnml"); code != 200 || err != nil || len(n.Places) != 9 {
				t.Errorf("pnml: %d %v", code, err)
			}
			code, body = owner.do("GET", w.process+"/model?format=svg&algorithm=heuristics", "", nil)
			if code != 200 || strings.Count(body, `class="task"`) != 8 {
				t.Errorf("svg of the heuristics model: %d %.200s", code, body)
			}

			// The studio's model page keeps what it drew under every
			// setting of the miner: asking for other AND and loop
			// thresholds draws another model, not the one kept first.
			page := fmt.Sprintf("/e/%d/p/%d/model?algorithm=heuristics", w.env, w.pid)
			size := regexp.MustCompile(`id="model-size">(\d+) BPMN elements, (\d+) flows`)
			_, first := owner.do("GET", page, "", nil)
			_, other := owner.do("GET", page+"&and=0.99&loop2=0.99", "", nil)
			if a, b := size.FindStringSubmatch(first), size.FindStringSubmatch(other); a == nil || b == nil || a[0] == b[0] {
				t.Errorf("the model page with other thresholds: %v, before %v", b, a)
			}

			var c conformanceJSON
			owner.json("GET", w.process+"/conformance", "", 200, &c)
			if c.Model != "discovered" || c.LogFitness != 1 || c.PercentageOfFittingTraces != 100 {
				t.Errorf("conformance on its own model: %+v", c)
			}
			for _, q := range []struct{ query, want string }{
				{"/model?algorithm=alpha", "algorithm must be inductive or heuristics"},
				{"/model?noise=2", "noise must be between 0 and 1"},
				{"/model?format=png", "format must be json, bpmn, pnml or svg"},
				{"/model?algorithm=heuristics&dependency=x", "dependency must be a number"},
				{"/conformance?model=mine", "model must be discovered or reference"},
				{"/conformance?format=bpmn", "format must be json or svg"},
			} {
				if code, body := viewer.do("GET", w.process+q.query, "", nil); code != 422 || !strings.Contains(body, q.want) {
					t.Errorf("%s: %d %s", q.query, code, body)
				}
			}

			// No reference model yet.
			if code, body := viewer.do("GET", w.process+"/conformance?model=reference", "", nil); code != 409 || errorCode(t, body) != "no_reference_model" {
				t.Errorf("reference before one is set: %d %s", code, body)
			}
			// A reference model that leaves out the examinations and the
			// loop: the log deviates from it.
			ref, _ := processtree.Parse("->( 'register request', 'check ticket', 'decide', X( 'pay compensation', 'reject request' ) )")
			var b bytes.Buffer
			if err := bpmn.Write(context.Background(), &b, bpmn.FromTree(ref)); err != nil {
				t.Fatal(err)
			}
			xml := map[string]string{"Content-Type": "application/xml"}
			put := w.process + "/reference-model?name="
			for _, c := range []struct {
				who  *client
				name string
				body string
				code int
				want string
			}{
				{viewer, "ref.bpmn", b.String(), 403, "forbidden"},
				{basic, "ref.bpmn", b.String(), 404, "not_found"},
				{owner, "ref.txt", b.String(), 422, "name the file"},
				{owner, "ref.bpmn", "<pnml/>", 422, "ref.bpmn: line 1: a BPMN file starts with"},
				{owner, "ref.pnml", "<pnml><net><page><place id='p'/></page></net></pnml>", 422, "ref.pnml: the net has no initial marking"},
				{owner, "ref.bpmn", strings.Repeat(" ", maxModelFile+1), 413, "too_large"},
			} {
				code, body := c.who.do("PUT", put+c.name, c.body, xml)
				if code != c.code || !strings.Contains(body, c.want) {
					t.Errorf("PUT %s: %d %.300s", c.name, code, body)
				}
			}
			if code, _ := viewer.do("GET", w.process+"/reference-model", "", nil); code != 404 {
				t.Errorf("refused uploads stored something: %d", code)
			}
			if code, body := owner.do("PUT", put+"ref.bpmn", b.String(), xml); code != 200 || !strings.Contains(body, `"format":"bpmn"`) {
				t.Fatalf("PUT the reference: %d %s", code, body)
			}
			c = conformanceJSON{}
			owner.json("GET", w.process+"/conformance?model=reference", "", 200, &c)
			if c.Model != "reference" || c.LogFitness >= 0.95 || c.PercentageOfFittingTraces != 0 || c.NotInModel["examine casually"] == 0 || c.NotInModel["reinitiate request"] == 0 {
				t.Errorf("conformance on the reference: %+v", c)
			}
			// The model has no loop: 'check ticket' comes again after a
			// reinitiation and finds its token missing (it sorts first of
			// the three activities with 3 tokens each).
			if len(c.Activities) == 0 || c.Activities[0].Activity != "check ticket" || c.Activities[0].Missing == 0 {
				t.Errorf("deviations on the reference: %+v", c.Activities)
			}
			code, body = owner.do("GET", w.process+"/conformance?model=reference&format=svg", "", nil)
			if code != 200 || !strings.Contains(body, " missing · ") {
				t.Errorf("the reference drawn with deviations: %d %.300s", code, body)
			}
			if code, body := viewer.do("GET", w.process+"/reference-model", "", nil); code != 200 || body != b.String() {
				t.Errorf("download of the reference: %d", code)
			}

			// Replaced by the PNML of the log's own model: it fits, and
			// the kept answer for the BPMN is not served again.
			tree, _ := processtree.Parse(runningExampleIM)
			var pn bytes.Buffer
			petrinet.WritePNML(&pn, petrinet.FromTree(tree))
			if code, body := owner.do("PUT", put+"own.pnml", pn.String(), xml); code != 200 {
				t.Fatalf("PUT the PNML: %d %s", code, body)
			}
			c = conformanceJSON{}
			owner.json("GET", w.process+"/conformance?model=reference", "", 200, &c)
			if c.LogFitness != 1 || len(c.NotInModel) != 0 {
				t.Errorf("conformance on the replaced reference: %+v", c)
			}
			if code, body := owner.do("GET", w.process+"/conformance?model=reference&format=svg", "", nil); code != 409 || errorCode(t, body) != "no_drawing" {
				t.Errorf("a PNML reference drawn: %d %s", code, body)
			}
			var info struct{ Format, Name string }
			owner.json("GET", w.process+"/reference-model?info=true", "", 200, &info)
			if info.Format != "pnml" || info.Name != "own.pnml" {
				t.Errorf("info: %+v", info)
			}

			if code, _ := viewer.do("DELETE", w.process+"/reference-model", "", nil); code != 403 {
				t.Errorf("viewer deletes the reference: %d", code)
			}
			if code, _ := owner.do("DELETE", w.process+"/reference-model", "", nil); code != 204 {
				t.Errorf("owner deletes the reference: %d", code)
			}
			if code, _ := owner.do("DELETE", w.process+"/reference-model", "", nil); code != 404 {
				t.Errorf("deleting it twice: %d", code)
			}
			// A log of more activities than the server mines from is
			// refused, saying why and what to do.
			var many strings.Builder
			many.WriteString("case,activity,time\n")
			for i := range report.MaxMinedActivities + 1 {
				fmt.Fprintf(&many, "c%d,a%d,2026-01-01T%02d:%02d:00Z\n", i%7, i, i/60%24, i%60)
			}
			var wide processJSON
			owner.json("POST", w.base+"/processes", `{"name":"wide"}`, 201, &wide)
			widePath := fmt.Sprintf("%s/processes/%d", w.base, wide.ID)
			if j := owner.importLog(widePath+"/data", "wide.csv", []byte(many.String()), map[string]string{"case": "case", "activity": "activity", "timestamp": "time"}); j.State != "done" {
				t.Fatalf("import of the wide log: %+v", j)
			}
			for _, q := range []string{"/model", "/conformance", "/model?algorithm=heuristics"} {
				if code, body := owner.do("GET", widePath+q, "", nil); code != 422 || !strings.Contains(body, "the log has 301 activities; the server mines models from at most 300") {
					t.Errorf("%s of a log of 301 activities: %d %.200s", q, code, body)
				}
			}

			var audit struct {
				Entries []struct{ Action, Detail string }
			}
			w.root.json("GET", w.base+"/audit", "", 200, &audit)
			raw, _ := json.Marshal(audit)
			for _, a := range []string{"process.reference_model.set", "process.reference_model.delete", "own.pnml"} {
				if !strings.Contains(string(raw), a) {
					t.Errorf("the audit lacks %s", a)
				}
			}
		})
	}
}

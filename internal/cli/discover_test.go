package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestDiscover: `procmine discover` prints the inductive miner's tree of
// the running example (PM4Py's), writes it as a Petri net in PNML that
// reads back, writes BPMN and SVG, gives IMf's tree with --noise and the
// heuristics miner's BPMN with --algorithm heuristics, and refuses flags
// that do not go together with exit code 2.
func TestDiscover(t *testing.T) {
	log := testlogs.Path(t, "xes/running-example.xes")
	code, out, errOut := runCode("discover", log, "--raw-events")
	if code != 0 {
		t.Fatalf("discover: %d %s", code, errOut)
	}
	got, err := processtree.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want, _ := processtree.Parse("->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )")
	if got.Canonical() != want.Canonical() {
		t.Errorf("tree:\n got %s\nwant %s", got, want)
	}
	pnml := filepath.Join(t.TempDir(), "model.pnml")
	if code, _, errOut := runCode("discover", log, "-o", pnml); code != 0 {
		t.Fatalf("discover -o model.pnml: %d %s", code, errOut)
	}
	f, err := os.Open(pnml)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := petrinet.ReadPNML(f, pnml)
	if err != nil {
		t.Fatal(err)
	}
	labels := 0
	for _, tr := range n.Transitions {
		if !tr.Silent() {
			labels++
		}
	}
	if labels != 8 {
		t.Errorf("the net has %d labelled transitions, want the 8 activities", labels)
	}
	// As BPMN (read back, it replays the log without a deviation) and
	// drawn as SVG.
	bpmnFile, svgFile := filepath.Join(t.TempDir(), "model.bpmn"), filepath.Join(t.TempDir(), "model.svg")
	for _, f := range []string{bpmnFile, svgFile} {
		if code, _, errOut := runCode("discover", log, "-o", f); code != 0 {
			t.Fatalf("discover -o %s: %d %s", f, code, errOut)
		}
	}
	if code, out, errOut := runCode("conformance", log, bpmnFile); code != 0 || !strings.Contains(out, "fitting traces         100.00% (6 of 6)") {
		t.Errorf("conformance on the BPMN: %d %s %s", code, out, errOut)
	}
	if svg, err := os.ReadFile(svgFile); err != nil || strings.Count(string(svg), `class="task"`) != 8 {
		t.Errorf("the SVG should draw the 8 tasks: %v %.300s", err, svg)
	}

	// The heuristics miner's model, as BPMN, replays the log closely.
	hm := filepath.Join(t.TempDir(), "heuristics.bpmn")
	if code, _, errOut := runCode("discover", log, "--algorithm", "heuristics", "-o", hm); code != 0 {
		t.Fatalf("discover --algorithm heuristics: %d %s", code, errOut)
	}
	if code, out, errOut := runCode("conformance", log, hm); code != 0 || !strings.Contains(out, "log fitness            0.98") {
		t.Errorf("conformance on the heuristics model: %d %s %s", code, out, errOut)
	}

	// IMf leaves out what is rare: on BPIC 2013 (closed problems) it gives
	// PM4Py's IMf tree, which IM's (a parallel of everything) is not.
	code, out, errOut = runCode("discover", testlogs.Path(t, "xes/06_bpic2013_closed.xes.gz"), "--noise", "0.2")
	if code != 0 {
		t.Fatalf("discover --noise 0.2: %d %s", code, errOut)
	}
	got, err = processtree.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want, _ = processtree.Parse("->( X( tau, 'Unmatched' ), *( ->( X( tau, *( 'Queued', tau ) ), 'Accepted' ), tau ), *( 'Completed', tau ) )")
	if got.Canonical() != want.Canonical() {
		t.Errorf("IMf tree:\n got %s\nwant %s", got, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"discover", log, "--noise", "1.5"}, "--noise must be between 0 and 1, not 1.5"},
		{[]string{"discover", log, "--algorithm", "alpha"}, `--algorithm must be inductive or heuristics, not "alpha"`},
		{[]string{"discover", log, "--algorithm", "heuristics", "--noise", "0.2"}, "--noise is the inductive miner's"},
		{[]string{"discover", log, "--dependency", "0.9"}, "--dependency is the heuristics miner's"},
		{[]string{"discover", log, "--algorithm", "heuristics", "--dependency", "2"}, "the dependency threshold must be between -1 and 1, not 2"},
		{[]string{"discover", log, "-o", "model.dot"}, `cannot write a model as "dot"`},
	} {
		if code, _, errOut := runCode(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %s", c.args, code, errOut)
		}
	}
}

// TestConformance: `procmine conformance LOG MODEL --json` prints
// log_fitness, average_trace_fitness and percentage_of_fitting_traces; a
// log replayed on its own IMf model gives PM4Py's figures; a model of
// another process shows the deviations; a model that is not one is
// refused with the file named.
func TestConformance(t *testing.T) {
	dir := t.TempDir()
	log := testlogs.Path(t, "xes/08_receipt.xes.gz")
	pnml := filepath.Join(dir, "receipt.pnml")
	if code, _, errOut := runCode("discover", log, "--raw-events", "--noise", "0.2", "-o", pnml); code != 0 {
		t.Fatalf("discover: %d %s", code, errOut)
	}
	code, out, errOut := runCode("conformance", log, pnml, "--raw-events", "--json")
	if code != 0 {
		t.Fatalf("conformance: %d %s", code, errOut)
	}
	var res struct {
		LogFitness                *float64 `json:"log_fitness"`
		AverageTraceFitness       *float64 `json:"average_trace_fitness"`
		PercentageOfFittingTraces *float64 `json:"percentage_of_fitting_traces"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.LogFitness == nil || res.AverageTraceFitness == nil || res.PercentageOfFittingTraces == nil {
		t.Fatalf("%v: %s", err, out)
	}
	// PM4Py 2.7.11 on the same log and model: 0.94472, 0.91668, 49.72%.
	if math.Abs(*res.LogFitness-0.94472) > 0.001 || math.Abs(*res.AverageTraceFitness-0.91668) > 0.001 || math.Abs(*res.PercentageOfFittingTraces-49.72) > 0.1 {
		t.Errorf("fitness %v, average %v, fitting %v%%", *res.LogFitness, *res.AverageTraceFitness, *res.PercentageOfFittingTraces)
	}

	// The running example on the receipt's model: nothing fits.
	code, out, errOut = runCode("conformance", testlogs.Path(t, "xes/running-example.xes"), pnml)
	if code != 0 || !strings.Contains(out, "fitting traces         0.00% (0 of 6)") || !strings.Contains(out, "events of activities not in the model") || !strings.Contains(out, "register request") {
		t.Errorf("another process: %d %s %s", code, out, errOut)
	}

	bad := filepath.Join(dir, "bad.pnml")
	if err := os.WriteFile(bad, []byte("<pnml><net><page><place id='a'/><arc id='x' source='a' target='a'/></page></net></pnml>"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"conformance", log, bad}, 1, bad + `: arc "x" from "a" to "a" must join a place and a transition`},
		{[]string{"conformance", log, filepath.Join(dir, "model.xml")}, 2, "a model must be BPMN (.bpmn), a Petri net (.pnml) or a process tree (.ptml)"},
		{[]string{"conformance", log}, 2, "MODEL"},
	} {
		if code, _, errOut := runCode(c.args...); code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %s", c.args, code, errOut)
		}
	}
}

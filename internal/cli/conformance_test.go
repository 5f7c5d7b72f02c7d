package cli

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestAlignmentsDoNotDependOnTheModelsFormat: receipt's IMf model saved
// as BPMN and as PNML gives one alignment-based fitness (token replay
// gives 0.9559 and 0.9447); only PM4Py's log fitness, which counts each
// silent step at cost 1, moves in the fifth decimal, as the two nets
// have other silent transitions. The method is printed with the figures.
func TestAlignmentsDoNotDependOnTheModelsFormat(t *testing.T) {
	log := testlogs.Path(t, "xes/08_receipt.xes.gz")
	dir := t.TempDir()
	type figures struct {
		Method     string  `json:"method"`
		Log        float64 `json:"log_fitness"`
		Average    float64 `json:"average_trace_fitness"`
		Fitting    float64 `json:"fitting_share"`
		Cases      int     `json:"cases"`
		Deviations []struct {
			Activity, Kind string
			Cases          int
		} `json:"deviations"`
		Precision struct {
			Value float64 `json:"value"`
		} `json:"precision"`
	}
	var got []figures
	for _, name := range []string{"imf.pnml", "imf.bpmn"} {
		model := filepath.Join(dir, name)
		if code, _, errs := runCode("discover", log, "--noise", "0.2", "-o", model); code != 0 {
			t.Fatalf("discover %s: %d %s", name, code, errs)
		}
		code, out, errs := runCode("conformance", log, model, "--method", "alignments", "--json")
		if code != 0 {
			t.Fatalf("conformance %s: %d %s", name, code, errs)
		}
		var f figures
		if err := json.Unmarshal([]byte(out), &f); err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
		if code, out, _ := runCode("conformance", log, model, "--method", "alignments"); code != 0 || !strings.Contains(out, "method                 alignments") ||
			!strings.Contains(out, "precision  0.25") || !strings.Contains(out, "allowed but never done") {
			t.Errorf("the text output does not name the method or give precision: %s", out)
		}
	}
	p, b := got[0], got[1]
	if p.Method != "alignments" || p.Cases != 1434 || p.Average != b.Average || p.Fitting != b.Fitting || len(p.Deviations) != len(b.Deviations) || math.Abs(p.Log-b.Log) > 1e-4 {
		t.Errorf("PNML %+v\nBPMN %+v", p, b)
	}
	if p.Precision != b.Precision || math.Abs(p.Precision.Value-0.2520822435923229) > 1e-12 {
		t.Errorf("precision: PNML %v, BPMN %v", p.Precision, b.Precision)
	}
	if code, out, _ := runCode("conformance", log, filepath.Join(dir, "imf.bpmn")); code != 0 || !strings.Contains(out, "token-based replay") || !strings.Contains(out, "precision  0.25") {
		t.Errorf("token replay does not give precision beside its fitness: %s", out)
	}
	if code, out, _ := runCode("conformance", log, filepath.Join(dir, "imf.bpmn"), "--budget", "10"); code != 0 || !strings.Contains(out, "precision  not computed: the prefix search exceeded --budget 10 states") {
		t.Errorf("a precision past its budget: %s", out)
	}
	if math.Abs(p.Average-0.8154953330871841) > 1e-12 {
		t.Errorf("average trace fitness %v", p.Average)
	}
	if code, _, errs := runCode("conformance", log, filepath.Join(dir, "imf.pnml"), "--method", "guess"); code != 2 || !strings.Contains(errs, "token-replay or alignments") {
		t.Errorf("--method guess: %d %s", code, errs)
	}
}

package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestRootCauseCommand: receipt's cases over 10 days explained by its
// activities, resources and attributes, with a tree; a threshold
// withholds small groups; bad outcomes are refused.
func TestRootCauseCommand(t *testing.T) {
	log := testlogs.Path(t, "xes/08_receipt.xes.gz")
	code, out, errs := runCode("rootcause", log, "--outcome", "duration>10d")
	for _, want := range []string{"outcome: case longer than 10d: ", "factors, the most outcome cases", "decision tree", "all cases: 1434 cases"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("the text does not say %q: %d %s %s", want, code, out, errs)
		}
	}
	var r struct {
		Cases    int `json:"cases"`
		Withheld int `json:"factors_withheld"`
		Factors  []struct {
			Cases   int `json:"cases"`
			Outcome int `json:"outcome_cases"`
		} `json:"factors"`
	}
	code, out, errs = runCode("rootcause", log, "--outcome", "duration>10d", "--min-cases", "20", "--factors", "200", "--json")
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Cases != 1434 || r.Withheld == 0 || len(r.Factors) == 0 {
		t.Fatalf("%d %v %s %+v", code, err, errs, r)
	}
	for _, f := range r.Factors {
		if f.Cases < 20 || (f.Outcome > 0 && f.Outcome < 20) || (f.Cases-f.Outcome > 0 && f.Cases-f.Outcome < 20) {
			t.Errorf("a group under 20 cases shown: %+v", f)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rootcause", log}, "--outcome"},
		{[]string{"rootcause", log, "--outcome", "slow"}, `outcome "slow"`},
		{[]string{"rootcause", log, "--outcome", "rework", "--depth", "9"}, "--depth: 1 to 5"},
	} {
		if code, _, errs := runCode(c.args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %s", c.args[2:], code, errs)
		}
	}
	if code, _, errs := runCode("rootcause", log, "--outcome", "activity=Nothing"); code != 1 || !strings.Contains(errs, `no activity is called "Nothing"`) {
		t.Errorf("an unknown activity: %d %s", code, errs)
	}
}

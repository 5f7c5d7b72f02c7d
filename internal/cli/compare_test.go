package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestCompareCommand: receipt's cases started before and after 2011-01-01
// compared; the cohorts partition the log, the JSON carries the tests and
// the difference map is written; bad cohorts are refused.
func TestCompareCommand(t *testing.T) {
	log := testlogs.Path(t, "xes/08_receipt.xes.gz")
	dir := t.TempDir()
	a, b := "to=2010-12-31&time-mode=started", "from=2011-01-01&time-mode=started"
	code, out, errs := runCode("compare", log, "--a", a, "--b", b, "--json", "-o", filepath.Join(dir, "diff.dot"))
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	var r struct {
		A, B struct {
			Cases int `json:"cases"`
		}
		Duration *struct {
			P      float64 `json:"p_value"`
			Effect float64 `json:"effect_size"`
		} `json:"case_duration_test"`
		Activities []struct {
			Activity string
			Test     struct {
				P        float64 `json:"p_value"`
				Adjusted float64 `json:"adjusted_p_value"`
			} `json:"test"`
		} `json:"activities"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.A.Cases+r.B.Cases != 1434 || r.A.Cases == 0 || r.B.Cases == 0 || r.Duration == nil || r.Duration.P <= 0 || r.Duration.P > 1 || len(r.Activities) < 10 {
		t.Errorf("%+v", r)
	}
	for _, x := range r.Activities {
		if x.Test.Adjusted < x.Test.P {
			t.Errorf("%s: adjusted p %v under p %v", x.Activity, x.Test.Adjusted, x.Test.P)
		}
	}
	if dot, err := os.ReadFile(filepath.Join(dir, "diff.dot")); err != nil || !strings.HasPrefix(string(dot), "digraph compare {") {
		t.Errorf("difference map: %v %.80s", err, dot)
	}
	if code, _, errs := runCode("compare", log, "--a", a, "--b", b, "-o", filepath.Join(dir, "diff.svg")); code != 0 {
		t.Errorf("an SVG difference map: %d %s", code, errs)
	} else if svg, err := os.ReadFile(filepath.Join(dir, "diff.svg")); err != nil || !strings.Contains(string(svg), "</svg>") || !strings.Contains(string(svg), "Red: a larger share of cases in B") {
		t.Errorf("the SVG: %v %.200s", err, svg)
	}
	code, out, _ = runCode("compare", log, "--a", a, "--b", b)
	for _, want := range []string{"median case duration", "Mann-Whitney U", "Holm", "Cohen's h", "variants only in B (appeared)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("the text does not say %q: %s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"compare", log}, 2, "give at least one cohort's filters"},
		{[]string{"compare", log, "--a", "colour=red"}, 2, `--a: "colour" is not a filter parameter`},
		{[]string{"compare", log, "--a", "from=yesterday"}, 2, "--a from"},
		{[]string{"compare", log, "--b", "%zz"}, 2, "--b: \"%zz\" is not a query string"},
		{[]string{"compare", log, "--a", "from=2030-01-01"}, 1, "cohort A has no cases: --a leaves no cases"},
		{[]string{"compare", log, "--a", a, "-o", filepath.Join(dir, "diff.png")}, 2, "written as .svg or .dot"},
	} {
		code, _, errs := runCode(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %s, want %d %q", c.args[2:], code, errs, c.code, c.want)
		}
	}
}

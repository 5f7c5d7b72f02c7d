package studio

import (
	"regexp"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/mining"
)

// TestChartsNameEveryBar: a chart is a group named by its title, and each
// bar an image named by its figure, so that a screen reader reads the
// figures, not the title alone; names are escaped.
func TestChartsNameEveryBar(t *testing.T) {
	svg := string(timelineSVG([]mining.Bucket{
		{Start: "2024-01-01T00:00:00Z", Events: 120},
		{Start: "2024-02-01T00:00:00Z", Events: 0},
		{Start: "2024-03-01T00:00:00Z", Withheld: true},
	}))
	if !strings.HasPrefix(svg, `<svg `) || !strings.Contains(svg, `role="group" aria-label="Events over time"`) {
		t.Errorf("the chart is not a named group: %s", svg)
	}
	bars := regexp.MustCompile(`<rect [^>]*role="img" aria-label="([^"]*)"`).FindAllStringSubmatch(svg, -1)
	want := []string{"2024-01-01: 120 events", "2024-02-01: 0 events", "2024-03-01: too few cases to show"}
	if len(bars) != len(want) {
		t.Fatalf("%d named bars, want %d: %s", len(bars), len(want), svg)
	}
	for i, b := range bars {
		if b[1] != want[i] {
			t.Errorf("bar %d is named %q, want %q", i, b[1], want[i])
		}
	}
	if got := string(barsSVG(`<b>"x"`, []float64{1}, []string{`a<b>&"c"`})); strings.Contains(got, "<b>") || strings.Contains(got, `"c"`) {
		t.Errorf("names are not escaped: %s", got)
	}
}

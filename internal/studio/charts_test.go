package studio

import (
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/mining"
)

func TestHistogramHasAxes(t *testing.T) {
	bins := []mining.Bin{
		{From: 0, To: 60, Cases: 1200}, {From: 60, To: 300, Cases: 180}, {From: 300, To: 3600, Cases: 7, Withheld: true},
		{From: 3600, To: 86400, Cases: 40}, {From: 86400, To: 7 * 86400, Cases: 7},
	}
	svg := string(histogramSVG(bins))
	var doc struct {
		Texts []string `xml:"text"`
		Rects []struct {
			Class string `xml:"class,attr"`
			Title string `xml:"title"`
		} `xml:"rect"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
	all := strings.Join(doc.Texts, "|")
	for _, want := range []string{"Cases", "Case duration (logarithmic scale)", "0", "1,500", "0 s", "1 min", "1 h", "24 h", "7 d"} {
		if !strings.Contains("|"+all+"|", "|"+want+"|") {
			t.Errorf("no %q among the chart's texts %q", want, all)
		}
	}
	if len(doc.Rects) != len(bins) {
		t.Fatalf("%d bars for %d bins", len(doc.Rects), len(bins))
	}
	if r := doc.Rects[2]; r.Class != "withheld" || !strings.Contains(r.Title, "too few cases to show") || strings.Contains(r.Title, "7") {
		t.Errorf("a withheld bin is drawn as %+v", r)
	}
	if r := doc.Rects[0]; r.Title != "0 s to 1 min: 1,200 cases" {
		t.Errorf("first bar's title %q", r.Title)
	}
}

func TestYTicksAreRound(t *testing.T) {
	for top, want := range map[float64][2]float64{1: {1, 1}, 7: {2, 4}, 1200: {500, 3}, 1277: {500, 3}, 45: {20, 3}, 0: {1, 1}} {
		step, n := yTicks(top)
		if step != want[0] || float64(n) != want[1] {
			t.Errorf("yTicks(%v) = %v × %d, want %v × %v", top, step, n, want[0], want[1])
		}
	}
}

// TestChartsNameEveryBar: a chart is a group named by its title, and each
// bar an image named by its figure, so that a screen reader reads the
// figures, not the title alone; names are escaped.
func TestChartsNameEveryBar(t *testing.T) {
	svg := string(timelineSVG([]mining.Bucket{
		{Start: "2024-01-01T00:00:00Z", Events: 120},
		{Start: "2024-02-01T00:00:00Z", Events: 0},
		{Start: "2024-03-01T00:00:00Z", Withheld: true},
	}, "month"))
	if !strings.HasPrefix(svg, `<svg `) || !strings.Contains(svg, `role="group" aria-label="Events per month"`) {
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
	c := barChart{Label: `<b>"x"`, XTitle: "<i>", YTitle: "&", Bars: []bar{{Value: 1, Title: `a<b>&"c"`}}, XTicks: []string{"<u>"}}
	if got := string(c.svg()); strings.Contains(got, "<b>") || strings.Contains(got, `"c"`) || strings.Contains(got, "<i>") || strings.Contains(got, "<u>") {
		t.Errorf("names are not escaped: %s", got)
	}
}

package processmap

import (
	"bytes"
	"regexp"
	"testing"
)

// TestTextContrast: every filled shape of the map (activities, the start
// and the end) writes its text at a contrast of at least 4.5:1 with its
// fill, WCAG's AA level for small text; the labels are 9 to 11 points.
// Accessibility checkers read CSS colours and cannot judge Graphviz's
// fills, so this test does.
func TestTextContrast(t *testing.T) {
	l := load(t, "xes/running-example.xes")
	m, err := Build(l, Options{View: Frequency, Activities: 1, Paths: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.Marked = map[string]string{"decide": "1 missing · 0 left"}
	for _, view := range []View{Frequency, Performance} {
		m.View = view
		var buf bytes.Buffer
		if err := WriteDOT(&buf, m); err != nil {
			t.Fatal(err)
		}
		fill := regexp.MustCompile(`fillcolor="?(#[0-9a-f]{6})`)
		font := regexp.MustCompile(`fontcolor="?(white|#[0-9a-f]{6})`)
		shapes := 0
		for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
			f := fill.FindSubmatch(line)
			if f == nil {
				continue
			}
			shapes++
			text := "#000000" // Graphviz's default
			if c := font.FindSubmatch(line); c != nil {
				text = string(c[1])
			}
			if text == "white" {
				text = "#ffffff"
			}
			if r := contrast(t, string(f[1]), text); r < 4.5 {
				t.Errorf("%s view: text %s on %s has a contrast of %.2f:1, below 4.5:1: %s", view, text, f[1], r, line)
			}
		}
		if shapes < 4 {
			t.Errorf("%s view: %d filled shapes found", view, shapes)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two colours written #rrggbb
// (luminance is in scale_test.go).
func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

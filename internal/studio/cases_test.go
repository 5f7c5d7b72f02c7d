package studio

import (
	"fmt"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// TestDottedChartBounded: a case of 200,000 events among a thousand short
// ones does not make the dotted chart draw them all (the review's log:
// 10.5 MB of SVG on every request).
func TestDottedChartBounded(t *testing.T) {
	b := eventlog.NewBuilder()
	a := b.Log().Activities.ID("a")
	big, _ := b.Case("big")
	for i := range 200_000 {
		b.Event(big, a, int64(i)*1e9, eventlog.None, eventlog.None)
	}
	for i := range 1000 {
		c, _ := b.Case(fmt.Sprint(i))
		b.Event(c, a, int64(1+i)*1e9, eventlog.None, eventlog.None)
	}
	l := b.Finish()
	svg, note := dottedChartSVG(l, activityColours(l))
	if dots := strings.Count(string(svg), "<circle"); dots > dottedDots {
		t.Errorf("%d dots drawn, at most %d", dots, dottedDots)
	}
	if len(svg) > 2<<20 || !strings.Contains(note, "show every few of them") {
		t.Errorf("%d bytes of SVG; the note says %q", len(svg), note)
	}
}

package studio

import (
	"bytes"
	"fmt"
	"html/template"
	"math"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
)

// The studio's charts are SVG drawn on the server: bars with a y axis of
// round ticks and gridlines, labelled x positions, axis titles, and a
// title on every bar for the exact figure. A bar disclosure control
// withholds is drawn as an outline, so that the gap reads as "not shown",
// not as zero.

// bar is one bar of a chart.
type bar struct {
	Value    float64
	Title    string // the bar's tooltip: what it counts, exactly
	Withheld bool
}

// barChart is a bar chart: bars of equal width, xTicks[i] written at the
// left edge of bar i (and xTicks[len(bars)], if given, at the right edge
// of the last); an empty tick is not written.
type barChart struct {
	Label          string // the chart's accessible name
	XTitle, YTitle string
	Bars           []bar
	XTicks         []string
}

// The drawing's size, in the SVG's own units (a CSS pixel at full width).
const (
	chartW, chartH                       = 640.0, 240.0
	padLeft, padRight, padTop, padBottom = 56.0, 16.0, 12.0, 48.0
)

func (c barChart) svg() template.HTML {
	plotW, plotH := chartW-padLeft-padRight, chartH-padTop-padBottom
	top := 0.0
	for _, b := range c.Bars {
		top = max(top, b.Value)
	}
	step, ticks := yTicks(top)
	ymax := step * float64(ticks)
	var b bytes.Buffer
	esc := template.HTMLEscapeString
	// A group of bars, each an image named by its figure, so that a screen
	// reader reads every bar's figure as well as the chart's name (a single
	// image would keep only the name); the tooltip shows the same.
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="group" aria-label="%s" class="chart">`, chartW, chartH, esc(c.Label))
	// The y axis: round ticks, gridlines, the axis title.
	for i := 0; i <= ticks; i++ {
		v := step * float64(i)
		y := padTop + plotH - plotH*v/ymax
		fmt.Fprintf(&b, `<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, padLeft, y, padLeft+plotW, y)
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, padLeft-6, y, esc(thousands(int(v))))
	}
	fmt.Fprintf(&b, `<text class="axis-title" transform="translate(14 %.1f) rotate(-90)" text-anchor="middle">%s</text>`, padTop+plotH/2, esc(c.YTitle))
	// The bars.
	n := max(len(c.Bars), 1)
	bw := plotW / float64(n)
	for i, br := range c.Bars {
		x := padLeft + float64(i)*bw
		if br.Withheld {
			fmt.Fprintf(&b, `<rect class="withheld" x="%.1f" y="%.1f" width="%.1f" height="%.1f" role="img" aria-label="%s"><title>%s</title></rect>`,
				x+1, padTop, max(bw-2, 1), plotH, esc(br.Title), esc(br.Title))
			continue
		}
		h := plotH * br.Value / ymax
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" role="img" aria-label="%s"><title>%s</title></rect>`,
			x+1, padTop+plotH-h, max(bw-2, 1), h, esc(br.Title), esc(br.Title))
	}
	// The x axis: the baseline, the ticks (thinned so that they do not
	// run into each other), the axis title.
	base := padTop + plotH
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, padLeft, base, padLeft+plotW, base)
	every := 1
	for longest(c.XTicks)*6.5*float64(len(c.XTicks))/float64(every) > plotW*0.9 {
		every++
	}
	for i, t := range c.XTicks {
		if t == "" || i%every != 0 && i != len(c.XTicks)-1 {
			continue
		}
		x := padLeft + float64(i)*bw
		fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x, base, x, base+4)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, base+16, esc(t))
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%.1f" y="%g" text-anchor="middle">%s</text>`, padLeft+plotW/2, chartH-8, esc(c.XTitle))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

// yTicks chooses a round step (1, 2 or 5 times a power of ten, at least
// 1: counts are whole) and how many steps reach top, about four.
func yTicks(top float64) (step float64, ticks int) {
	if top <= 0 {
		return 1, 1
	}
	raw := top / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * p; step >= raw {
			break
		}
	}
	step = max(step, 1)
	return step, int(math.Ceil(top / step))
}

func longest(ss []string) float64 {
	n := 0
	for _, s := range ss {
		n = max(n, len([]rune(s)))
	}
	return float64(n)
}

// histogramSVG draws the case-duration histogram: bins on the duration
// ladder (report.DurationHistogram), whose edges are round durations in
// human units, and the cases in each.
func histogramSVG(bins []mining.Bin) template.HTML {
	c := barChart{Label: "Case durations: cases by how long they took", XTitle: "Case duration (logarithmic scale)", YTitle: "Cases"}
	for i, b := range bins {
		from, to := processmap.Duration(b.From), processmap.Duration(b.To)
		if b.OpenBelow {
			from = "up"
		}
		if b.OpenAbove {
			to = "longer"
		}
		br := bar{Value: float64(b.Cases), Title: fmt.Sprintf("%s to %s: %s", from, to, plural(b.Cases, "case", "cases"))}
		if b.Withheld {
			br = bar{Withheld: true, Title: fmt.Sprintf("%s to %s: too few cases to show", from, to)}
		}
		c.Bars = append(c.Bars, br)
		tick := processmap.Duration(b.From)
		if i == 0 && b.OpenBelow {
			tick = ""
		}
		c.XTicks = append(c.XTicks, tick)
		if i == len(bins)-1 && !b.OpenAbove {
			c.XTicks = append(c.XTicks, processmap.Duration(b.To))
		}
	}
	return c.svg()
}

// timelineSVG draws the events per period.
func timelineSVG(series []mining.Bucket, period string) template.HTML {
	c := barChart{Label: "Events per " + period, XTitle: "Period (" + period + ")", YTitle: "Events"}
	for _, b := range series {
		day := b.Start[:min(10, len(b.Start))]
		br := bar{Value: float64(b.Events), Title: fmt.Sprintf("%s: %s", day, plural(b.Events, "event", "events"))}
		if b.Withheld {
			br = bar{Withheld: true, Title: day + ": too few cases to show"}
		}
		c.Bars = append(c.Bars, br)
		c.XTicks = append(c.XTicks, day)
	}
	return c.svg()
}

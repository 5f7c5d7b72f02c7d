package studio

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
)

// histogramSVG draws the case-duration histogram as an accessible SVG bar
// chart, server-side.
func histogramSVG(bins []mining.Bin) template.HTML {
	values := make([]float64, len(bins))
	labels := make([]string, len(bins))
	for i, b := range bins {
		values[i] = float64(b.Cases)
		from, to := processmap.Duration(b.From), processmap.Duration(b.To)
		if b.OpenBelow {
			from = "up"
		}
		if b.OpenAbove {
			to = "longer"
		}
		labels[i] = fmt.Sprintf("%s to %s: %d cases", from, to, b.Cases)
		if b.Withheld {
			labels[i] = fmt.Sprintf("%s to %s: too few cases to show", from, to)
		}
	}
	return barsSVG("Case durations", values, labels)
}

// timelineSVG draws events per period.
func timelineSVG(series []mining.Bucket) template.HTML {
	values := make([]float64, len(series))
	labels := make([]string, len(series))
	for i, b := range series {
		values[i] = float64(b.Events)
		labels[i] = fmt.Sprintf("%s: %d events", b.Start[:10], b.Events)
		if b.Withheld {
			labels[i] = b.Start[:10] + ": too few cases to show"
		}
	}
	return barsSVG("Events over time", values, labels)
}

func barsSVG(title string, values []float64, labels []string) template.HTML {
	const w, h = 600.0, 160.0
	top := 1.0
	for _, v := range values {
		top = max(top, v)
	}
	var b bytes.Buffer
	// A group of bars, each an image named by its figure, so that a screen
	// reader reads every bar's figure as well as the chart's title (a
	// single image would keep only the title); the tooltip shows the same.
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="group" aria-label="%s" class="chart">`, w, h, template.HTMLEscapeString(title))
	bw := w / float64(max(len(values), 1))
	for i, v := range values {
		bh := (h - 10) * v / top
		label := template.HTMLEscapeString(labels[i])
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" role="img" aria-label="%s"><title>%s</title></rect>`,
			float64(i)*bw+1, h-bh, max(bw-2, 1), bh, label, label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

package bpmn

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// Mark is what to show on a task: how often it deviated in replay.
type Mark struct {
	Missing, Remaining int
}

// WriteSVG draws the model as BPMN modelers do (tasks as rounded boxes,
// gateways as diamonds marked × or +, events as circles), laid out left
// to right. Tasks with a mark get a red outline and its counts; marks are
// keyed by activity and may be nil.
func WriteSVG(ctx context.Context, w io.Writer, m *Model, marks map[string]Mark) error {
	l, err := layout(ctx, m)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	const pad = 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="bpmn" width="%.0f" height="%.0f" viewBox="%d %d %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n",
		l.Width+2*pad, l.Height+2*pad, -pad, -pad, l.Width+2*pad, l.Height+2*pad)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>` + "\n")
	for _, f := range m.Flows {
		pts := l.Edges[f.ID]
		var ps []string
		for _, p := range pts {
			ps = append(ps, fmt.Sprintf("%.1f,%.1f", p.X, p.Y))
		}
		fmt.Fprintf(&b, `<polyline class="flow" points="%s" fill="none" stroke="#333" marker-end="url(#arrow)"/>`+"\n", strings.Join(ps, " "))
	}
	for _, n := range m.Nodes {
		box := l.Nodes[n.ID]
		switch n.Kind {
		case StartEvent, EndEvent:
			width := 1.5
			if n.Kind == EndEvent {
				width = 4
			}
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="%.1f" fill="#fff" stroke="#333" stroke-width="%g"/>`+"\n", kindElement[n.Kind], box.X, box.Y, box.W/2-width/2, width)
		case ExclusiveGateway, ParallelGateway:
			h := box.W / 2
			fmt.Fprintf(&b, `<path class="%s" d="M%.1f,%.1f l%.1f,%.1f l%.1f,%.1f l%.1f,%.1f z" fill="#fff" stroke="#333" stroke-width="1.5"/>`, kindElement[n.Kind], box.X-h, box.Y, h, -h, h, h, -h, h)
			q := h / 2.5
			if n.Kind == ExclusiveGateway {
				fmt.Fprintf(&b, `<path d="M%.1f,%.1f l%.1f,%.1f m0,%.1f l%.1f,%.1f" stroke="#333" stroke-width="3"/>`+"\n", box.X-q, box.Y-q, 2*q, 2*q, -2*q, -2*q, 2*q)
			} else {
				fmt.Fprintf(&b, `<path d="M%.1f,%.1f h%.1f M%.1f,%.1f v%.1f" stroke="#333" stroke-width="3"/>`+"\n", box.X-q*1.2, box.Y, 2.4*q, box.X, box.Y-q*1.2, 2.4*q)
			}
		case Task:
			mark, marked := marks[n.Name]
			stroke, width := "#333", 1.5
			if marked && mark.Missing+mark.Remaining > 0 {
				stroke, width = "#c62828", 3
			}
			fmt.Fprintf(&b, `<g class="task" data-activity="%s"><title>%s</title>`, esc(n.Name), esc(n.Name))
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="10" fill="#fff" stroke="%s" stroke-width="%g"/>`,
				box.X-box.W/2, box.Y-box.H/2, box.W, box.H, stroke, width)
			lines := wrap(n.Name, 15, 4)
			y := box.Y - float64(len(lines)-1)*7
			for _, ln := range lines {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" dominant-baseline="middle">%s</text>`, box.X, y, esc(ln))
				y += 14
			}
			if marked && mark.Missing+mark.Remaining > 0 {
				fmt.Fprintf(&b, `<text class="deviation" x="%.1f" y="%.1f" text-anchor="middle" fill="#c62828" font-size="10">%d missing · %d left</text>`,
					box.X, box.Y+box.H/2+12, mark.Missing, mark.Remaining)
			}
			b.WriteString("</g>\n")
		}
	}
	b.WriteString("</svg>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// wrap breaks a name into at most max lines of about width characters,
// at spaces where it can; the last line ends with … when it is cut.
func wrap(s string, width, max int) []string {
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		r := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(r) > width {
			lines = append(lines, string(cur))
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, r...)
		for len(cur) > width+5 {
			lines = append(lines, string(cur[:width]))
			cur = cur[width:]
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	if len(lines) > max {
		lines = lines[:max]
		last := []rune(lines[max-1])
		if len(last) > width-1 {
			last = last[:width-1]
		}
		lines[max-1] = string(last) + "…"
	}
	return lines
}

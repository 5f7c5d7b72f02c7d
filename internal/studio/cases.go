package studio

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// The cases page shows raw data, for those who may read it: the dotted
// chart (each case a row, each event a dot at its time, coloured by
// activity) of the cases the process page's filters keep, the longest of
// them, and one case's events on a time line. Both drawings are bounded
// before they are drawn, whatever the log's size.
const (
	dottedRows    = 400    // cases drawn in the dotted chart at most
	dottedDots    = 20_000 // events drawn in it at most
	longestCases  = 20     // cases listed by duration
	caseEventRows = 300    // events of one case drawn and listed at most
)

// palette colours the most frequent activities: Okabe and Ito's colours,
// which people with the common colour-vision deficiencies tell apart, and
// a dark indigo; the other activities are grey.
var palette = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f6a00", "#332288"}

const otherColour = "#9a9a9a"

func (s *Studio) casesPage(w http.ResponseWriter, r *http.Request) {
	p, rec, err := s.reportProcess(r)
	if err == nil && !authz.MayReadData(r, rec) {
		err = response.Errorf(http.StatusForbidden, "forbidden", "the cases page shows raw data: it is for those who may read the process's data (its owner, co-owners, administrators)")
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	env := request.Environment(r)
	// The process page's filters, read by the same rules; the case to
	// show is the page's own parameter.
	q, filters, rawEvents, err := report.Filters(r.URL.RawQuery, true)
	if err == nil && rawEvents {
		err = response.Invalid("the page shows activity instances: raw-events is for the API's reports")
	}
	filterError := ""
	if err != nil {
		filterError, filters = err.Error(), nil
	}
	if q == nil {
		q = url.Values{}
	}
	only := onlyFilters(q)
	data := map[string]any{"Title": "Cases · " + p.Name, "Env": env, "ID": p.ID, "Name": p.Name,
		"FilterError": filterError, "Chips": filterChips(only), "Back": withQuery(fmt.Sprintf("/e/%d/p/%d", env, p.ID), only), "FilterValues": only, "CaseID": q.Get("case")}
	version, err := s.store.LatestVersion(r.Context(), p.ID)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusOK, "cases", data)
		return
	}
	var entry *report.Entry
	if err == nil {
		entry, err = s.reports.Entry(r.Context(), p.ID, version)
	}
	var l *eventlog.Log
	if err == nil {
		l, err = mining.ApplyContext(r.Context(), entry.View(false), filters...)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	data["HasData"] = true
	caseLink := func(id string) string {
		next := url.Values{}
		for k, v := range only {
			next[k] = v
		}
		next.Set("case", id)
		return fmt.Sprintf("/e/%d/p/%d/cases?%s", env, p.ID, next.Encode())
	}
	// One colour per activity on the page: the legend's, the case's.
	colours := activityColours(l)
	if l.NumCases() > 0 && l.Timed {
		data["Dotted"], data["DottedNote"] = dottedChartSVG(l, colours)
		data["Legend"] = legend(l, colours)
		data["Longest"] = longestCaseRows(l, caseLink)
	} else if l.NumCases() > 0 {
		data["Untimed"] = true
	}
	if id := q.Get("case"); id != "" {
		// The case is looked for among those the filters keep, then in the
		// whole log: a case id typed in is found either way.
		in, inColours := l, colours
		c := slices.Index(in.CaseIDs, id)
		if c < 0 {
			in = entry.View(false)
			inColours = activityColours(in)
			c = slices.Index(in.CaseIDs, id)
		}
		if c < 0 {
			data["CaseMissing"] = fmt.Sprintf("No case has the id %q.", id)
		} else {
			data["Case"] = caseEvents(in, c, inColours)
			if in.Timed {
				data["CaseTimeline"] = caseTimelineSVG(in, c, inColours)
			}
		}
	}
	s.render(w, r, http.StatusOK, "cases", data)
}

// activityColours gives the most frequent activities the palette's
// colours, in order of frequency.
func activityColours(l *eventlog.Log) map[int32]string {
	counts := make([]int, l.Activities.Len())
	for _, a := range l.Act {
		counts[a]++
	}
	ids := make([]int32, len(counts))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortStableFunc(ids, func(a, b int32) int { return counts[b] - counts[a] })
	out := map[int32]string{}
	for i, id := range ids[:min(len(ids), len(palette))] {
		if counts[id] > 0 {
			out[id] = palette[i]
		}
	}
	return out
}

func colourOf(colours map[int32]string, act int32) string {
	if c, ok := colours[act]; ok {
		return c
	}
	return otherColour
}

type legendEntry struct{ Name, Colour string }

func legend(l *eventlog.Log, colours map[int32]string) []legendEntry {
	var out []legendEntry
	for _, c := range palette {
		for id, col := range colours {
			if col == c {
				out = append(out, legendEntry{l.Activities.Name(id), c})
			}
		}
	}
	if len(colours) < l.Activities.Len() {
		out = append(out, legendEntry{"any other activity", otherColour})
	}
	return out
}

// caseRow is a case as the page lists it.
type caseRow struct {
	ID, Href, Start, Duration string
	Events                    int
}

// longestCaseRows are the longestCases longest cases, each with the
// address that opens it.
func longestCaseRows(l *eventlog.Log, link func(string) string) []caseRow {
	idx := make([]int, l.NumCases())
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(l.CaseDuration(b), l.CaseDuration(a)) })
	var out []caseRow
	for _, c := range idx[:min(len(idx), longestCases)] {
		lo, hi := l.Events(c)
		out = append(out, caseRow{ID: l.CaseIDs[c], Href: link(l.CaseIDs[c]), Start: stamp(l.Start[lo]),
			Duration: processmap.Duration(float64(l.CaseDuration(c)) / 1e9), Events: hi - lo})
	}
	return out
}

func stamp(ns int64) string {
	if ns == eventlog.NoTime {
		return "–"
	}
	return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05")
}

// dottedChartSVG draws cases (rows, by their start) against time: at
// most dottedRows cases and dottedDots events, every k-th case by start
// when there are more; the note says which were drawn.
func dottedChartSVG(l *eventlog.Log, colours map[int32]string) (template.HTML, string) {
	n := l.NumCases()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	first := func(c int) int64 { lo, _ := l.Events(c); return l.Start[lo] }
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(first(a), first(b)) })
	perCase := max(1, l.NumEvents()/n)
	rows := min(n, dottedRows, max(1, dottedDots/perCase))
	drawn := make([]int, rows)
	for i := range drawn {
		drawn[i] = order[i*n/rows] // evenly spread over the cases, by start
	}
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, c := range drawn {
		a, b := l.Events(c)
		for e := a; e < b; e++ {
			lo, hi = min(lo, l.Start[e]), max(hi, l.End[e])
		}
	}
	span := max(hi-lo, 1)
	const w, left, right, top, bottom = 900.0, 70.0, 16.0, 10.0, 44.0
	rowH := max(1.5, min(8, 400/float64(len(drawn))))
	h := top + bottom + rowH*float64(len(drawn))
	plotW := w - left - right
	x := func(t int64) float64 { return left + plotW*float64(t-lo)/float64(span) }
	esc := template.HTMLEscapeString
	var b bytes.Buffer
	note := fmt.Sprintf("%s, by their start; each dot is an activity instance at its end, coloured by activity.", plural(n, "case", "cases"))
	if rows < n {
		note = fmt.Sprintf("%s of %s cases drawn, spread evenly over them by start; each dot is an activity instance at its end, coloured by activity.",
			thousands(rows), thousands(n))
	}
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %.0f" role="img" aria-label="Dotted chart: %s" class="chart dotted">`, w, h, esc(note))
	r := max(1.8, min(3, rowH/2))
	// Each row draws at most its share of the dots: a case of 200,000
	// events among short ones is not drawn whole (a row of its dots would
	// be one line anyway), and the drawing stays within dottedDots.
	perRow := max(dottedDots/len(drawn), 1)
	cut := false
	for i, c := range drawn {
		y := top + rowH*(float64(i)+0.5)
		a, z := l.Events(c)
		fmt.Fprintf(&b, `<g><title>%s: %s from %s</title>`, esc(l.CaseIDs[c]), plural(z-a, "event", "events"), stamp(l.Start[a]))
		step := 1
		if z-a > perRow {
			step, cut = (z-a+perRow-1)/perRow, true
		}
		for e := a; e < z; e += step {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>`, x(l.End[e]), y, r, colourOf(colours, l.Act[e]))
		}
		b.WriteString(`</g>`)
	}
	if cut {
		note += fmt.Sprintf(" Cases of more than %s events show every few of them.", thousands(perRow))
	}
	base := top + rowH*float64(len(drawn))
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, left, base, w-right, base)
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%.1f"/>`, left, top, left, base)
	for i := 0; i <= 4; i++ {
		t := lo + span*int64(i)/4
		xi := x(t)
		fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, xi, base, xi, base+4)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, xi, base+16, anchor(i, 4), time.Unix(0, t).UTC().Format("2006-01-02"))
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%.1f" y="%.1f" text-anchor="middle">Time</text>`, left+plotW/2, h-6)
	fmt.Fprintf(&b, `<text class="axis-title" transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">Cases, by start</text>`, top+(base-top)/2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), note // every text above is escaped
}

// anchor aligns the first of an axis's ticks at its start and the last
// at its end, so that neither runs past the drawing.
func anchor(i, last int) string {
	switch i {
	case 0:
		return "start"
	case last:
		return "end"
	}
	return "middle"
}

// caseEvent is one event of the case explorer's list.
type caseEvent struct {
	N                              int
	Activity, Resource, Start, End string
	SinceStart, Took               string
	Colour                         string
}

// caseView is one case as the case explorer shows it.
type caseView struct {
	ID       string
	Events   []caseEvent
	Total    int
	Duration string
}

func caseEvents(l *eventlog.Log, c int, colours map[int32]string) caseView {
	lo, hi := l.Events(c)
	v := caseView{ID: l.CaseIDs[c], Total: hi - lo}
	if l.Timed {
		v.Duration = processmap.Duration(float64(l.CaseDuration(c)) / 1e9)
	}
	for e := lo; e < min(hi, lo+caseEventRows); e++ {
		ev := caseEvent{N: e - lo + 1, Activity: l.ActivityName(e), Resource: l.ResourceName(e), Colour: colourOf(colours, l.Act[e])}
		if l.Timed {
			ev.Start, ev.End = stamp(l.Start[e]), stamp(l.End[e])
			ev.SinceStart = processmap.Duration(float64(l.Start[e]-l.Start[lo]) / 1e9)
			ev.Took = processmap.Duration(float64(l.End[e]-l.Start[e]) / 1e9)
		}
		v.Events = append(v.Events, ev)
	}
	return v
}

// caseTimelineSVG draws one case's events, one row each, on the time
// since the case began: a bar from an activity's start to its end, a dot
// where the two are one instant.
func caseTimelineSVG(l *eventlog.Log, c int, colours map[int32]string) template.HTML {
	lo, hi := l.Events(c)
	hi = min(hi, lo+caseEventRows)
	start, end := l.Start[lo], l.Start[lo]
	for e := lo; e < hi; e++ {
		end = max(end, l.End[e])
	}
	span := max(end-start, 1)
	const w, labelW, right, top, bottom, rowH = 900.0, 250.0, 20.0, 8.0, 44.0, 18.0
	h := top + bottom + rowH*float64(hi-lo)
	plotW := w - labelW - right
	x := func(t int64) float64 { return labelW + plotW*float64(t-start)/float64(span) }
	esc := template.HTMLEscapeString
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %.0f" role="img" aria-label="The events of case %s on a time line (the table below lists them)" class="chart case-timeline">`, w, h, esc(l.CaseIDs[c]))
	for e := lo; e < hi; e++ {
		i := float64(e - lo)
		y := top + rowH*i
		name := []rune(l.ActivityName(e))
		if len(name) > 36 {
			name = append(name[:35], '…')
		}
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, labelW-8, y+rowH/2, esc(string(name)))
		col := colourOf(colours, l.Act[e])
		title := fmt.Sprintf("%s: %s", l.ActivityName(e), stamp(l.End[e]))
		if r := l.ResourceName(e); r != "" {
			title += " by " + r
		}
		if l.Start[e] < l.End[e] {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%g" fill="%s"><title>%s</title></rect>`,
				x(l.Start[e]), y+3, max(2, x(l.End[e])-x(l.Start[e])), rowH-6, col, esc(title))
		} else {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s</title></circle>`, x(l.End[e]), y+rowH/2, col, esc(title))
		}
	}
	base := top + rowH*float64(hi-lo)
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, labelW, base, w-right, base)
	for i := 0; i <= 4; i++ {
		t := start + span*int64(i)/4
		xi := x(t)
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%g" x2="%.1f" y2="%.1f"/>`, xi, top, xi, base)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="%s">+%s</text>`, xi, base+16, anchor(i, 4), processmap.Duration(float64(t-start)/1e9))
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%.1f" y="%.1f" text-anchor="middle">Time since the case began</text>`, labelW+plotW/2, h-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

package studio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/calendar"
	"github.com/procmine/procmine/internal/compare"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/rootcause"
	"github.com/procmine/procmine/internal/store"
)

// cohortFields are a cohort's fields on the compare page: started from,
// started to (dates), and more filters as a query string.
func cohortQuery(q url.Values, side string) string {
	more, _ := url.ParseQuery(q.Get(side + "-filters"))
	if more == nil {
		more = url.Values{}
	}
	if from := q.Get(side + "-from"); from != "" {
		more.Set("from", from)
	}
	if to := q.Get(side + "-to"); to != "" {
		more.Set("to", to)
	}
	if (more.Get("from") != "" || more.Get("to") != "") && more.Get("time-mode") == "" {
		more.Set("time-mode", "started")
	}
	return more.Encode()
}

// analysisSource fills the page's heading data and finds the report's
// source, as the API does; a process without data shows the page without
// figures, other errors an error page, and both return nil.
func (s *Studio) analysisSource(w http.ResponseWriter, r *http.Request, page, title string, data map[string]any) *report.Source {
	p, _, err := s.reportProcess(r)
	if err != nil {
		s.PageError(w, r, err)
		return nil
	}
	env := request.Environment(r)
	data["Title"], data["Env"], data["ID"], data["Name"], data["Back"] = title+" · "+p.Name, env, p.ID, p.Name, fmt.Sprintf("/e/%d/p/%d", env, p.ID)
	src, err := s.reports.Source(r, false)
	if e := response.As(err); e != nil && e.Code == "no_data" {
		s.render(w, r, http.StatusOK, page, data)
		return nil
	}
	if err != nil {
		s.PageError(w, r, err)
		return nil
	}
	data["HasData"] = true
	// Durations in working time, when the process has a calendar.
	if _, err := s.store.GetCalendar(r.Context(), src.Process); err == nil {
		data["HasCalendar"] = true
	}
	data["Working"] = src.Clock != nil
	return src
}

// comparePage compares two cohorts of the process's cases: by default
// those started in the first and in the second half of its time.
func (s *Studio) comparePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := map[string]any{}
	src := s.analysisSource(w, r, "compare", "Compare", data)
	if src == nil {
		return
	}
	fields := map[string]string{}
	for _, k := range []string{"a-from", "a-to", "a-filters", "b-from", "b-to", "b-filters"} {
		fields[k] = q.Get(k)
	}
	asked := q.Get("a-from")+q.Get("a-to")+q.Get("a-filters")+q.Get("b-from")+q.Get("b-to")+q.Get("b-filters") != ""
	if !asked && src.Reader != nil {
		// A reader chooses the cohorts: dates from the log's first and
		// last case would be those cases' own.
		data["Fields"] = fields
		data["Choose"] = true
		s.render(w, r, http.StatusOK, "compare", data)
		return
	}
	if !asked {
		// The halves of the log's time, by start, in whole months: a
		// reader learns no case's date from them.
		l := src.Entry.View(false)
		if l.Timed && l.NumEvents() > 0 {
			first, last := time.Unix(0, slices.Min(l.Start)).UTC(), time.Unix(0, slices.Max(l.Start)).UTC()
			lo := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
			hi := time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(24 * time.Hour)
			fields["a-from"] = lo.Format("2006-01-02")
			fields["a-to"] = mid.AddDate(0, 0, -1).Format("2006-01-02")
			fields["b-from"] = mid.Format("2006-01-02")
			fields["b-to"] = hi.AddDate(0, 0, -1).Format("2006-01-02")
			q = url.Values{}
			for k, v := range fields {
				q.Set(k, v)
			}
		}
	}
	data["Fields"] = fields
	res, err := s.reports.Compare(r, src, cohortQuery(q, "a"), cohortQuery(q, "b"))
	if err != nil {
		s.formError(w, r, "compare", data, err)
		return
	}
	data["Result"] = res
	data["Rows"] = kpiRows(res.Result)
	var src2 bytes.Buffer
	if err := compare.WriteDOT(&src2, res.Result); err == nil {
		var svg bytes.Buffer
		if err := dot.Render(r.Context(), src2.Bytes(), dot.SVG, &svg); err == nil {
			data["Map"] = template.HTML(svgBody(svg.String()))
		}
	}
	s.render(w, r, http.StatusOK, "compare", data)
}

type kpiRow struct{ Name, A, B string }

func kpiRows(r *compare.Result) []kpiRow {
	d := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return processmap.Duration(*p)
	}
	return []kpiRow{
		{"Cases", thousands(r.A.Cases), thousands(r.B.Cases)},
		{"Events per case", fmt.Sprintf("%.1f", r.A.EventsPerCase), fmt.Sprintf("%.1f", r.B.EventsPerCase)},
		{"Variants", thousands(r.A.Variants), thousands(r.B.Variants)},
		{"Cases with rework", percent(r.A.ReworkShare), percent(r.B.ReworkShare)},
		{"Median case duration", d(r.A.MedianDuration), d(r.B.MedianDuration)},
		{"Mean case duration", d(r.A.MeanDuration), d(r.B.MeanDuration)},
		{"90th percentile", d(r.A.P90Duration), d(r.B.P90Duration)},
	}
}

func percent(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// pValue writes a p-value as a reader should read it.
func pValue(p float64) string {
	if p <= 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.2g", p)
}

// svgBody drops what comes before the <svg element (the XML prolog and
// the doctype), so that the drawing can sit in a page.
func svgBody(svg string) string {
	if i := strings.Index(svg, "<svg"); i >= 0 {
		return svg[i:]
	}
	return svg
}

// formError shows an error the API would answer with a 4xx (other than
// 403 and 404) on the page, beside its form; others as an error page.
func (s *Studio) formError(w http.ResponseWriter, r *http.Request, page string, data map[string]any, err error) {
	if e := response.As(err); e != nil && e.Status < 500 && e.Status != http.StatusForbidden && e.Status != http.StatusNotFound {
		data["Error"] = e.Message
		s.render(w, r, http.StatusOK, page, data)
		return
	}
	s.PageError(w, r, err)
}

// rootCausePage ranks what goes with an outcome of the process's cases.
func (s *Studio) rootCausePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = "duration"
	}
	fields := map[string]string{"kind": kind, "threshold": q.Get("threshold"), "activity": q.Get("activity"), "depth": q.Get("depth")}
	if fields["depth"] == "" {
		fields["depth"] = "3"
	}
	data := map[string]any{"Fields": fields}
	src := s.analysisSource(w, r, "rootcause", "Root causes", data)
	if src == nil {
		return
	}
	if fields["threshold"] == "" && kind == "duration" {
		// The longest quarter of the cases, rounded: a first question;
		// for a reader only over 2k cases or more (a quantile of a few is
		// one case's figure), and "1d" otherwise.
		l := src.Entry.View(false)
		fields["threshold"] = "1d"
		if l.Timed && l.NumCases() > 0 && (src.Reader == nil || l.NumCases() >= 2*src.Reader.K) {
			ns := make([]int64, l.NumCases())
			for c := range ns {
				ns[c] = l.CaseDuration(c)
			}
			slices.Sort(ns)
			fields["threshold"] = roundDuration(time.Duration(ns[len(ns)*3/4]))
		}
	}
	text := "rework"
	switch kind {
	case "duration":
		text = "duration>" + fields["threshold"]
	case "activity":
		text = "activity=" + fields["activity"]
	}
	o, err := rootcause.ParseOutcome(text)
	depth := 3
	fmt.Sscanf(fields["depth"], "%d", &depth)
	if err == nil && (depth < 1 || depth > 5) {
		err = fmt.Errorf("the tree's depth is 1 to 5")
	}
	if err != nil {
		data["Error"] = err.Error()
		s.render(w, r, http.StatusOK, "rootcause", data)
		return
	}
	res, err := s.reports.RootCause(src, o, rootcause.Options{Depth: depth, Factors: 15})
	if err != nil {
		s.formError(w, r, "rootcause", data, err)
		return
	}
	data["Result"] = res
	data["Tree"] = treeHTML(res.Tree)
	s.render(w, r, http.StatusOK, "rootcause", data)
}

// roundDuration writes a duration in the largest whole unit: 7d, 36h, 90m.
func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(math.Round(d.Hours()/24)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh", int(math.Round(d.Hours())))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(math.Round(d.Minutes())))
	}
	return "1m"
}

// treeHTML draws the decision tree as nested lists, each node with a bar
// of its outcome share.
func treeHTML(n *rootcause.Node) template.HTML {
	var b strings.Builder
	var walk func(n *rootcause.Node, label string)
	walk = func(n *rootcause.Node, label string) {
		// An SVG bar: the page's policy allows no inline styles.
		fmt.Fprintf(&b, `<li><span class="node-label">%s</span> <span class="muted">%s cases</span> <svg class="bar" width="96" height="11" viewBox="0 0 96 11" role="img" aria-label="%s with the outcome"><rect width="96" height="11" rx="2" fill="#e8eef5"/><rect width="%.1f" height="11" rx="2" fill="#b22222"/></svg> %s`,
			template.HTMLEscapeString(label), thousands(n.Cases), percent(n.Rate), 96*n.Rate, percent(n.Rate))
		if n.Split != "" {
			b.WriteString("<ul>")
			walk(n.Yes, n.Split)
			walk(n.No, "not: "+n.Split)
			b.WriteString("</ul>")
		}
		b.WriteString("</li>")
	}
	if n == nil {
		return ""
	}
	b.WriteString(`<ul class="tree" id="tree">`)
	walk(n, "All cases")
	b.WriteString("</ul>")
	return template.HTML(b.String())
}

// calendarSummary says what a process's working calendar holds.
func calendarSummary(pc store.ProcessCalendar) string {
	c, err := calendar.Read(strings.NewReader(pc.JSON), "the process's calendar")
	if err != nil {
		return "unreadable: " + err.Error()
	}
	week, days := c.WeeklyHours()
	hours := strconv.FormatFloat(week.Hours(), 'f', -1, 64)
	return fmt.Sprintf("%s; %s working hours a week on %d weekdays; %d holidays, %d every year, %d exceptions; set %s UTC",
		c.Zone, hours, days, len(c.Holidays), len(c.Annual), len(c.Exceptions), pc.Updated.Format("2006-01-02 15:04"))
}

// calendarDay is a weekday's shifts as the calendar form shows them.
type calendarDay struct {
	Day, Label, Shifts string
}

// calendarForm is what the calendar form starts from: the stored
// calendar, or an office week in UTC when there is none. Exceptions are
// not edited in the form: it keeps them (as JSON) and says how many.
func calendarForm(pc *store.ProcessCalendar) map[string]any {
	f := calendar.File{TimeZone: "UTC", Week: map[string][]string{}}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		f.Week[d] = []string{"09:00-17:00"}
	}
	if pc != nil {
		var stored calendar.File
		if json.Unmarshal([]byte(pc.JSON), &stored) == nil {
			f = stored
		}
	}
	var days []calendarDay
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		days = append(days, calendarDay{Day: d, Label: strings.ToUpper(d[:1]) + d[1:], Shifts: strings.Join(f.Week[d], ", ")})
	}
	exceptions, _ := json.Marshal(f.Exceptions)
	if f.Exceptions == nil {
		exceptions = []byte("{}")
	}
	return map[string]any{"Zone": f.TimeZone, "Days": days, "Holidays": strings.Join(f.Holidays, ", "),
		"Annual": strings.Join(f.AnnualHolidays, ", "), "Exceptions": string(exceptions), "ExceptionCount": len(f.Exceptions)}
}

package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// reportLog loads the process's current data, checks that the caller may
// read reports of it (raw data when raw), and applies the view and the
// filters of the query. The second result tells whether the caller may
// also see raw data.
func (s *Server) reportLog(r *http.Request, raw bool) (*eventlog.Log, bool, error) {
	src, err := s.reports.Source(r, raw)
	if err != nil {
		return nil, false, err
	}
	l, err := src.Log()
	return l, src.RawOK, err
}

// answer serves a report computed from the caller's report source,
// once per version, query and kind of caller (whether it may see raw
// data): the answer is kept with the version's log, and goes with it.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, compute func(src *report.Source, rawOK bool) (report.Kept, error)) {
	s.answerWith(w, r, "", compute)
}

// answerWith is answer for a report that depends on more than the version
// and the query (a reference model): extra names that too.
func (s *Server) answerWith(w http.ResponseWriter, r *http.Request, extra string, compute func(src *report.Source, rawOK bool) (report.Kept, error)) {
	a, _, err := s.keptAnswer(r, extra, compute)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	writeKept(w, a)
}

// keptAnswer is answerWith's answer, with the source it is the answer
// of: a job keeps what the report would answer.
func (s *Server) keptAnswer(r *http.Request, extra string, compute func(src *report.Source, rawOK bool) (report.Kept, error)) (report.Kept, *report.Source, error) {
	src, err := s.reports.Source(r, false)
	if err != nil {
		return report.Kept{}, nil, err
	}
	// The query is hashed: its size is the caller's choice, the key's is
	// not.
	sum := sha256.Sum256([]byte(r.Pattern + "?" + r.URL.Query().Encode() + "&raw=" + strconv.FormatBool(src.RawOK) + "&reader=" + src.Reader.CacheKey() + "&extra=" + extra + "&calendar=" + src.Calendar))
	key := string(sum[:])
	a, err := report.Keep(s.reports, src.Entry, key, func(a report.Kept) int64 { return int64(len(a.Body)) }, func() (report.Kept, error) { return compute(src, src.RawOK) })
	return a, src, err
}

// writeKept answers with a kept answer.
func writeKept(w http.ResponseWriter, a report.Kept) {
	w.Header().Set("Content-Type", a.ContentType)
	w.WriteHeader(http.StatusOK)
	w.Write(a.Body)
}

// keptJSON is v as an answer to keep.
func keptJSON(v any) (report.Kept, error) {
	b, err := json.Marshal(v)
	return report.Kept{ContentType: "application/json", Body: append(b, '\n')}, err
}

// report serves the KPIs.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		l, g, withheld, err := src.Guarded()
		if err != nil {
			return report.Kept{}, err
		}
		out := report.KPIs(l, g)
		if g != nil {
			out["disclosure"] = g.Done(withheld)
		}
		return keptJSON(out)
	})
}

// processMap serves the map as JSON or SVG.
func (s *Server) processMap(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o, err := report.MapOptions(q)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	format := orDefault(q.Get("format"), "json")
	if format != "json" && format != "svg" {
		response.WriteError(w, r, response.Invalid("format must be json or svg"))
		return
	}
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		l, g, withheld, err := src.Guarded()
		if err != nil {
			return report.Kept{}, err
		}
		// The graph stays while the paths slider and the view move.
		gq := r.URL.Query()
		for _, k := range []string{"paths", "view", "format"} {
			gq.Del(k)
		}
		sum := sha256.Sum256([]byte("graph?" + gq.Encode() + "&reader=" + src.Reader.CacheKey() + "&calendar=" + src.Calendar))
		gr, _ := report.Keep(s.reports, src.Entry, string(sum[:]), (*processmap.Graph).Size, func() (*processmap.Graph, error) {
			return processmap.NewGraphWith(l, o.Activities, src.Reader.MinCases(), src.Clock), nil
		})
		m, err := gr.Map(o)
		if err != nil {
			return report.Kept{}, response.Invalid("%v", err)
		}
		gm := report.GuardMap(m, g.ForShare(o.Activities), withheld)
		if g != nil {
			g.Done(withheld)
		}
		if format == "json" {
			return keptJSON(gm)
		}
		// A map too large to draw is refused before its layout starts,
		// with the paths share that can be drawn (found on the graph the
		// caller is shown: a reader's holds only groups of k cases).
		var svg bytes.Buffer
		if err := processmap.WriteSVG(r.Context(), &svg, gm.Map); err != nil {
			return report.Kept{}, report.LayoutError(gr.Suggest(o, err))
		}
		return report.Kept{ContentType: "image/svg+xml", Body: svg.Bytes()}, nil
	})
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (s *Server) variants(w http.ResponseWriter, r *http.Request) {
	top := 0
	if v := r.URL.Query().Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			response.WriteError(w, r, response.Invalid("top must be a whole number"))
			return
		}
		top = n
	}
	s.answer(w, r, func(src *report.Source, _ bool) (report.Kept, error) {
		l, g, withheld, err := src.Guarded()
		if err != nil {
			return report.Kept{}, err
		}
		vs, total := report.Variants(l, g, withheld)
		if top > 0 && top < len(vs) {
			vs = vs[:top]
		}
		if vs == nil {
			vs = []*mining.Variant{}
		}
		out := map[string]any{"total": total, "variants": vs}
		if g != nil {
			out["disclosure"] = g.Done(withheld)
		}
		return keptJSON(out)
	})
}

// statistics serves activity counts, the case-duration histogram and events
// over time; resources and hand-overs name people, so only those who may
// read raw data get them.
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, func(src *report.Source, rawOK bool) (report.Kept, error) {
		l, g, withheld, err := src.Guarded()
		if err != nil {
			return report.Kept{}, err
		}
		st := mining.ComputeStats(l)
		bucket, timeline := report.Timeline(l, 100, g, withheld)
		out := map[string]any{
			"activities":              st.Activities,
			"start_activities":        st.StartActivities,
			"end_activities":          st.EndActivities,
			"case_duration_histogram": nil,
			"timeline_bucket":         bucket,
			"timeline":                timeline,
		}
		if l.Timed {
			out["case_duration_histogram"] = report.Histogram(l, g, withheld)
		}
		if src.Clock != nil && l.Timed && l.NumCases() > 0 {
			// In working time by the process's calendar: a reader gets
			// the mean and the median, rounded, as for elapsed time.
			d := mining.Summarize(mining.WorkingCaseDurations(l, src.Clock))
			var working map[string]any
			if g == nil {
				working = map[string]any{"mean": d.Mean, "median": d.Median, "min": d.Min, "max": d.Max, "p90": d.P90}
			} else {
				working = map[string]any{"mean": disclosure.Seconds(d.Mean)}
				// A median of few is one case's figure: only from 2k
				// cases, the same decision as the elapsed one's.
				if g.AtLeast("median-cases", l.NumCases(), 2*g.K()) {
					working["median"] = disclosure.Seconds(d.Median)
				}
			}
			out["working_case_duration_seconds"] = working
		}
		if g != nil {
			dfg := mining.ComputeDFG(l)
			cases := map[string]int{}
			for a, name := range dfg.Activities {
				cases[name] = dfg.ActCases[a]
			}
			withheld.Activities = g.Counts(disclosure.ActivityEvents, st.Activities, cases)
			withheld.Rows = g.Counts(disclosure.StartCases, st.StartActivities, st.StartActivities) + g.Counts(disclosure.EndCases, st.EndActivities, st.EndActivities)
			out["disclosure"] = g.Done(withheld)
		}
		if rawOK {
			out["resources"], out["handovers"] = st.ResourceWork, st.Handovers
			// The summary `procmine stats` prints: exact counts, the
			// durations' spread, the first and last timestamp.
			out["summary"] = st.Summary()
		}
		return keptJSON(out)
	})
}

// events serves event rows, a page at a time, to those who may read raw
// data; every read is audited.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit := 0, 100
	for name, dst := range map[string]*int{"offset": &offset, "limit": &limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n < 1 || n > 1000)) {
				response.WriteError(w, r, response.Invalid("%s must be a whole number (limit 1 to 1000)", name))
				return
			}
			*dst = n
		}
	}
	l, _, err := s.reportLog(r, true)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	type row struct {
		Case      string `json:"case"`
		Activity  string `json:"activity"`
		Start     string `json:"start,omitempty"`
		End       string `json:"end,omitempty"`
		Resource  string `json:"resource,omitempty"`
		Lifecycle string `json:"lifecycle,omitempty"`
	}
	rows := []row{}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		if hi <= offset {
			continue
		}
		for e := max(lo, offset); e < hi && len(rows) < limit; e++ {
			rw := row{Case: l.CaseIDs[c], Activity: l.ActivityName(e), Resource: l.ResourceName(e), Lifecycle: l.LifecycleName(e)}
			if l.End[e] != eventlog.NoTime {
				rw.Start, rw.End = eventlog.FormatTime(l.Start[e]), eventlog.FormatTime(l.End[e])
			}
			rows = append(rows, rw)
		}
		if len(rows) >= limit {
			break
		}
	}
	pid, _ := request.PathID(r, "id")
	s.auditLog.Record(r, request.Environment(r), "data.read", store.AuditTarget("process", pid), "events "+strconv.Itoa(offset)+"+"+strconv.Itoa(len(rows)))
	response.JSON(w, http.StatusOK, map[string]any{"total": l.NumEvents(), "offset": offset, "events": rows})
}

// export serves the current data as CSV, XES or Parquet, to those who may
// read raw data; every export is audited.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	format := orDefault(r.URL.Query().Get("format"), "csv")
	if format != "csv" && format != "xes" && format != "parquet" {
		response.WriteError(w, r, response.Invalid("format must be csv, xes or parquet"))
		return
	}
	id, rec, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.Records(r, rec, access.EventLog, access.Read)
	}
	var version access.ID
	if err == nil {
		version, err = s.cfg.Store.LatestVersion(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			err = response.Errorf(http.StatusConflict, "no_data", "the process has no data yet: upload a log first")
		}
	}
	var l *eventlog.Log
	if err == nil {
		l, err = s.reports.Log(r.Context(), id, version)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "data.export", store.AuditTarget("process", id), format)
	name := "process-" + strconv.FormatInt(int64(id), 10) + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	switch format {
	case "xes":
		w.Header().Set("Content-Type", "application/xml")
		err = xes.Write(w, l)
	case "parquet":
		w.Header().Set("Content-Type", "application/vnd.apache.parquet")
		err = parquetlog.Write(w, l)
	default:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = csvlog.Write(w, l, csvlog.ForSpreadsheets())
	}
	if err != nil {
		s.cfg.Log.Error("export", "process", id, "err", err)
	}
}

// objectCentric serves the object-centric graph of the process's version,
// when it was flattened from an object-centric log: per object type its
// objects, directly-follows edges (event couples and objects) and start
// and end activities, as JSON or drawn (a colour per type). A reader
// gets it through disclosure control, as every report.
func (s *Server) objectCentric(w http.ResponseWriter, r *http.Request) {
	format := orDefault(r.URL.Query().Get("format"), "json")
	if format != "json" && format != "svg" {
		response.WriteError(w, r, response.Invalid("format must be json or svg"))
		return
	}
	// The graph is the whole log's. Filters would change nothing but a
	// reader's noise, which asking again with other filters would then
	// average away: none is taken.
	for k := range r.URL.Query() {
		if k != "format" {
			response.WriteError(w, r, response.Invalid("the object-centric graph takes no filters (%q): it is the whole log's", k))
			return
		}
	}
	// The kept answers follow the graph as stored: an erasure that
	// rewrites it changes the key (the version's data stays the same).
	// It is read once, here (what it is only names the answer until the
	// source is authorized), and given to the report for that version.
	extra, version := "", access.ID(0)
	var stored *string
	if id, err := request.PathID(r, "id"); err == nil {
		if v, err := s.cfg.Store.LatestVersion(r.Context(), id); err == nil {
			if text, err := s.cfg.Store.VersionGraph(r.Context(), id, v); err == nil {
				sum := sha256.Sum256([]byte(text))
				extra, version, stored = hex.EncodeToString(sum[:]), v, &text
			}
		}
	}
	s.answerWith(w, r, extra, func(src *report.Source, _ bool) (report.Kept, error) {
		if src.Entry.Version() != version {
			stored = nil // a new version came in meanwhile
		}
		gr, withheld, err := s.reports.ObjectCentric(src, stored)
		if err != nil {
			return report.Kept{}, err
		}
		out := map[string]any{}
		if withheld != nil {
			out["disclosure"] = withheld
		}
		if format == "json" {
			out["graph"] = gr
			return keptJSON(out)
		}
		var dotSrc, svg bytes.Buffer
		if err := gr.DFG().WriteDOT(&dotSrc); err != nil {
			return report.Kept{}, response.Errorf(http.StatusUnprocessableEntity, "too_large", err.Error())
		}
		if err := dot.Render(r.Context(), dotSrc.Bytes(), dot.SVG, &svg); err != nil {
			return report.Kept{}, report.LayoutError(err)
		}
		return report.Kept{ContentType: "image/svg+xml", Body: svg.Bytes()}, nil
	})
}

package studio

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// The studio's recording pages: the list (with a bundle upload), the step
// editor with personal data highlighted and screenshots, task mining, and
// the environment's privacy page. Their decisions are the API's: the same
// authorization helpers, and the edits go through the API itself.

func (s *Studio) recordingsPage(w http.ResponseWriter, r *http.Request) {
	id, proc, err := s.authz.Process(r, access.Read)
	var recs []store.Recording
	if err == nil {
		recs, err = s.authz.Recordings(r, id, proc)
	}
	var p store.Process
	if err == nil {
		p, err = s.store.ProcessByID(r.Context(), request.Environment(r), id)
	}
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "recordings", map[string]any{
		"Title": "Recordings · " + p.Name, "Env": request.Environment(r), "ID": id, "Name": p.Name,
		"Recordings": recs, "CanAdd": authz.RecordingAdd(r, proc) == nil,
	})
}

// stepRow is a step as the editor shows it.
type stepRow struct {
	store.Step
	Name, Description, WindowTitle, Input template.HTML // highlighted
	Found                                 []string      // the kinds found, for the summary
}

// highlight escapes text and marks each finding with its kind and action.
func highlight(text string, found []privacy.Finding) template.HTML {
	var b strings.Builder
	last := 0
	for _, f := range found {
		if f.Start < last || f.End > len(text) {
			continue
		}
		b.WriteString(html.EscapeString(text[last:f.Start]))
		b.WriteString(`<mark class="pii" data-kind="` + f.Kind + `" title="` + f.Kind + ` (` + f.Action.String() + `)">`)
		b.WriteString(html.EscapeString(text[f.Start:f.End]))
		b.WriteString("</mark>")
		last = f.End
	}
	b.WriteString(html.EscapeString(text[last:]))
	return template.HTML(b.String())
}

func (s *Studio) recordingPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.authz.RecordingToView(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	id, proc, rec, view, steps := v.Process, v.Proc, v.Rec, v.View, v.Steps
	data := map[string]any{"Title": rec.Title, "Env": request.Environment(r), "ID": id, "Recording": rec, "Full": view == authz.FullView,
		"CanEdit": authz.RecordingChange(r, proc, rec.Recorder, access.Write) == nil}
	if view == authz.NamesView {
		// Only the names reach the template: nothing else can slip out.
		data["Steps"] = authz.NamesOnly(steps)
		s.render(w, r, http.StatusOK, "recording", data)
		return
	}
	_, applier, err := s.b.PrivacyPolicy(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	rows := make([]stepRow, len(steps))
	for i, st := range steps {
		f := applier.ScanStep(st.Name, st.Description, st.WindowTitle, st.Element.Name, st.Input)
		rows[i] = stepRow{Step: st, Name: highlight(st.Name, f.Name), Description: highlight(st.Description, f.Description),
			WindowTitle: highlight(st.WindowTitle, f.WindowTitle), Input: highlight(st.Input, f.Input)}
		seen := map[string]bool{}
		for _, list := range [][]privacy.Finding{f.Name, f.Description, f.WindowTitle, f.Element, f.Input} {
			for _, x := range list {
				if !seen[x.Kind] {
					seen[x.Kind] = true
					rows[i].Found = append(rows[i].Found, x.Kind)
				}
			}
		}
	}
	data["Rows"] = rows
	s.b.Audit(r, request.Environment(r), "recording.read", store.AuditTarget("recording", rec.ID), "studio: steps with input data")
	s.render(w, r, http.StatusOK, "recording", data)
}

func (s *Studio) taskMiningPage(w http.ResponseWriter, r *http.Request) {
	p, rec, err := s.reportProcess(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	rd, err := s.reports.RecordingsReader(r, rec)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	id := p.ID
	data := map[string]any{"Title": "Task mining · " + p.Name, "Env": request.Environment(r), "ID": id, "Name": p.Name}
	tm, err := s.reports.TaskMining(r, id, rd, processmap.Options{View: processmap.Frequency, Activities: 1, Paths: 1}, true)
	var svg template.HTML
	if err == nil {
		var dm report.Drawing
		dm, err = report.MapSVG(r, tm.Map)
		svg, tm.MapNote = dm.SVG, strings.TrimSpace(tm.MapNote+" "+dm.Note)
	}
	var e *response.Error
	switch {
	case errors.As(err, &e) && e.Code == "no_recordings": // the page says so
	case tooFew(data, err):
	case err != nil:
		s.PageError(w, r, err)
		return
	default:
		data["TM"], data["MapSVG"], data["MapNote"] = tm, svg, tm.MapNote
	}
	s.render(w, r, http.StatusOK, "taskmining", data)
}

func (s *Studio) privacyPage(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		s.PageError(w, r, err)
		return
	}
	p, _, err := s.b.PrivacyPolicy(r)
	if err != nil {
		s.PageError(w, r, err)
		return
	}
	type kindRow struct {
		Kind   string
		Action string
	}
	var kinds []kindRow
	for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
		kinds = append(kinds, kindRow{k, p.Actions[k].String()})
	}
	s.render(w, r, http.StatusOK, "privacy", map[string]any{"Title": "Privacy", "Env": request.Environment(r), "Kinds": kinds,
		"Actions": []string{"flag", "mask", "redact", "pseudonymise"}, "Names": strings.Join(p.Names, "\n"),
		"MinGroupSize": p.K(), "MinK": disclosure.MinK, "MaxK": disclosure.MaxK})
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// The published recordings of a process: upload a bundle, list, read (as
// much as the caller may see), edit step texts, delete steps, screenshots
// and recordings. Every read of input data or a screenshot is audited.

// fullStep is a step as owners see it, with where personal data is.
type fullStep struct {
	store.Step
	Findings privacy.StepFindings `json:"findings"`
}

type recordingBody struct {
	store.Recording
	View  string `json:"view"` // full or names
	Steps any    `json:"steps"`
}

// bundleLimits are what an uploaded bundle may hold.
func (s *Server) bundleLimits() recording.Limits {
	lim := recording.DefaultLimits
	lim.MaxTotal = min(lim.MaxTotal, 4*s.cfg.MaxUpload)
	return lim
}

func (s *Server) uploadRecording(w http.ResponseWriter, r *http.Request) {
	id, proc, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.RecordingAdd(r, proc)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "application/json") {
		response.WriteError(w, r, response.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the bundle itself as the body (Content-Type: application/zip)"))
		return
	}
	path, err := s.saveUpload(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	if err != nil {
		response.WriteError(w, r, uploadError(err))
		return
	}
	defer os.Remove(path)
	_, applier, err := s.policyFor(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Reading the bundle and cleaning its screenshots is the heavy part:
	// it holds one of the server's image slots, so that uploads at once
	// cannot add up what each holds in memory.
	release, err := s.imageSlot(r.Context())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	b, shots, dropped, err := s.cleanBundle(path, applier)
	release()
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	steps := b.Recording.Steps
	title, _ := applier.Apply(b.Recording.Title)
	rid, err := s.cfg.Store.CreateRecording(r.Context(), store.Recording{Env: request.Environment(r), Process: id, Recorder: request.Caller(r).ID, Title: title, State: store.StatePublished}, steps, shots)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.upload", store.AuditTarget("process", id), fmt.Sprintf("recording %d: %d steps, %d screenshots, %d dropped", rid, len(steps), len(shots), len(dropped)))
	rec, err := s.cfg.Store.Recording(r.Context(), request.Environment(r), rid)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, uploadedRecording{Recording: rec, Dropped: dropped})
}

// droppedScreenshot tells the uploader that a step's screenshot was not
// stored, and why; the step itself was.
type droppedScreenshot struct {
	Step   int    `json:"step"`
	Reason string `json:"reason"`
}

// whyDropped is the reason CleanStep drops a screenshot.
const whyDropped = "the step's element is a password field or held personal data, and its bounds do not locate it in the screenshot with certainty (none, no area, or not starting inside the image), so it could not be blacked out: the screenshot was not stored"

// uploadedRecording is the answer to an upload.
type uploadedRecording struct {
	store.Recording
	Dropped []droppedScreenshot `json:"screenshots_dropped"`
}

// cleanBundle reads the bundle in the file and applies the policy to its
// steps, in place; it returns the bundle, the cleaned screenshots by step
// index and the screenshots it dropped. The screenshots are inflated from
// the file one at a time as they are decoded, so that what a bundle holds
// in memory is one decoded screenshot and the cleaned ones, not what it
// inflates to.
func (s *Server) cleanBundle(path string, applier *privacy.Applier) (*recording.Bundle, map[int][]byte, []droppedScreenshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := recording.Open(f, st.Size(), s.bundleLimits())
	var bad *recording.Error
	if errors.As(err, &bad) {
		return nil, nil, nil, response.Invalid("%v", bad)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	steps := b.Recording.Steps
	shots := map[int][]byte{}
	dropped := []droppedScreenshot{}
	for i := range steps {
		clean, hadShot, err := cleanStep(b, &steps[i], applier)
		if err != nil {
			return nil, nil, nil, response.Invalid("steps[%d].screenshot: %v", i, err)
		}
		if clean != nil {
			shots[i] = clean
		} else if hadShot {
			dropped = append(dropped, droppedScreenshot{Step: i + 1, Reason: whyDropped})
		}
	}
	return b, shots, dropped, nil
}

// cleanStep cleans a step of the bundle, in place, with its screenshot
// read from the bundle as it is decoded; it says whether the step had one.
func cleanStep(b *recording.Bundle, st *recording.Step, applier *privacy.Applier) ([]byte, bool, error) {
	shot, err := b.OpenScreenshot(st.Screenshot)
	if err != nil {
		return nil, false, err
	}
	st.Screenshot = ""
	if shot == nil {
		_, _, err := applier.CleanStepFrom(st, nil)
		return nil, false, err
	}
	defer shot.Close()
	_, clean, err := applier.CleanStepFrom(st, shot)
	return clean, true, err
}

// imageWait is how long an upload waits for a screenshot slot before it
// is told to come back (an upload's cleaning takes seconds, and uploads
// are not to be refused lightly); a variable for the tests, which wait
// less.
var imageWait = 30 * time.Second

// imageSlot takes one of the server's image slots (Config.ImageWorkers)
// for a request's screenshot work; release gives it back. A request that
// finds none free within imageWait is told to come back (503 busy), as a
// model's is (Server.mine): two hostile uploads must not hold every other
// recorder waiting as long as they last.
func (s *Server) imageSlot(ctx context.Context) (release func(), err error) {
	return report.TakeSlot(ctx, s.images, imageWait, "every screenshot slot is busy: send it again in a few seconds")
}

// imageSlotWaiting is imageSlot for work that must not stop half-way
// (applying a policy to stored recordings): it waits as long as the
// request does.
func (s *Server) imageSlotWaiting(ctx context.Context) (release func(), err error) {
	select {
	case s.images <- struct{}{}:
		return func() { <-s.images }, nil
	case <-ctx.Done():
		return nil, response.Errorf(http.StatusServiceUnavailable, "busy", "the request ended while the server was busy with other screenshots; send it again")
	}
}

func stepNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return 0, response.ErrNotFound
	}
	return n, nil
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) {
	id, proc, err := s.authz.Process(r, access.Read)
	var recs []store.Recording
	if err == nil {
		recs, err = s.authz.Recordings(r, id, proc)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"recordings": recs})
}

func (s *Server) getRecording(w http.ResponseWriter, r *http.Request) {
	v, err := s.authz.RecordingToView(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, rec, view, steps := v.Process, v.Rec, v.View, v.Steps
	if view == authz.NamesView {
		response.JSON(w, http.StatusOK, recordingBody{Recording: rec, View: "names", Steps: authz.NamesOnly(steps)})
		return
	}
	full, err := s.withFindings(r, steps)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.read", store.AuditTarget("recording", rec.ID), fmt.Sprintf("process %d: steps with input data", id))
	response.JSON(w, http.StatusOK, recordingBody{Recording: rec, View: "full", Steps: full})
}

// withFindings marks where the policy's detectors see personal data now,
// for the step editor to highlight.
func (s *Server) withFindings(r *http.Request, steps []store.Step) ([]fullStep, error) {
	_, applier, err := s.policyFor(r)
	if err != nil {
		return nil, err
	}
	out := make([]fullStep, len(steps))
	for i, st := range steps {
		out[i] = fullStep{Step: st, Findings: applier.ScanStep(st.Name, st.Description, st.WindowTitle, st.Element.Name, st.Input)}
	}
	return out, nil
}

// changeFor loads the recording and step in the path and checks op on it.
func (s *Server) changeFor(r *http.Request, op access.Op) (process access.ID, rec store.Recording, n int, err error) {
	process, proc, err := s.authz.Process(r, access.Read)
	if err == nil {
		rec, err = s.authz.PublishedRecording(r, process)
	}
	if err == nil {
		if authz.RecordingAccess(r, proc, rec.Recorder) == authz.NoView {
			err = response.ErrNotFound // what one may not see, one does not change
		} else {
			err = authz.RecordingChange(r, proc, rec.Recorder, op)
		}
	}
	if err == nil && r.PathValue("n") != "" {
		n, err = stepNumber(r)
	}
	return process, rec, n, err
}

func (s *Server) deleteRecording(w http.ResponseWriter, r *http.Request) {
	process, rec, _, err := s.changeFor(r, access.Delete)
	if err == nil {
		err = s.cfg.Store.DeleteRecording(r.Context(), request.Environment(r), rec.ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.delete", store.AuditTarget("recording", rec.ID), fmt.Sprintf("process %d", process))
	w.WriteHeader(http.StatusNoContent)
}

// stepEdit is the body of PATCH …/steps/{n}: the texts to change.
type stepEdit struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Input       *string `json:"input"`
}

// check validates the edit of step st and applies the privacy policy to
// it: an edit cannot put back what the policy takes out. The input goes
// through the import's own cleaning with the step's element, so that what
// is typed into a password field is stored as the import stores it,
// privacy.PasswordInput, whichever route the edit came by.
func (e *stepEdit) check(applier *privacy.Applier, st store.Step) (store.StepEdit, []string, error) {
	var changed []string
	fields := []struct {
		name     string
		p        *string
		min, max int
	}{{"name", e.Name, 1, 500}, {"description", e.Description, 0, 4000}, {"input", e.Input, 0, 65536}}
	for _, f := range fields {
		if f.p == nil {
			continue
		}
		if len(*f.p) < f.min || len(*f.p) > f.max || strings.ContainsRune(*f.p, 0) {
			return store.StepEdit{}, nil, response.Invalid("%s: %d to %d bytes of text", f.name, f.min, f.max)
		}
		if f.p == e.Input {
			probe := recording.Step{Element: st.Element, Input: *f.p}
			if _, _, err := applier.CleanStep(&probe, nil); err != nil {
				return store.StepEdit{}, nil, err
			}
			*f.p = probe.Input
		} else {
			*f.p, _ = applier.Apply(*f.p)
		}
		changed = append(changed, f.name)
	}
	if len(changed) == 0 {
		return store.StepEdit{}, nil, response.Invalid("give at least one of name, description, input")
	}
	return store.StepEdit{Name: e.Name, Description: e.Description, Input: e.Input}, changed, nil
}

// stepOf finds the recording and step number a route acts on, with the
// caller's right to change it checked.
type stepOf func(r *http.Request) (access.ID, int, error)

// publishedStep is a step of a published recording the caller may change.
func (s *Server) publishedStep(r *http.Request) (access.ID, int, error) {
	_, rec, n, err := s.changeFor(r, access.Write)
	return rec.ID, n, err
}

// draftStep is a step of the caller's own unpublished session.
func (s *Server) draftStep(r *http.Request) (access.ID, int, error) {
	rec, err := s.sessionFor(r)
	n := 0
	if err == nil {
		n, err = stepNumber(r)
	}
	return rec.ID, n, err
}

// editStep changes a step's texts (PATCH …/steps/{n}).
func (s *Server) editStep(of stepOf) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rid, n, err := of(r)
		if err == nil {
			err = s.applyStepEdit(w, r, rid, n)
		}
		if err != nil {
			response.WriteError(w, r, err)
		}
	}
}

// deleteStep deletes a step and its screenshot (DELETE …/steps/{n}).
func (s *Server) deleteStep(of stepOf) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rid, n, err := of(r)
		if err == nil {
			err = s.cfg.Store.DeleteStep(r.Context(), rid, n)
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		s.auditLog.Record(r, request.Environment(r), "recording.step.delete", store.AuditTarget("recording", rid), fmt.Sprintf("step %d", n))
		w.WriteHeader(http.StatusNoContent)
	}
}

// applyStepEdit decodes, checks, stores and audits an edit, and answers
// with the step as it is now.
func (s *Server) applyStepEdit(w http.ResponseWriter, r *http.Request, rid access.ID, n int) error {
	var e stepEdit
	if err := request.Decode(w, r, &e); err != nil {
		return err
	}
	_, applier, err := s.policyFor(r)
	if err != nil {
		return err
	}
	st, err := s.cfg.Store.Step(r.Context(), rid, n)
	if err != nil {
		return err
	}
	edit, changed, err := e.check(applier, st)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.UpdateStep(r.Context(), rid, n, edit); err != nil {
		return err
	}
	s.auditLog.Record(r, request.Environment(r), "recording.step.edit", store.AuditTarget("recording", rid), fmt.Sprintf("step %d: %s", n, strings.Join(changed, ", ")))
	if st, err = s.cfg.Store.Step(r.Context(), rid, n); err != nil {
		return err
	}
	full, err := s.withFindings(r, []store.Step{st})
	if err != nil {
		return err
	}
	response.JSON(w, http.StatusOK, full[0])
	return nil
}

func (s *Server) deleteScreenshot(w http.ResponseWriter, r *http.Request) {
	rid, n, err := s.publishedStep(r)
	if err == nil {
		err = s.cfg.Store.DeleteScreenshot(r.Context(), rid, n)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.screenshot.delete", store.AuditTarget("recording", rid), fmt.Sprintf("step %d", n))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getScreenshot(w http.ResponseWriter, r *http.Request) {
	id, proc, err := s.authz.Process(r, access.Read)
	var rec store.Recording
	if err == nil {
		rec, err = s.authz.PublishedRecording(r, id)
	}
	if err == nil {
		switch authz.RecordingAccess(r, proc, rec.Recorder) {
		case authz.FullView:
		case authz.NamesView:
			// They see the recording's step names: its existence is no news.
			err = response.Errorf(http.StatusForbidden, "forbidden", "screenshots are shown to the process's owners and co-owners and to their recorder")
		default:
			err = response.ErrNotFound // as for a recording that does not exist
		}
	}
	var n int
	if err == nil {
		n, err = stepNumber(r)
	}
	var data []byte
	if err == nil {
		data, err = s.cfg.Store.Screenshot(r.Context(), rec.ID, n)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.screenshot.read", store.AuditTarget("recording", rec.ID), fmt.Sprintf("step %d", n))
	writeImage(w, data)
}

func writeImage(w http.ResponseWriter, data []byte) {
	w.Header().Set("Content-Type", "image/"+recording.ImageType(data))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

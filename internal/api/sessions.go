package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/store"
)

// Recording sessions: a recorder starts one, appends steps, pauses and
// resumes, stops it (it is then a draft: delete steps, edit input data)
// and publishes it into a process. A session is its recorder's alone:
// to anyone else it does not exist.

// maxStepBody bounds one step: its texts and a base64 screenshot.
const maxStepBody = 48 << 20

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	if err := authz.Create(r, access.Recording); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req struct {
		Title string `json:"title"`
	}
	err := request.Decode(w, r, &req)
	if err == nil && (strings.TrimSpace(req.Title) == "" || len(req.Title) > 200 || strings.ContainsRune(req.Title, 0)) {
		err = response.Invalid("title is required: 1 to 200 characters, no NUL")
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	_, applier, err := s.policyFor(r)
	var id access.ID
	if err == nil {
		title, _ := applier.Apply(req.Title)
		id, err = s.cfg.Store.CreateRecording(r.Context(), store.Recording{Env: request.Environment(r), Recorder: request.Caller(r).ID, Title: title, State: store.StateRecording}, nil, nil)
	}
	var rec store.Recording
	if err == nil {
		rec, err = s.cfg.Store.Recording(r.Context(), request.Environment(r), id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.session.start", store.AuditTarget("recording", id), "")
	response.JSON(w, http.StatusCreated, rec)
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	recs, err := s.cfg.Store.Sessions(r.Context(), request.Environment(r), request.Caller(r).ID)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"sessions": recs})
}

// sessionFor loads the caller's own unpublished session {id}.
func (s *Server) sessionFor(r *http.Request) (store.Recording, error) {
	id, err := request.PathID(r, "id")
	if err != nil {
		return store.Recording{}, err
	}
	rec, err := s.cfg.Store.Recording(r.Context(), request.Environment(r), id)
	if err == nil {
		err = authz.Session(r, rec)
	}
	return rec, err
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	rec, err := s.sessionFor(r)
	var steps []store.Step
	if err == nil {
		steps, err = s.cfg.Store.Steps(r.Context(), rec.ID)
	}
	var full []fullStep
	if err == nil {
		full, err = s.withFindings(r, steps)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.read", store.AuditTarget("recording", rec.ID), "own session: steps with input data")
	response.JSON(w, http.StatusOK, recordingBody{Recording: rec, View: "full", Steps: full})
}

func errPaused(state string) error {
	if state == store.StatePaused {
		return response.Errorf(http.StatusConflict, "paused", "the session is paused: steps sent during a pause are refused and not stored")
	}
	return response.Errorf(http.StatusConflict, "wrong_state", "the session is "+state+": it takes no more steps")
}

// appendStep takes one step. The state is checked before the body is
// read, and again, under a lock, when the step is stored: a step that
// arrives during a pause is never stored anywhere, and the request log
// holds only the method, path and status.
func (s *Server) appendStep(w http.ResponseWriter, r *http.Request) {
	rec, err := s.sessionFor(r)
	if err == nil && rec.State != store.StateRecording {
		err = errPaused(rec.State)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		response.WriteError(w, r, response.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the step as JSON (Content-Type: application/json)"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStepBody))
	if err != nil {
		response.WriteError(w, r, uploadError(err))
		return
	}
	step, shot, err := decodeSessionStep(body)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	_, applier, err := s.policyFor(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	answer := map[string]any{}
	if shot != nil {
		// Cleaning a screenshot decodes it: it waits for an image slot.
		release, slotErr := s.imageSlot(r.Context())
		if slotErr != nil {
			response.WriteError(w, r, slotErr)
			return
		}
		_, shot, err = applier.CleanStep(&step, shot)
		release()
		if err == nil && shot == nil {
			answer["screenshot_dropped"] = whyDropped
		}
	} else {
		_, _, err = applier.CleanStep(&step, nil)
	}
	if err != nil {
		response.WriteError(w, r, response.Invalid("screenshot: %v", err))
		return
	}
	n, err := s.cfg.Store.AppendStep(r.Context(), request.Environment(r), rec.ID, step, shot)
	switch {
	case errors.Is(err, store.ErrState):
		current, _ := s.cfg.Store.Recording(r.Context(), request.Environment(r), rec.ID)
		err = errPaused(current.State)
	case errors.Is(err, store.ErrTooManySteps):
		err = response.Errorf(http.StatusUnprocessableEntity, "too_many_steps",
			fmt.Sprintf("a recording holds at most %d steps, as a bundle does, and this session has them: the step is not stored; stop the session and start another", recording.MaxSteps))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	answer["n"] = n
	response.JSON(w, http.StatusCreated, answer)
}

// decodeSessionStep reads a step in recording.json's form whose
// screenshot, when there is one, is the image itself in base64 (a data:
// URL prefix is accepted).
func decodeSessionStep(body []byte) (recording.Step, []byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return recording.Step{}, nil, response.Errorf(http.StatusBadRequest, "bad_json", "the body must be one JSON object: a step")
	}
	var shot []byte
	if raw, ok := fields["screenshot"]; ok {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return recording.Step{}, nil, response.Invalid("step: screenshot: a base64 PNG or JPEG image, as a string")
		}
		if i := strings.Index(text, ";base64,"); strings.HasPrefix(text, "data:") && i > 0 {
			text = text[i+len(";base64,"):]
		}
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return recording.Step{}, nil, response.Invalid("step: screenshot: not base64 (%v)", err)
		}
		if err := recording.CheckImage("step: screenshot", data, recording.Limits{}); err != nil {
			return recording.Step{}, nil, response.Invalid("%v", err)
		}
		shot = data
		delete(fields, "screenshot")
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		return recording.Step{}, nil, err
	}
	st, err := recording.DecodeStep("step", rest)
	var bad *recording.Error
	if errors.As(err, &bad) {
		return recording.Step{}, nil, response.Invalid("%v", bad)
	}
	return st, shot, err
}

// sessionState answers pause, resume and stop.
func (s *Server) sessionState(from []string, to, action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, err := s.sessionFor(r)
		if err == nil {
			err = s.cfg.Store.SetRecordingState(r.Context(), request.Environment(r), rec.ID, from, to, 0)
		}
		if errors.Is(err, store.ErrState) {
			err = response.Errorf(http.StatusConflict, "wrong_state", fmt.Sprintf("the session is %s; it cannot be %s", rec.State, action))
		}
		if err == nil {
			rec, err = s.cfg.Store.Recording(r.Context(), request.Environment(r), rec.ID)
		}
		if err != nil {
			response.WriteError(w, r, err)
			return
		}
		s.auditLog.Record(r, request.Environment(r), "recording.session."+to, store.AuditTarget("recording", rec.ID), "")
		response.JSON(w, http.StatusOK, rec)
	}
}

// draftScreenshot answers a step's screenshot of the caller's own
// unpublished session, for a recorder's review before publishing.
func (s *Server) draftScreenshot(w http.ResponseWriter, r *http.Request) {
	rid, n, err := s.draftStep(r)
	var data []byte
	if err == nil {
		data, err = s.cfg.Store.Screenshot(r.Context(), rid, n)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.screenshot.read", store.AuditTarget("recording", rid), fmt.Sprintf("own session: step %d", n))
	writeImage(w, data)
}

func (s *Server) publishSession(w http.ResponseWriter, r *http.Request) {
	rec, err := s.sessionFor(r)
	var req struct {
		Process access.ID `json:"process"`
	}
	if err == nil {
		err = request.Decode(w, r, &req)
	}
	var proc *access.Record
	if err == nil {
		proc, err = s.cfg.Store.ProcessRecord(r.Context(), request.Environment(r), req.Process)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !request.Subject(r).Can(access.Read, proc)) {
			err = response.Invalid("process: no such process")
		}
	}
	if err == nil {
		err = authz.RecordingAdd(r, proc)
	}
	if err == nil {
		err = s.cfg.Store.SetRecordingState(r.Context(), request.Environment(r), rec.ID, []string{store.StateStopped}, store.StatePublished, req.Process)
		if errors.Is(err, store.ErrState) {
			err = response.Errorf(http.StatusConflict, "wrong_state", "stop the session before publishing it")
		}
	}
	if err == nil {
		rec, err = s.cfg.Store.Recording(r.Context(), request.Environment(r), rec.ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.publish", store.AuditTarget("recording", rec.ID), fmt.Sprintf("process %d", req.Process))
	response.JSON(w, http.StatusOK, rec)
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	rec, err := s.sessionFor(r)
	if err == nil {
		err = s.cfg.Store.DeleteRecording(r.Context(), request.Environment(r), rec.ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, request.Environment(r), "recording.session.delete", store.AuditTarget("recording", rec.ID), "")
	w.WriteHeader(http.StatusNoContent)
}

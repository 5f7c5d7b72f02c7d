package authz

import (
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// NameStep is a step as a contributor sees another's.
type NameStep struct {
	N    int    `json:"n"`
	Name string `json:"name"`
}

// NamesOnly keeps of steps their numbers and names.
func NamesOnly(steps []store.Step) []NameStep {
	names := make([]NameStep, len(steps))
	for i, st := range steps {
		names[i] = NameStep{N: st.N, Name: st.Name}
	}
	return names
}

// PublishedRecording loads the published recording {rid} of the process.
func (a *Authorizer) PublishedRecording(r *http.Request, process access.ID) (store.Recording, error) {
	rid, err := request.PathID(r, "rid")
	if err != nil {
		return store.Recording{}, err
	}
	rec, err := a.store.Recording(r.Context(), request.Environment(r), rid)
	if err == nil && (rec.Process != process || rec.State != store.StatePublished) {
		err = response.ErrNotFound
	}
	return rec, err
}

// Recordings are the recordings of the process the caller sees in
// the list, the API's and the studio's: those they see in full. Owners,
// co-owners, administrators and customizers see them all; a contributor
// their own only, for others' are theirs to see only as step names
// (DESIGN §2) — not by title, recorder or time — and those reach them
// through task mining.
func (a *Authorizer) Recordings(r *http.Request, process access.ID, proc *access.Record) ([]store.Recording, error) {
	if err := RecordingList(r, proc); err != nil {
		return nil, err
	}
	recs, err := a.store.Recordings(r.Context(), request.Environment(r), process)
	if err != nil || RecordingAccess(r, proc, 0) == FullView {
		return recs, err
	}
	seen := recs[:0]
	for _, rec := range recs {
		if RecordingAccess(r, proc, rec.Recorder) == FullView {
			seen = append(seen, rec)
		}
	}
	return seen, nil
}

// ViewedRecording is a recording with its steps, and how much of it the
// caller may see.
type ViewedRecording struct {
	Process access.ID
	Proc    *access.Record
	Rec     store.Recording
	View    View
	Steps   []store.Step
}

// RecordingToView loads the recording {rid} of the process {id} with its
// steps, for a caller who may see at least its step names.
func (a *Authorizer) RecordingToView(r *http.Request) (ViewedRecording, error) {
	var v ViewedRecording
	var err error
	v.Process, v.Proc, err = a.Process(r, access.Read)
	if err == nil {
		v.Rec, err = a.PublishedRecording(r, v.Process)
	}
	if err == nil {
		if v.View = RecordingAccess(r, v.Proc, v.Rec.Recorder); v.View == NoView {
			// The answer for a recording one may not open is the answer
			// for one that does not exist: a refusal would tell which
			// recordings exist, and how many.
			err = response.ErrNotFound
		}
	}
	if err == nil {
		v.Steps, err = a.store.Steps(r.Context(), v.Rec.ID)
	}
	return v, err
}

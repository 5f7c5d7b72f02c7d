package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/jobs"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
)

// Alignments too heavy for one request run as jobs (issue 19): the job
// asks the conformance report (GET …/conformance?method=alignments) as
// its user, when it runs, through the same authorization and the same
// report code, and keeps the answer the report would have given them —
// the exact figures for one who may read the process's raw data, the
// guarded ones for a report reader. Only its user reads it, and only
// while they may still read the process's reports.

// maxJobQuery bounds the query a job keeps.
const maxJobQuery = 8 << 10

// startAlignments queues an alignments job of the conformance report the
// query asks (the GET's filters, model, miner and budget). It is refused
// as the GET would be, before anything is queued: a caller who may not
// read the process gets the answer of a process that does not exist.
func (s *Server) startAlignments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case len(r.URL.RawQuery) > maxJobQuery:
		response.WriteError(w, r, response.Invalid("the query may have at most %d bytes", maxJobQuery))
		return
	case q.Get("method") != "" && q.Get("method") != "alignments":
		response.WriteError(w, r, response.Invalid("this route computes alignments: leave out method, or give method=alignments"))
		return
	case q.Get("method") == "":
		// The job asks what GET …/conformance?method=alignments would.
		r.URL.RawQuery = joinQuery(r.URL.RawQuery, "method=alignments")
	}
	c, err := readConformance(r.URL.Query())
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// The GET's checks: the right to the process's reports, the filters
	// the caller may give, data to align, the reference model asked for.
	if _, err := s.reports.Source(r, false); err != nil {
		response.WriteError(w, r, err)
		return
	}
	id, _, err := s.authz.ReportProcess(r)
	if err == nil && c.which == "reference" {
		if _, err = s.cfg.Store.GetReferenceModel(r.Context(), id); errors.Is(err, store.ErrNotFound) {
			err = response.Errorf(http.StatusConflict, "no_reference_model", "the process has no reference model: upload a BPMN or PNML file first")
		}
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	queue, err := s.jobQueue()
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	user := request.Caller(r).ID
	// The query is kept decoded, its values as they are: an erasure finds
	// a name in it as it finds one elsewhere.
	args := jobs.AlignmentsArgs{Env: request.Environment(r), Process: id, User: user, Query: r.URL.Query()}
	job, err := s.cfg.Store.QueueJob(r.Context(), store.Job{Env: args.Env, Process: id, User: user, Kind: store.JobAlignments}, jobs.MaxAlignmentJobs, func(tx *sql.Tx, job access.ID) (int64, error) {
		args.Job = job
		res, err := queue.InsertTx(r.Context(), tx, args, nil)
		if err != nil {
			return 0, err
		}
		return res.Job.ID, nil
	})
	if errors.Is(err, store.ErrTooManyJobs) {
		err = response.Errorf(http.StatusTooManyRequests, "too_many_jobs", fmt.Sprintf("you have %d alignments waiting or running, the most one person may: wait until one has ended", jobs.MaxAlignmentJobs))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// The query is not recorded: its filters may name a person.
	s.auditLog.Record(r, args.Env, "conformance.alignments.job", store.AuditTarget("process", id), "job "+strconv.FormatInt(int64(job), 10))
	j, err := s.cfg.Store.JobOf(r.Context(), user, job)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/jobs/"+strconv.FormatInt(int64(job), 10))
	response.JSON(w, http.StatusAccepted, j)
}

// joinQuery appends a parameter to a raw query.
func joinQuery(raw, param string) string {
	if raw == "" {
		return param
	}
	return raw + "&" + param
}

// computeAlignments answers a queued alignments job: the conformance
// report its query asks, as a GET of its user would be answered now
// (jobs.Config.Alignments). The report's refusals (the caller's rights,
// the query, the data) are the job's, with the report's message.
func (s *Server) computeAlignments(ctx context.Context, a jobs.AlignmentsArgs, progress func(done, total int)) (jobs.Computed, error) {
	u, err := s.cfg.Store.UserByID(ctx, a.User)
	if errors.Is(err, store.ErrNotFound) {
		return jobs.Computed{}, &jobs.Refusal{Message: "your account no longer exists"}
	}
	if err != nil {
		return jobs.Computed{}, err
	}
	target := fmt.Sprintf("/api/v1/environments/%d/processes/%d/conformance?%s", a.Env, a.Process, a.Query.Encode())
	r, err := http.NewRequestWithContext(request.WithUser(ctx, u), http.MethodGet, target, nil)
	if err != nil {
		return jobs.Computed{}, &jobs.Refusal{Message: "the job's query cannot be read"}
	}
	r.Pattern = conformancePattern // its answers are the GET's, kept alike
	r.SetPathValue("env", strconv.FormatInt(int64(a.Env), 10))
	r.SetPathValue("id", strconv.FormatInt(int64(a.Process), 10))
	var out jobs.Computed
	// Admitted to the environment as a request is (its Subject loaded
	// into the request); nothing is written to a response.
	s.authz.InEnvironment(func(_ http.ResponseWriter, r *http.Request) {
		var c conformanceAsk
		if c, err = readConformance(r.URL.Query()); err != nil {
			return
		}
		if c.method != "alignments" {
			err = &jobs.Refusal{Message: "the job's query does not ask for alignments"}
			return
		}
		kept, src, cerr := s.conformanceAnswer(r, c, progress)
		if err = cerr; err == nil {
			out = jobs.Computed{Version: src.Entry.Version(), Result: store.JobResult{ContentType: kept.ContentType, Body: kept.Body, Exact: src.RawOK}}
		}
	}, func(_ http.ResponseWriter, _ *http.Request, ferr error) { err = ferr })(nil, r)
	if err == nil || ctx.Err() != nil {
		return out, err
	}
	var refusal *jobs.Refusal
	if errors.As(err, &refusal) {
		return out, err
	}
	if e := response.As(err); e != nil && e.Status < 500 {
		busy := e.Status == http.StatusTooManyRequests
		return out, &jobs.Refusal{Message: e.Message, Retry: busy}
	} else if e != nil && e.Status == http.StatusServiceUnavailable {
		return out, &jobs.Refusal{Message: e.Message, Retry: true}
	}
	return out, err
}

// getJobResult serves a done job's result to its user (readJobResult).
func (s *Server) getJobResult(w http.ResponseWriter, r *http.Request) {
	id, err := request.PathID(r, "id")
	var res store.JobResult
	if err == nil {
		_, res, err = s.readJobResult(r, id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeKept(w, report.Kept{ContentType: res.ContentType, Body: res.Body})
}

// cancelJob stops one of the caller's own alignments jobs that is
// waiting or running: the job fails with that reason, and its worker
// stops at its next progress report or never starts. Anyone else's job,
// or one of another kind, is not found; one that has ended is a
// conflict.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, err := request.PathID(r, "id")
	var j store.Job
	if err == nil {
		j, err = s.cfg.Store.JobOf(r.Context(), request.Caller(r).ID, id)
	}
	if err == nil && j.Kind != store.JobAlignments {
		err = response.ErrNotFound
	}
	if err == nil {
		// A job of an environment one has left is gone with it.
		_, err = s.cfg.Store.Subject(r.Context(), j.Env, request.Caller(r).ID)
	}
	if err == nil {
		err = s.cfg.Store.FailJob(r.Context(), id, "cancelled by you")
		if errors.Is(err, store.ErrJobEnded) {
			err = response.Errorf(http.StatusConflict, "job_ended", "the job has ended already")
		}
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.auditLog.Record(r, j.Env, "conformance.alignments.cancel", store.AuditTarget("process", j.Process), "job "+strconv.FormatInt(int64(id), 10))
	w.WriteHeader(http.StatusNoContent)
}

// readJobResult is a done job's result, for its user alone, while they
// may still read the process's reports (and, for exact figures, its raw
// data): anyone else, and a job of another kind, is not found. A job not
// done yet, or failed, is a conflict that says so; a result deleted with
// the data it was computed from is gone.
func (s *Server) readJobResult(r *http.Request, id access.ID) (store.Job, store.JobResult, error) {
	j, res, err := s.cfg.Store.JobResultOf(r.Context(), request.Caller(r).ID, id)
	if err == nil && j.Kind != store.JobAlignments {
		err = response.ErrNotFound
	}
	if err == nil {
		err = s.mayReadResult(r, j, res)
	}
	switch {
	case err != nil:
	case j.State == "failed":
		err = response.Errorf(http.StatusConflict, "job_failed", "the job failed, and has no result: "+j.Error)
	case j.State != "done":
		err = response.Errorf(http.StatusConflict, "job_not_done", fmt.Sprintf("the job is %s (%.0f%% done): its result can be read once it is done", j.State, 100*j.Progress))
	case res.Body == nil:
		err = response.Errorf(http.StatusGone, "result_gone", "the result was deleted with the data it was computed from (the process's data changed, or an erasure ran): start the job again")
	}
	if err != nil {
		return store.Job{}, store.JobResult{}, err
	}
	return j, res, nil
}

// mayReadResult checks, as the result is read, that its user may still
// read it: a member of the job's environment who may read the process's
// reports, and its raw data when the result holds exact figures. Every
// refusal is not found: the job is theirs, the process may no longer be.
func (s *Server) mayReadResult(r *http.Request, j store.Job, res store.JobResult) error {
	sub, err := s.cfg.Store.Subject(r.Context(), j.Env, request.Caller(r).ID)
	if err != nil {
		return err
	}
	rec, err := s.cfg.Store.ProcessRecord(r.Context(), j.Env, j.Process)
	if err != nil {
		return err
	}
	if authz.ReportDenied(sub, rec) != nil || (res.Exact && !authz.SubjectMayReadData(sub, rec)) {
		return response.ErrNotFound
	}
	return nil
}

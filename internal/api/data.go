package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// defaultMaxUpload bounds an upload's size unless configured; maxContent
// bounds what it may expand to.
const (
	defaultMaxUpload = 1 << 30
	maxContent       = 8 << 30
	// maxStored keeps an encoded log under what a database value holds.
	maxStored     = 900 << 20
	uploadTimeout = time.Hour
)

// upload takes event data into a process: the file is saved aside, a job
// reads it in the background, and the answer is the job to watch. The
// process keeps its current version until the new one is read entirely.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.processFor(r, access.Read)
	if err == nil {
		err = authorizeRecords(r, rec, access.EventLog, access.Create)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Big files take time; the server's general read timeout is for the rest.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, r, errorf(http.StatusBadRequest, "bad_upload", "send the log as multipart/form-data with a part named file"))
		return
	}
	var opts importer.Options
	var applier *privacy.Applier // the privacy policy, when asked for
	var name, path string
	defer func() {
		if path != "" {
			os.Remove(path)
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeError(w, r, uploadError(err))
			return
		}
		if part.FormName() == "file" {
			if path != "" {
				writeError(w, r, invalid("the upload has more than one part named file"))
				return
			}
			name = filepath.Base(part.FileName())
			if name == "." || name == "/" || name == "" {
				name = "upload"
			}
			if path, err = s.saveUpload(part); err != nil {
				writeError(w, r, uploadError(err))
				return
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 1024))
		if err != nil {
			writeError(w, r, uploadError(err))
			return
		}
		if part.FormName() == "privacy" {
			switch string(value) {
			case "apply":
				if _, applier, err = s.policyFor(r); err != nil {
					writeError(w, r, err)
					return
				}
			case "", "none":
			default:
				writeError(w, r, invalid("privacy is apply (the environment's privacy policy on resources and attributes) or none"))
				return
			}
			continue
		}
		if err := setOption(&opts, part.FormName(), string(value)); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if path == "" {
		writeError(w, r, invalid("the upload has no part named file"))
		return
	}
	if _, err := importer.DetectFormat(name, opts.Format); err != nil {
		writeError(w, r, invalid("%v", err))
		return
	}
	u := caller(r)
	job, err := s.cfg.Store.CreateJob(r.Context(), store.Job{Env: environment(r), Process: id, User: u.ID, Kind: "import"})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.audit(r, environment(r), "data.upload", target("process", id), name)
	kept := path
	path = "" // the job owns the file now
	s.jobs.Add(1)
	go s.importJob(job, environment(r), id, u.ID, name, kept, opts, applier)
	writeJSON(w, http.StatusAccepted, map[string]any{"job": job})
}

// setOption reads a form field of the column mapping.
func setOption(o *importer.Options, field, value string) error {
	m := &o.Mapping
	targets := map[string]*string{
		"case": &m.Case, "activity": &m.Activity, "start": &m.Start, "timestamp": &m.Timestamp, "end": &m.End,
		"resource": &m.Resource, "lifecycle": &m.Lifecycle, "timestamp-format": &m.TimestampFormat,
		"delimiter": &o.Delimiter, "format": &o.Format,
	}
	dst, ok := targets[field]
	if !ok {
		return invalid("unknown upload field %q (fields: file, case, activity, start, timestamp, end, resource, lifecycle, timestamp-format, delimiter, format, privacy)", field)
	}
	*dst = value
	return nil
}

func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the upload is larger than %d bytes", tooBig.Limit))
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the upload's form is too large")
	}
	return errorf(http.StatusBadRequest, "bad_upload", "the upload is not a readable multipart form")
}

// saveUpload writes the file part to a private temporary file.
func (s *Server) saveUpload(part io.Reader) (string, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "procmine-upload-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// progressReader counts the bytes read, for the job's progress.
type progressReader struct {
	r    io.Reader
	read atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read.Add(int64(n))
	return n, err
}

// importJob reads an uploaded file into a new version of the process.
func (s *Server) importJob(job, env, process, user access.ID, name, path string, opts importer.Options, applier *privacy.Applier) {
	defer s.jobs.Done()
	defer os.Remove(path)
	ctx := context.Background()
	j := store.Job{ID: job, State: "running"}
	fail := func(msg string) {
		j.State, j.Error = "failed", msg
		if err := s.cfg.Store.UpdateJob(ctx, j); err != nil {
			s.cfg.Log.Error("job", "job", job, "err", err)
		}
	}
	defer func() {
		// A reader's panic on some file must fail the job, not the server.
		if v := recover(); v != nil {
			s.cfg.Log.Error("import panic", "job", job, "panic", v)
			fail("internal error while reading the file")
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		fail("internal error: the upload could not be read again")
		s.cfg.Log.Error("job", "job", job, "err", err)
		return
	}
	defer f.Close()
	info, _ := f.Stat()
	// Real logs compress about 20 to 1; far more is a bomb.
	opts.MaxContent = min(maxContent, 200*info.Size()+1<<20)
	pr := &progressReader{r: f}
	s.cfg.Store.UpdateJob(ctx, j)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // report progress while reading
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if size := info.Size(); size > 0 {
					p := j
					p.Progress = 0.9 * float64(pr.read.Load()) / float64(size)
					s.cfg.Store.UpdateJob(ctx, p)
				}
			}
		}
	}()
	l, err := importer.Read(pr, name, opts)
	close(done)
	wg.Wait()
	if err != nil {
		var pe *eventlog.ParseError
		var ue *importer.UsageError
		switch {
		case errors.As(err, &pe), errors.As(err, &ue):
			fail(err.Error())
		default:
			s.cfg.Log.Error("import", "job", job, "err", err)
			fail("the file could not be read: " + err.Error())
		}
		return
	}
	if applier != nil {
		// Before anything is stored: resources and string attributes.
		l.Rewrite(applier.Rewriter())
	}
	data, err := l.MarshalBinary()
	if err == nil && len(data) > maxStored {
		fail(fmt.Sprintf("%s: the log is too large to store (%d events, %d MB encoded; at most %d MB)", name, l.NumEvents(), len(data)>>20, maxStored>>20))
		return
	}
	if err == nil {
		j.Version, err = s.cfg.Store.AddVersion(ctx, process, store.Version{By: user, Source: name, Cases: l.NumCases(), Events: l.NumEvents()}, data)
	}
	if err != nil {
		s.cfg.Log.Error("import", "job", job, "err", err)
		fail("internal error: the log could not be stored")
		return
	}
	j.State, j.Progress = "done", 1
	if err := s.cfg.Store.UpdateJob(ctx, j); err != nil {
		s.cfg.Log.Error("job", "job", job, "err", err)
	}
	s.cfg.Store.Audit(ctx, store.AuditEntry{Env: env, At: s.cfg.Now().UTC(), ActorID: user, Actor: fmt.Sprintf("user %d", user),
		Action: "data.version", Target: target("process", process), Detail: fmt.Sprintf("version %d: %d cases, %d events from %s", j.Version, l.NumCases(), l.NumEvents(), name)})
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var j store.Job
	if err == nil {
		j, err = s.cfg.Store.JobOf(r.Context(), caller(r).ID, id)
	}
	if err == nil {
		// A job of an environment one has left is gone with it.
		_, err = s.cfg.Store.Subject(r.Context(), j.Env, caller(r).ID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// listVersions lists a process's data versions, for those who may read
// its data.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.processFor(r, access.Read)
	if err == nil {
		err = authorizeRecords(r, rec, access.EventLog, access.Read)
	}
	var vs []store.Version
	if err == nil {
		vs, err = s.cfg.Store.Versions(r.Context(), id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.processFor(r, access.Read)
	if err == nil {
		err = authorizeRecords(r, rec, access.EventLog, access.Delete)
	}
	var version access.ID
	if err == nil {
		version, err = pathID(r, "version")
	}
	if err == nil {
		err = s.cfg.Store.DeleteVersion(r.Context(), id, version)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.logs.forget(version)
	s.audit(r, environment(r), "data.delete", target("process", id), fmt.Sprintf("version %d", version))
	w.WriteHeader(http.StatusNoContent)
}

// Wait blocks until background jobs have finished, for a clean shutdown.
func (s *Server) Wait() { s.jobs.Wait() }

// FailStaleJobs marks the jobs a previous run of the server left queued or
// running as failed: their work died with that process. Call it at start.
func (s *Server) FailStaleJobs(ctx context.Context) error {
	return s.cfg.Store.FailUnfinishedJobs(ctx, "the server stopped during the import: upload the file again")
}

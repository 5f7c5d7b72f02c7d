package api

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/jobs"
	"github.com/procmine/procmine/internal/names"
	"github.com/procmine/procmine/internal/store"
	"github.com/riverqueue/river"
)

// defaultMaxUpload bounds an upload's size unless configured (what it may
// expand to, and what its log may take stored, are the import job's:
// jobs.MaxContent, jobs.MaxStored).
const (
	defaultMaxUpload = 1 << 30
	uploadTimeout    = time.Hour
)

// upload takes event data into a process: the file is saved aside, a job
// reads it in the background, and the answer is the job to watch. The
// process keeps its current version until the new one is read entirely.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.ImportDenied(request.Subject(r), rec)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Before the body is read: a server not running jobs cannot take it.
	queue, err := s.jobQueue()
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// Big files take time; the server's general read timeout is for the rest.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		response.WriteError(w, r, response.Errorf(http.StatusBadRequest, "bad_upload", "send the log as multipart/form-data with a part named file"))
		return
	}
	// The environment's privacy policy applies unless the uploader, who
	// may see the process's raw data anyway, asks to keep the file as it
	// is; that choice is audited.
	applyPolicy := true
	var path string
	defer func() {
		if path != "" {
			os.Remove(path)
		}
	}()
	form, err := readUploadForm(mr, "upload", func(part *multipart.Part) (err error) {
		path, err = s.saveUpload(part)
		return err
	}, func(value string) error {
		switch value {
		case "", "apply":
			applyPolicy = true
		case "raw", "none":
			// Raw data is for those who may read it: anyone else would
			// put in what the policy keeps from them and others.
			if !authz.MayReadData(r, rec) {
				return response.Errorf(http.StatusForbidden, "forbidden", "privacy=raw keeps the file's personal data as it is, which only those allowed to read the process's raw data may do: upload without it, and the environment's privacy policy applies")
			}
			applyPolicy = false
		default:
			return response.Invalid("privacy is apply (the environment's privacy policy on resources and attributes; the default) or raw (keep the data as it is, for those who may read the process's raw data; audited)")
		}
		return nil
	})
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	name, opts, mapping := form.name, form.options, form.mapping
	format, err := importer.DetectFormat(name, opts.Format)
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	if format == "ocel" && opts.ObjectType == "" {
		response.WriteError(w, r, response.Invalid("%s is an object-centric log: give the object type whose objects are the cases in the field object-type", name))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	// The file goes into the database with its job, so that any server
	// may read it.
	args := jobs.ImportArgs{Env: request.Environment(r), Process: id, User: request.Caller(r).ID, Name: name, Size: info.Size(), Options: opts, Privacy: applyPolicy, Mapping: mapping}
	job, err := s.cfg.Store.StageImport(r.Context(), store.Job{Env: args.Env, Process: id, User: args.User, Kind: "import"}, f, func(tx *sql.Tx, job access.ID) (int64, error) {
		args.Job = job
		res, err := queue.InsertTx(r.Context(), tx, args, nil)
		if err != nil {
			return 0, err
		}
		return res.Job.ID, nil
	})
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	detail := name
	if !applyPolicy {
		detail += store.UploadRawNote
	}
	s.auditLog.Record(r, request.Environment(r), "data.upload", store.AuditTarget("process", id), detail)
	response.JSON(w, http.StatusAccepted, map[string]any{"job": job})
}

// mappingFields are the upload's form fields that map a table's columns:
// an upload that gives any is remembered for the process's next one.
var mappingFields = map[string]bool{"case": true, "activity": true, "start": true, "timestamp": true, "end": true,
	"resource": true, "lifecycle": true, "timestamp-format": true, "delimiter": true}

// previewRows bounds the rows a preview checks and returns.
const previewRows = 20

// previewUpload reads the first bytes of a CSV or TSV file (the part named
// file, at most csvlog.MaxPreview bytes) with the upload's mapping fields,
// and answers what the import would make of its first rows: the
// delimiter, the columns, which column has which role, and each row with
// the importer's own error for it. It is allowed exactly as an upload is,
// stores nothing and so audits nothing: what it answers is what the caller
// sent.
func (s *Server) previewUpload(w http.ResponseWriter, r *http.Request) {
	_, rec, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.ImportDenied(request.Subject(r), rec)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, csvlog.MaxPreview+32<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		response.WriteError(w, r, response.Errorf(http.StatusBadRequest, "bad_upload", "send the file's first bytes as multipart/form-data with a part named file"))
		return
	}
	var sample []byte
	form, err := readUploadForm(mr, "preview", func(part *multipart.Part) (err error) {
		if sample, err = io.ReadAll(io.LimitReader(part, csvlog.MaxPreview+1)); err != nil {
			return err
		}
		if len(sample) > csvlog.MaxPreview {
			return response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a preview reads at most the first %d bytes of the file", csvlog.MaxPreview))
		}
		return nil
	}, func(string) error { return nil }) // the privacy choice is the upload's, not the preview's
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	name, opts := form.name, form.options
	p, err := importer.Preview(sample, name, opts, previewRows)
	if err != nil {
		response.WriteError(w, r, response.Invalid("%v", err))
		return
	}
	response.JSON(w, http.StatusOK, p)
}

// uploadForm is what an upload's form says besides the file: its name and
// the import options of the mapping fields, and the mapping fields given,
// to remember for the process's next upload.
type uploadForm struct {
	name    string
	options importer.Options
	mapping map[string]string
}

// readUploadForm reads the multipart form of an upload or of its preview
// (what, in errors): the one part named file goes to file once its name is
// checked, the field privacy to privacy, and every other field is a
// column-mapping option. Fields are read up to 1 KiB each.
func readUploadForm(mr *multipart.Reader, what string, file func(*multipart.Part) error, privacy func(string) error) (uploadForm, error) {
	f := uploadForm{mapping: map[string]string{}}
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return f, uploadError(err)
		}
		if part.FormName() == "file" {
			if seen {
				return f, response.Invalid("the %s has more than one part named file", what)
			}
			seen = true
			if f.name = filepath.Base(part.FileName()); f.name == "." || f.name == "/" || f.name == "" {
				f.name = "upload"
			}
			// The name is shown in the version list and the audit log: a
			// direction override or another invisible character there
			// would make it, and what follows it, read as something else.
			if err := names.Check("file name", f.name); err != nil {
				return f, response.Invalid("%v", err)
			}
			if err := file(part); err != nil {
				if e := response.As(err); e != nil {
					return f, e
				}
				return f, uploadError(err)
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 1024))
		if err != nil {
			return f, uploadError(err)
		}
		if part.FormName() == "privacy" {
			if err := privacy(string(value)); err != nil {
				return f, err
			}
			continue
		}
		if err := setOption(&f.options, part.FormName(), string(value)); err != nil {
			return f, err
		}
		if mappingFields[part.FormName()] && len(value) > 0 {
			// Remembered and shown to the process's next uploaders, as the
			// file's name is shown: no character a reader would not see.
			if err := names.Check(part.FormName(), string(value)); err != nil {
				return f, response.Invalid("%v", err)
			}
			f.mapping[part.FormName()] = string(value)
		}
	}
	if !seen {
		return f, response.Invalid("the %s has no part named file", what)
	}
	return f, nil
}

// setOption reads a form field of the column mapping.
func setOption(o *importer.Options, field, value string) error {
	m := &o.Mapping
	targets := map[string]*string{
		"case": &m.Case, "activity": &m.Activity, "start": &m.Start, "timestamp": &m.Timestamp, "end": &m.End,
		"resource": &m.Resource, "lifecycle": &m.Lifecycle, "timestamp-format": &m.TimestampFormat,
		"delimiter": &o.Delimiter, "format": &o.Format, "object-type": &o.ObjectType,
	}
	dst, ok := targets[field]
	if !ok {
		return response.Invalid("unknown upload field %q (fields: file, case, activity, start, timestamp, end, resource, lifecycle, timestamp-format, delimiter, format, object-type, privacy)", field)
	}
	*dst = value
	return nil
}

func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return response.Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the upload is larger than %d bytes", tooBig.Limit))
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return response.Errorf(http.StatusRequestEntityTooLarge, "too_large", "the upload's form is too large")
	}
	return response.Errorf(http.StatusBadRequest, "bad_upload", "the upload is not a readable multipart form")
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

// jobQueue is the queue background jobs go to, or why there is none
// here.
func (s *Server) jobQueue() (*river.Client[*sql.Tx], error) {
	queue := s.jobs.Client()
	if queue == nil {
		return nil, response.Errorf(http.StatusServiceUnavailable, "unavailable", "this server is not running background jobs; try again later")
	}
	return queue, nil
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id, err := request.PathID(r, "id")
	var j store.Job
	if err == nil {
		j, err = s.cfg.Store.JobOf(r.Context(), request.Caller(r).ID, id)
	}
	if err == nil {
		// A job of an environment one has left is gone with it.
		_, err = s.cfg.Store.Subject(r.Context(), j.Env, request.Caller(r).ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, j)
}

// listVersions lists a process's data versions, for those who may read
// its data.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.Records(r, rec, access.EventLog, access.Read)
	}
	var vs []store.Version
	if err == nil {
		vs, err = s.cfg.Store.Versions(r.Context(), id)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"versions": vs})
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) {
	id, rec, err := s.authz.Process(r, access.Read)
	if err == nil {
		err = authz.Records(r, rec, access.EventLog, access.Delete)
	}
	var version access.ID
	if err == nil {
		version, err = request.PathID(r, "version")
	}
	if err == nil {
		err = s.cfg.Store.DeleteVersion(r.Context(), id, version)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.changed(store.ChangedVersion(version)) // the store told the others
	s.auditLog.Record(r, request.Environment(r), "data.delete", store.AuditTarget("process", id), fmt.Sprintf("version %d", version))
	w.WriteHeader(http.StatusNoContent)
}

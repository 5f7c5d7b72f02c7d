// Package importer reads an event log file of any supported kind: it
// decompresses gzip, tells XES from CSV/TSV and Parquet by the file name
// (or is told),
// and hands the content to the right reader. The CLI and the server's
// uploads share it, so a file reads the same everywhere.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/ocel"
)

// Options say how to read a file.
type Options struct {
	// Format is "xes", "csv", "parquet" or "ocel"; empty tells from the
	// name.
	Format string
	// ObjectType flattens an object-centric log (OCEL 2.0 JSON or XML):
	// one case per object of the type.
	ObjectType string
	// Delimiter for CSV: one character ("\t" written as `\t` too); empty
	// detects it (tab for .tsv names).
	Delimiter string
	Mapping   csvlog.Mapping
	WallClock bool
	// MaxContent bounds the decompressed content in bytes (0: no bound),
	// so that a small gzip bomb cannot fill memory.
	MaxContent int64
	// Budget bounds the log while it is read: its estimated memory and
	// its distinct attribute keys. Zero fields take eventlog's defaults
	// (DefaultMaxMemory, DefaultMaxKeys); every file is read within one.
	Budget eventlog.Budget `json:"-"`
	// Size is the file's size in bytes when known (0 when not): the CSV
	// reader sizes the log's columns from it, once, when the file is not
	// compressed.
	Size int64 `json:"-"`
	// ContentSize tells, for a compressed file, its content's size (0
	// when it cannot: eventlog.GzipContentSize reads it off the file's
	// end), which serves as Size does. It is called only for a
	// compressed file; nil is unknown.
	ContentSize func() int64 `json:"-"`
	// OnOCEL, when set, is given an object-centric log once it is read
	// and flattened (the graph a version keeps).
	OnOCEL func(*ocel.Log) `json:"-"`
	// Context bounds reading an OCEL SQLite file (nil: none); TempDir is
	// where one is written to be opened, and deleted after (the system's
	// when empty).
	Context context.Context `json:"-"`
	TempDir string          `json:"-"`
}

// ErrTooLarge is returned when the content exceeds MaxContent.
type ErrTooLarge struct{ Limit int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("the file's content is larger than %d bytes once decompressed", e.Limit)
}

// limited fails reads once more than max bytes have been read.
type limited struct {
	r    io.Reader
	left int64
	max  int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &ErrTooLarge{l.max}
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &ErrTooLarge{l.max}
	}
	return n, err
}

// UsageError is a wrong option rather than bad content.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Read reads a log from r; name (the file's name as the user knows it) is
// used to tell the format and in error messages.
func Read(r io.Reader, name string, o Options) (*eventlog.Log, error) {
	format, err := DetectFormat(name, o.Format)
	if err != nil {
		return nil, err
	}
	m := o.Mapping
	m.WallClock = o.WallClock
	m.Budget = o.Budget
	if format == "csv" {
		if m.Delimiter, err = delimiter(name, o.Delimiter); err != nil {
			return nil, err
		}
	}
	if format == "parquet" {
		if f, ok := atStart(r, o.Size); ok {
			return parquetlog.Read(f, o.Size, name, parquetlog.Options{Mapping: m, MaxContent: o.MaxContent})
		}
	}
	content, err := eventlog.Decompress(r)
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "", "the file is not valid gzip (%v)", err)
	}
	defer content.Close()
	m.Size = o.Size
	if eventlog.Compressed(content) {
		m.Size = 0 // a compressed file's content is of another size
		if o.ContentSize != nil {
			m.Size = o.ContentSize()
		}
	}
	if format == "parquet" {
		return readParquet(content, name, m, o)
	}
	if format == "ocel" {
		return readOCEL(content, name, o)
	}
	var in io.Reader = content
	var lim *limited
	if o.MaxContent > 0 {
		lim = &limited{r: content, left: o.MaxContent, max: o.MaxContent}
		in = lim
	}
	var l *eventlog.Log
	if format == "xes" {
		l, err = xes.Read(in, name, xes.Options{WallClock: o.WallClock, Budget: o.Budget})
	} else {
		l, err = csvlog.Read(in, name, m)
	}
	// The limit is said as itself, whatever the reader made of the read
	// that crossed it: the XML tokenizer passes the error on as text
	// ("malformed XML: …"), at the line it had reached.
	if tl := (*ErrTooLarge)(nil); errors.As(err, &tl) || err != nil && lim != nil && lim.left < 0 {
		return nil, eventlog.Errorf(name, 0, "", "%v", &ErrTooLarge{o.MaxContent})
	}
	return l, err
}

// atStart is r as an io.ReaderAt when it is a file of size bytes (size
// given) that begins with Parquet's magic and has not been read from:
// a Parquet file is read where it lies, its footer first.
func atStart(r io.Reader, size int64) (io.ReaderAt, bool) {
	ra, ok := r.(io.ReaderAt)
	s, isSeeker := r.(io.Seeker)
	if !ok || !isSeeker || size < 8 {
		return nil, false
	}
	if at, err := s.Seek(0, io.SeekCurrent); err != nil || at != 0 {
		return nil, false
	}
	if end, err := s.Seek(0, io.SeekEnd); err != nil || end != size {
		s.Seek(0, io.SeekStart)
		return nil, false
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return nil, false
	}
	magic := make([]byte, 4)
	if _, err := ra.ReadAt(magic, 0); err != nil || string(magic) != "PAR1" {
		return nil, false
	}
	return ra, true
}

// readParquet reads a Parquet file's content into memory, within
// MaxContent (a file that is gzipped, or not a file).
func readParquet(content io.Reader, name string, m csvlog.Mapping, o Options) (*eventlog.Log, error) {
	po := parquetlog.Options{Mapping: m, MaxContent: o.MaxContent}
	var in io.Reader = content
	if o.MaxContent > 0 {
		in = &limited{r: content, left: o.MaxContent, max: o.MaxContent}
	}
	data, err := io.ReadAll(in)
	if tl := (*ErrTooLarge)(nil); errors.As(err, &tl) {
		return nil, eventlog.Errorf(name, 0, "", "%v", tl)
	}
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "", "cannot be read (%v)", err)
	}
	return parquetlog.Read(bytes.NewReader(data), int64(len(data)), name, po)
}

// readOCEL reads an object-centric log in JSON, XML or SQLite, within
// MaxContent and the budget, and flattens it on the object type the
// options name.
func readOCEL(content io.Reader, name string, o Options) (*eventlog.Log, error) {
	var in io.Reader = content
	if o.MaxContent > 0 {
		in = &limited{r: content, left: o.MaxContent, max: o.MaxContent}
	}
	br := bufio.NewReader(in)
	var l *ocel.Log
	var err error
	head, _ := br.Peek(len(sqliteMagic))
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	if string(head) == sqliteMagic {
		l, err = readOCELSQLite(br, name, o)
	} else if strings.HasSuffix(n, ".sqlite") || strings.HasSuffix(n, ".sqlite3") {
		return nil, eventlog.Errorf(name, 0, "", "not a SQLite database (it does not begin as one)")
	} else {
		l, err = ocel.ReadFrom(br, name, ocel.Options{MaxMemory: o.Budget.MaxMemory})
	}
	if tl := (*ErrTooLarge)(nil); errors.As(err, &tl) {
		return nil, eventlog.Errorf(name, 0, "", "%v", tl)
	}
	if err != nil {
		return nil, err
	}
	if o.ObjectType == "" {
		return nil, eventlog.Errorf(name, 0, "", "an object-centric log: give the object type whose objects are the cases (object-type: %s)", ocel.Listed(l.TypesWithObjects()))
	}
	flat, err := l.Flatten(o.ObjectType, o.Budget)
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "object-type", "%v", err)
	}
	if o.OnOCEL != nil {
		o.OnOCEL(l)
	}
	return flat, nil
}

// ServerError is a fault of the server's, not of the file (its
// temporary copy could not be written): an import tries again.
type ServerError struct{ Err error }

func (e *ServerError) Error() string { return "keeping a temporary copy of the file: " + e.Err.Error() }

func (e *ServerError) Unwrap() error { return e.Err }

// copyPattern names the temporary copies readOCELSQLite makes.
const copyPattern = "procmine-ocel-*.sqlite"

// RemoveStaleCopies deletes the temporary copies of OCEL SQLite uploads
// (and their -wal, -shm and -journal files) in dir (the system's when
// empty) last changed more than age ago: an import stopped by a crash
// leaves its copy behind. It returns how many it deleted.
func RemoveStaleCopies(dir string, age time.Duration) int {
	if dir == "" {
		dir = os.TempDir()
	}
	names, _ := filepath.Glob(filepath.Join(dir, copyPattern+"*"))
	n := 0
	for _, name := range names {
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && time.Since(info.ModTime()) > age && os.Remove(name) == nil {
			n++
		}
	}
	return n
}

// sqliteMagic begins every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// readOCELSQLite writes an OCEL SQLite file to a private temporary file,
// which SQLite needs to open it, reads it (read-only, as a database from
// anyone: ocel.ReadSQLite) and deletes it.
func readOCELSQLite(r io.Reader, name string, o Options) (*ocel.Log, error) {
	f, err := os.CreateTemp(o.TempDir, copyPattern)
	if err != nil {
		return nil, &ServerError{err}
	}
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(f.Name() + suffix)
		}
	}()
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if tl := (*ErrTooLarge)(nil); errors.As(err, &tl) {
		return nil, err
	} else if err != nil {
		return nil, &ServerError{err}
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return ocel.ReadSQLite(ctx, f.Name(), name, ocel.Options{MaxMemory: o.Budget.MaxMemory})
}

// DetectFormat returns "xes", "csv", "parquet" or "ocel" for a file name,
// unless format says.
func DetectFormat(name, format string) (string, error) {
	switch strings.ToLower(format) {
	case "xes", "csv", "parquet", "ocel":
		return strings.ToLower(format), nil
	case "":
	default:
		return "", &UsageError{fmt.Sprintf("format must be xes, csv, parquet or ocel, not %q", format)}
	}
	if n := strings.ToLower(name); strings.HasSuffix(n, ".jsonocel") || strings.HasSuffix(n, ".xmlocel") || strings.HasSuffix(n, ".jsonocel.gz") || strings.HasSuffix(n, ".xmlocel.gz") {
		return "ocel", nil
	}
	switch filepath.Ext(strings.TrimSuffix(strings.ToLower(name), ".gz")) {
	case ".xes", ".xml":
		return "xes", nil
	case ".csv", ".tsv", ".txt":
		return "csv", nil
	case ".parquet", ".parq", ".pq":
		return "parquet", nil
	}
	if n := strings.TrimSuffix(strings.ToLower(name), ".gz"); strings.HasSuffix(n, ".sqlite") || strings.HasSuffix(n, ".sqlite3") {
		return "ocel", nil // OCEL 2.0's SQLite form
	}
	return "", &UsageError{fmt.Sprintf("cannot tell the format of %s from its name: say xes, csv, parquet or ocel", name)}
}

// delimiter reads the option's delimiter: one character, "\t" written as
// `\t` too; none is tab for .tsv names and found from the content (0)
// otherwise.
func delimiter(name, option string) (rune, error) {
	if option != "" {
		d := []rune(strings.ReplaceAll(option, `\t`, "\t"))
		if len(d) != 1 {
			return 0, &UsageError{"the delimiter must be one character"}
		}
		return d[0], nil
	}
	if strings.HasSuffix(strings.TrimSuffix(strings.ToLower(name), ".gz"), ".tsv") {
		return '\t', nil
	}
	return 0, nil
}

// Preview reads the first bytes of a CSV or TSV file (at most
// csvlog.MaxPreview, not compressed) as Read would with the same options,
// and says what it makes of its first maxRows rows: see
// csvlog.ReadPreview.
func Preview(sample []byte, name string, o Options, maxRows int) (csvlog.Preview, error) {
	format, err := DetectFormat(name, o.Format)
	if err != nil {
		return csvlog.Preview{}, err
	}
	if format != "csv" {
		return csvlog.Preview{}, &UsageError{"only CSV and TSV files have columns to map"}
	}
	m := o.Mapping
	m.WallClock = o.WallClock
	if m.Delimiter, err = delimiter(name, o.Delimiter); err != nil {
		return csvlog.Preview{}, err
	}
	return csvlog.ReadPreview(sample, name, m, maxRows)
}

package datasource

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
)

// Folder is the kind of source that reads the CSV and Parquet files of a
// folder of the sources folder: its "query" is the files' pattern
// (filepath.Match: "*.csv", "export-*.parquet"), and a refresh reads
// the files whose names come after the last one read, in name order
// (daily exports named by date, say), appending them as rows.
const Folder = "folder"

// Bounds of a folder's refresh: the files it reads, and what each may
// expand to once decompressed.
const (
	MaxFolderFiles   = 1000
	maxFolderContent = 8 << 30
)

// folderPath is the folder a folder source names, within SQLiteDir.
func (c Config) folderPath(name string) (string, error) {
	path, err := c.inSourcesDir(name, "a folder source")
	if err != nil {
		return "", err
	}
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		return "", errorf("%q is not a folder of the sources folder", name)
	}
	return path, nil
}

// checkPattern checks a folder source's file pattern.
func checkPattern(p string) error {
	if p == "" || strings.ContainsAny(p, `/\`) {
		return errorf("a folder source's query is the pattern of its files' names, such as *.csv (no '/')")
	}
	if _, err := filepath.Match(p, ""); err != nil {
		return errorf("the pattern %q is malformed: %v", p, err)
	}
	return nil
}

// readFolder reads the files of the folder that match the pattern and
// come after q.After (a file name), in name order, each within
// MaxContent and the log budget, into one log.
func (c Config) readFolder(ctx context.Context, q Query, maxRows int) (Result, error) {
	pattern := strings.TrimSpace(q.SQL)
	if err := checkPattern(pattern); err != nil {
		return Result{}, err
	}
	dir, err := c.folderPath(q.Connection)
	if err != nil {
		return Result{}, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Result{}, errorf("the folder %q cannot be read", q.Connection)
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if ok, _ := filepath.Match(pattern, name); !ok || !e.Type().IsRegular() {
			continue // links and folders are not read
		}
		if !utf8.ValidString(name) {
			// The watermark keeps names as text: one that would not read
			// back the same would be read again at every refresh.
			return Result{}, errorf("the file name %q is not valid UTF-8: rename it", name)
		}
		if q.After.Kind == "text" && name <= q.After.Text {
			continue
		}
		if _, ok := folderFormat(name); !ok {
			return Result{}, errorf("the file %q matches %q but is not CSV, TSV or Parquet (.csv, .tsv, .csv.gz, .tsv.gz, .parquet): narrow the pattern", name, pattern)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	// The first files, in name order, up to the bound: the next refresh
	// goes on from the last one read.
	names = names[:min(len(names), MaxFolderFiles)]
	res := Result{Watermark: q.After}
	var logs []*eventlog.Log
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		// A file changed in the last seconds may still be being written:
		// neither it nor any after it is read now (the watermark would
		// pass it for good).
		if info, err := os.Lstat(filepath.Join(dir, name)); err == nil && time.Since(info.ModTime()) < settle {
			break
		}
		l, err := readFile(filepath.Join(dir, name), name, q)
		if err != nil {
			return Result{}, err
		}
		res.Rows += l.NumEvents()
		if res.Rows > maxRows {
			return Result{}, errorf("the files hold more than %d rows, the most one refresh reads", maxRows)
		}
		logs = append(logs, l)
		res.Watermark = Watermark{Kind: "text", Text: name}
	}
	if len(logs) > 0 {
		res.Log = eventlog.AppendAll(logs...)
	}
	return res, nil
}

// readFile reads one file of a folder source, as an upload is read.
func readFile(path, name string, q Query) (*eventlog.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errorf("the file %q cannot be read", name)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, errorf("the file %q cannot be read", name)
	}
	format, _ := folderFormat(name)
	l, err := importer.Read(f, name, importer.Options{Format: format, Mapping: q.Mapping, Size: info.Size(), MaxContent: min(maxFolderContent, 200*info.Size()+1<<20)})
	if err != nil {
		var pe *eventlog.ParseError
		var ue *importer.UsageError
		var tl *importer.ErrTooLarge
		if errors.As(err, &pe) || errors.As(err, &ue) || errors.As(err, &tl) {
			return nil, &Error{fmt.Sprintf("%s: %v", q.Name, err)}
		}
		// Not the file's fault as far as can be told, and its words may
		// name the server's paths: said without them.
		return nil, &Error{fmt.Sprintf("%s: the file %q could not be read", q.Name, name)}
	}
	return l, nil
}

// settle is how long a file of a folder source must be left unchanged
// before a refresh reads it.
const settle = 5 * time.Second

// folderFormat is the format of a folder source's file, by its name:
// CSV or TSV (perhaps gzipped) or Parquet, and nothing else.
func folderFormat(name string) (string, bool) {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".parquet"):
		return "parquet", true
	case strings.HasSuffix(n, ".csv"), strings.HasSuffix(n, ".tsv"), strings.HasSuffix(n, ".csv.gz"), strings.HasSuffix(n, ".tsv.gz"):
		return "csv", true
	}
	return "", false
}

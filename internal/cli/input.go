package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/ocel"
)

// inputFlags choose how a log file is read and which view of it is used.
type inputFlags struct {
	raw       bool
	asRead    bool // no view at all: the log as the file has it (convert)
	wallClock bool
	format    string
	delimiter string
	mapping   csvlog.Mapping
	// objectType flattens an object-centric log: one case per object of
	// the type.
	objectType string
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.raw, "raw-events", false, "count every event as it stands in the file (as PM4Py does), instead of merging lifecycle start/complete pairs into activity instances")
	fs.BoolVar(&f.wallClock, "wall-clock", false, "read timestamps as wall-clock times, ignoring their UTC offsets, as PM4Py does (durations across a daylight-saving change are then an hour off)")
	fs.StringVar(&f.format, "format", "", "input format: xes, csv or parquet (default: from the file name, else from its content)")
	fs.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter (default: detected from the first lines)")
	fs.StringVar(&f.mapping.Case, "case", "", "CSV column with the case id (default: detected, e.g. case:concept:name, Case ID)")
	fs.StringVar(&f.mapping.Activity, "activity", "", "CSV column with the activity (default: detected, e.g. concept:name, Activity)")
	fs.StringVar(&f.mapping.Start, "start", "", "CSV column with the start time (the event's time when neither --timestamp nor --end is given)")
	fs.StringVar(&f.mapping.Timestamp, "timestamp", "", "CSV column with the event's time (its end when --start is also given)")
	fs.StringVar(&f.mapping.End, "end", "", "CSV column with the end time")
	fs.StringVar(&f.mapping.Resource, "resource", "", "CSV column with the resource (default: detected, e.g. org:resource)")
	fs.StringVar(&f.mapping.Lifecycle, "lifecycle", "", "CSV column with the lifecycle transition (default: detected)")
	fs.StringVar(&f.objectType, "object-type", "", "for an object-centric log (OCEL: .jsonocel, .xmlocel, .sqlite), the object type whose objects are the cases")
	fs.StringVar(&f.mapping.TimestampFormat, "timestamp-format", "", `CSV timestamp form, as a strftime pattern ("%d/%m/%Y %H:%M") or a Go layout (default: ISO 8601 and near forms)`)
}

// progressThreshold is the file size above which a terminal gets a
// progress bar while reading.
const progressThreshold = 16 << 20

// load reads the log file and returns the view the flags ask for.
func (f *inputFlags) load(path string, s Streams) (*eventlog.Log, error) {
	l, err := f.read(path, s)
	if err != nil {
		return nil, err
	}
	for _, w := range l.Warnings {
		fmt.Fprintf(s.Err, "procmine: %s: %s\n", path, w)
	}
	switch {
	case f.asRead:
	case f.raw:
		l = l.Raw()
	default:
		l = l.Instances()
	}
	return l, nil
}

func (f *inputFlags) read(path string, s Streams) (*eventlog.Log, error) {
	if ocel.IsOCEL(path) || strings.EqualFold(f.format, "ocel") {
		return f.readOCEL(path)
	}
	if f.objectType != "" {
		return nil, usagef("--object-type is for object-centric logs (.jsonocel, .xmlocel, .sqlite); %s is not one", filepath.Base(path))
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var r io.Reader = file
	var size int64
	if info, err := file.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	// A gzip file says the size of its content at its end.
	contentSize := func() int64 {
		tail := make([]byte, 4)
		if _, err := file.ReadAt(tail, size-4); err != nil {
			return 0
		}
		return eventlog.GzipContentSize(size, tail)
	}
	// A Parquet file is read where it lies, footer first: no progress
	// through it to show.
	format, _ := importer.DetectFormat(path, f.format)
	if s.ErrTerminal && size > progressThreshold && format != "parquet" {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(s.Err), progressbar.OptionSetDescription("reading "+filepath.Base(path)),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100_000_000))
		defer bar.Finish()
		r = io.TeeReader(file, bar)
	}
	l, err := importer.Read(r, path, importer.Options{Format: f.format, Delimiter: f.delimiter, Mapping: f.mapping, WallClock: f.wallClock, Size: size, ContentSize: contentSize})
	var ue *importer.UsageError
	if errors.As(err, &ue) {
		msg := strings.Replace(ue.Msg, "format must be", "--format must be", 1)
		msg = strings.Replace(msg, "say xes, csv, parquet or ocel", "give --format xes, csv or parquet", 1)
		return nil, usagef("%s", strings.Replace(msg, "the delimiter", "--delimiter", 1))
	}
	return l, err
}

// readOCEL reads an object-centric log and flattens it on the object
// type the flags name.
func (f *inputFlags) readOCEL(path string) (*eventlog.Log, error) {
	l, err := ocel.Read(context.Background(), path, ocel.Options{})
	if err != nil {
		return nil, err
	}
	if f.objectType == "" {
		return nil, usagef("%s is an object-centric log: say which objects are the cases with --object-type (%s)", filepath.Base(path), ocel.Listed(l.TypesWithObjects()))
	}
	flat, err := l.Flatten(f.objectType, eventlog.Budget{})
	if err != nil {
		return nil, usagef("%s: %v", filepath.Base(path), err)
	}
	return flat, nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

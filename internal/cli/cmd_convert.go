package cli

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
)

func runConvert(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("convert", "IN OUT [filters]", s)
	var lf loadFlags
	lf.register(fs)
	pos, err := parse(fs, args, "IN", "OUT")
	if err != nil {
		return err
	}
	// A conversion must keep the file's events as they are, so it never
	// works on a view: neither merged instances nor raw-event timestamps.
	lf.in.asRead = true
	write, err := writerFor(pos[1])
	if err != nil {
		return err
	}
	l, err := lf.load(pos[0], s)
	if err != nil {
		return err
	}
	return writeOutput(pos[1], s, func(w *bufio.Writer) error { return write(w, l) })
}

// writerFor picks the log writer from the output file's extension; a
// further .gz compresses the output.
func writerFor(name string) (func(*bufio.Writer, *eventlog.Log) error, error) {
	lower := strings.ToLower(name)
	base, gz := strings.CutSuffix(lower, ".gz")
	var write func(io.Writer, *eventlog.Log) error
	switch filepath.Ext(base) {
	case ".xes":
		write = xes.Write
	case ".csv":
		// Not neutralised for spreadsheets (see csvlog.ForSpreadsheets):
		// a conversion keeps every value exactly.
		write = func(w io.Writer, l *eventlog.Log) error { return csvlog.Write(w, l) }
	case ".parquet":
		if gz {
			return nil, usagef("%s: a Parquet file is compressed inside; name it .parquet", name)
		}
		write = parquetlog.Write
	default:
		return nil, usagef("cannot tell the output format of %s: name it .xes, .csv, .parquet, .xes.gz or .csv.gz", name)
	}
	if !gz {
		return func(w *bufio.Writer, l *eventlog.Log) error { return write(w, l) }, nil
	}
	return func(w *bufio.Writer, l *eventlog.Log) error {
		zw := gzip.NewWriter(w)
		if err := write(zw, l); err != nil {
			return err
		}
		return zw.Close()
	}, nil
}

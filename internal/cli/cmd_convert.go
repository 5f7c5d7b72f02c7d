package cli

import (
	"bufio"
	"context"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
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

// writerFor picks the log writer from the output file's extension.
func writerFor(name string) (func(*bufio.Writer, *eventlog.Log) error, error) {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".gz") {
		return nil, usagef("compressed output is not supported yet: write %s and gzip it", strings.TrimSuffix(name, filepath.Ext(name)))
	}
	switch filepath.Ext(lower) {
	case ".xes":
		return func(w *bufio.Writer, l *eventlog.Log) error { return xes.Write(w, l) }, nil
	case ".csv":
		return func(w *bufio.Writer, l *eventlog.Log) error { return csvlog.Write(w, l) }, nil
	}
	return nil, usagef("cannot tell the output format of %s: name it .xes or .csv", name)
}

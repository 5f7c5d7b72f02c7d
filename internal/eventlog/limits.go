package eventlog

import (
	"bytes"
	"io"
)

// Limits on the parts of a log file, so that no file, however it is made,
// has a reader hold more of it in memory at once than a real log needs.
// A file past one is refused with a ParseError that names the limit.
const (
	// MaxRun bounds an XML element or the text between two elements.
	MaxRun = 16 << 20
	// MaxLine bounds a record of CSV (its line, and the lines its quoted
	// fields span); MaxField one of its fields.
	MaxLine  = 4 << 20
	MaxField = 1 << 20
	// MaxAttrs bounds the attributes of one log, trace, event or
	// attribute (BPI Challenge 2012 has 4,366 in one: a count per variant
	// in the log's header), and MaxColumns the columns of a CSV file.
	MaxAttrs   = 100_000
	MaxColumns = 10_000
	// MaxDepth bounds the nesting of XML elements.
	MaxDepth = 64
)

// LimitRuns reads r and fails once more than max bytes come without the
// byte stop ('\n' for a line, '>' for the end of an XML tag), with a
// ParseError for file at the line where it happens; what names the run
// in the message ("a line").
func LimitRuns(r io.Reader, stop byte, max int, file, what string) io.Reader {
	return &runLimit{r: r, stop: stop, max: max, file: file, what: what, line: 1}
}

type runLimit struct {
	r        io.Reader
	stop     byte
	max, run int
	file     string
	what     string
	line     int
	exceeded error
}

func (l *runLimit) Read(p []byte) (int, error) {
	if l.exceeded != nil {
		return 0, l.exceeded
	}
	// A read of at most max bytes holds no whole run longer than max
	// between two stops: only the runs at its ends need counting.
	if len(p) > l.max {
		p = p[:l.max]
	}
	n, err := l.r.Read(p)
	b := p[:n]
	first := bytes.IndexByte(b, l.stop)
	if first < 0 {
		l.run += n
	} else {
		if l.run+first > l.max {
			l.run += first
		} else {
			l.run = n - 1 - bytes.LastIndexByte(b, l.stop)
		}
	}
	if l.run > l.max {
		// The run ends (or goes on) at the first stop: its line.
		if first >= 0 {
			b = b[:first]
		}
		l.line += bytes.Count(b, []byte{'\n'})
		l.exceeded = Errorf(l.file, l.line, "", "%s longer than %d MiB: procmine reads no more at once", l.what, l.max>>20)
		return 0, l.exceeded
	}
	l.line += bytes.Count(b, []byte{'\n'})
	return n, err
}

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

// LimitRecords reads delimited text and fails once a record (a line, with
// the lines that quoted fields hold: a newline inside quotes does not end
// it) is longer than max bytes or has more than MaxColumns fields, with a
// ParseError for file at the line where that record starts. Until
// SetDelimiter, every usual delimiter counts as one.
func LimitRecords(r io.Reader, max int, file string) *RecordLimit {
	return &RecordLimit{r: r, max: max, file: file, line: 1, start: 1, delims: []byte{',', ';', '\t', '|'}}
}

// SetDelimiter makes only d separate fields from now on.
func (l *RecordLimit) SetDelimiter(d byte) { l.delims = []byte{d} }

// RecordLimit is LimitRecords's reader.
type RecordLimit struct {
	r        io.Reader
	delims   []byte
	fields   int // separators in the record so far
	max, run int
	quoted   bool // inside a quoted field; "" inside one toggles twice
	file     string
	line     int // the line being read
	start    int // the line the record being read starts on
	exceeded error
}

func (l *RecordLimit) Read(p []byte) (int, error) {
	if l.exceeded != nil {
		return 0, l.exceeded
	}
	n, err := l.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		if l.quoted {
			q := bytes.IndexByte(b, '"')
			if q < 0 {
				q = len(b) - 1
			} else {
				l.quoted = false
			}
			if l.grow(b[:q+1], true) {
				return 0, l.exceeded
			}
			b = b[q+1:]
			continue
		}
		// Outside quotes: up to the next quote, newlines end records.
		seg, rest := b, []byte(nil)
		if q := bytes.IndexByte(b, '"'); q >= 0 {
			seg, rest = b[:q+1], b[q+1:]
			l.quoted = true
		}
		for len(seg) > 0 {
			i := bytes.IndexByte(seg, '\n')
			if i < 0 {
				if l.grow(seg, false) {
					return 0, l.exceeded
				}
				break
			}
			if l.grow(seg[:i], false) {
				return 0, l.exceeded
			}
			l.line++
			l.run, l.start, l.fields = 0, l.line, 0
			seg = seg[i+1:]
		}
		b = rest
	}
	return n, err
}

// grow adds part of a record, quoted or not, and tells whether the record
// is now too long or has too many fields.
func (l *RecordLimit) grow(part []byte, quoted bool) bool {
	l.run += len(part)
	l.line += bytes.Count(part, []byte{'\n'})
	if !quoted {
		for _, d := range l.delims {
			l.fields += bytes.Count(part, []byte{d})
		}
	}
	switch {
	case l.run > l.max:
		l.exceeded = Errorf(l.file, l.start, "", "a record longer than %d MiB: procmine reads no more at once", l.max>>20)
	case l.fields >= MaxColumns:
		l.exceeded = Errorf(l.file, l.start, "", "a record with more than %d fields: procmine reads no more", MaxColumns)
	default:
		return false
	}
	return true
}

package csvlog

import (
	"bytes"
	"encoding/csv"
	"io"
	"unsafe"

	"github.com/procmine/procmine/internal/eventlog"
)

// splitter reads the records of delimited text held in memory, by the
// rules encoding/csv reads them with (RFC 4180: a field may be quoted, ""
// is a quote inside quotes, a quoted field may span lines; \r\n ends a
// line as \n does, blank lines are skipped), with the same errors at the
// same lines and columns — but without copying: a field is a view of the
// text, or of a buffer of its own when quotes had to be undone. The text
// is read into again once its rows are in the log (chunker.recycle), so
// whatever outlives a row is copied first (names.id, keep, cloneAll).
type splitter struct {
	file   string // for errors
	data   []byte
	pos    int // where the next line starts
	line   int // the number of the line before pos
	delim  []byte
	fields []string
}

func newSplitter(file string, delim rune) *splitter {
	return &splitter{file: file, delim: []byte(string(delim))}
}

// reset makes the splitter read data, whose first line has number line.
func (s *splitter) reset(data []byte, line int) {
	s.data, s.pos, s.line = data, 0, line-1
}

// view is b as a string without a copy. b must never be written again.
func view(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// nextLine returns the next line without its end (\n, \r\n, or a \r that
// ends the text) and whether it had a newline; ok is false at the end.
func (s *splitter) nextLine() (content []byte, ended, ok bool) {
	if s.pos >= len(s.data) {
		return nil, false, false
	}
	rest := s.data[s.pos:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		content, ended = rest[:i], true
		s.pos += i + 1
	} else {
		content = rest
		s.pos = len(s.data)
	}
	if n := len(content); n > 0 && content[n-1] == '\r' {
		content = content[:n-1]
	}
	s.line++
	return content, ended, true
}

// record reads the next record: its fields, valid until the next call,
// and the line it starts on. At the end of the text it returns io.EOF; a
// malformed record gives a *csv.ParseError, one longer than MaxLine bytes
// or of more than MaxColumns fields an *eventlog.ParseError.
func (s *splitter) record() ([]string, int, error) {
	var line []byte
	var ended bool
	begin := s.pos
	for {
		content, e, ok := s.nextLine()
		if !ok {
			return nil, 0, io.EOF
		}
		if len(content) > 0 {
			line, ended = content, e
			break
		}
		begin = s.pos
	}
	rec, start, err := s.split(line, ended)
	if err == nil {
		n := s.pos - begin // the record without the newline that ends it
		if s.data[s.pos-1] == '\n' {
			n--
		}
		if n > eventlog.MaxLine {
			return nil, start, errLongRecord(s.file, start)
		}
	}
	return rec, start, err
}

func errLongRecord(file string, line int) error {
	return eventlog.Errorf(file, line, "", "a record longer than %d MiB: procmine reads no more at once", eventlog.MaxLine>>20)
}

func errWideRecord(file string, line int) error {
	return eventlog.Errorf(file, line, "", "a record with more than %d fields: procmine reads no more", eventlog.MaxColumns)
}

// split splits the record whose first line is line (ended: with a
// newline) into s.fields.
func (s *splitter) split(line []byte, ended bool) ([]string, int, error) {
	start, lineNo, col := s.line, s.line, 1
	s.fields = s.fields[:0]
	d := s.delim
	if len(d) == 1 && bytes.IndexByte(line, '"') < 0 {
		// Most lines hold no quote: split them at every delimiter.
		for {
			i := bytes.IndexByte(line, d[0])
			if i < 0 {
				s.fields = append(s.fields, view(line))
				return s.fields, start, nil
			}
			s.fields = append(s.fields, view(line[:i]))
			if len(s.fields) == eventlog.MaxColumns { // and a separator after them
				return nil, start, errWideRecord(s.file, start)
			}
			line = line[i+1:]
		}
	}
	fail := func(line, col int, err error) ([]string, int, error) {
		return nil, start, &csv.ParseError{StartLine: start, Line: line, Column: col, Err: err}
	}
	for {
		if len(line) == 0 || line[0] != '"' {
			var i int
			if len(d) == 1 {
				i = bytes.IndexByte(line, d[0])
			} else {
				i = bytes.Index(line, d)
			}
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				return fail(lineNo, col+j, csv.ErrBareQuote)
			}
			s.fields = append(s.fields, view(field))
			if i < 0 {
				return s.fields, start, nil
			}
			if len(s.fields) == eventlog.MaxColumns { // and a separator after them
				return nil, start, errWideRecord(s.file, start)
			}
			line = line[i+len(d):]
			col += i + len(d)
			continue
		}

		// A quoted field: a view of the text while it holds no "" and
		// no line end, else a copy with those undone.
		line = line[1:]
		col++
		var own []byte
		copied := false
		for {
			i := bytes.IndexByte(line, '"')
			if i < 0 {
				// The field goes on to the next line.
				own = append(own, line...)
				copied = true
				col += len(line)
				if ended {
					own = append(own, '\n')
					col++
				}
				content, e, ok := s.nextLine()
				if !ok || (len(content) == 0 && !e) {
					return fail(lineNo, col, csv.ErrQuote)
				}
				line, ended = content, e
				lineNo++
				col = 1
				continue
			}
			text := line[:i]
			line = line[i+1:]
			col += i + 1
			switch {
			case len(line) > 0 && line[0] == '"':
				own = append(own, text...)
				own = append(own, '"')
				copied = true
				line = line[1:]
				col++
				continue
			case len(line) > 0 && !bytes.HasPrefix(line, d):
				return fail(lineNo, col-1, csv.ErrQuote)
			}
			if copied {
				s.fields = append(s.fields, view(append(own, text...)))
			} else {
				s.fields = append(s.fields, view(text))
			}
			if len(line) == 0 {
				return s.fields, start, nil
			}
			if len(s.fields) == eventlog.MaxColumns { // and a separator after them
				return nil, start, errWideRecord(s.file, start)
			}
			line = line[len(d):]
			col += len(d)
			break
		}
	}
}

// cut returns the length of the longest prefix of data that is whole
// records: up to and with the last newline outside quotes; 0 when there
// is none. data must start at the start of a record. In well-formed text
// a quote opens or closes a quoted field ("" does both), so the count of
// quotes before a newline tells whether it is inside one; text that is
// not well formed fails in the records before the cut, which are read in
// full.
func cut(data []byte) int {
	last, quoted := 0, false
	for i := 0; ; {
		q := bytes.IndexByte(data[i:], '"')
		end := len(data)
		if q >= 0 {
			end = i + q
		}
		if !quoted {
			if n := bytes.LastIndexByte(data[i:end], '\n'); n >= 0 {
				last = i + n + 1
			}
		}
		if q < 0 {
			return last
		}
		quoted = !quoted
		i = end + 1
	}
}

// chunkSize is the text a worker reads at a time (a variable for tests).
var chunkSize = 1 << 20

// chunker hands out the text of a reader in runs of whole records, each in
// memory of its own, written again only once given back (recycle).
type chunker struct {
	file  string // for errors
	delim rune
	r     io.Reader
	buf   []byte // read and not handed out yet: the start of a record
	line  int    // the line buf starts on
	err   error  // what reading ended with; io.EOF at the end
	// spare holds chunks read and done with, to read into again.
	spare [][]byte
}

// recycle gives back a chunk next returned, once nothing refers to it.
func (c *chunker) recycle(b []byte) {
	if cap(b) == chunkSize {
		c.spare = append(c.spare, b[:cap(b)])
	}
}

// next returns the next run of whole records and the line it starts on.
// After the last it returns io.EOF; a read error comes after the whole
// records read before it.
func (c *chunker) next() ([]byte, int, error) {
	size := chunkSize
	for {
		if c.err == nil && len(c.buf) < size {
			var b []byte
			if k := len(c.spare); k > 0 && size == chunkSize {
				b, c.spare = c.spare[k-1], c.spare[:k-1]
			} else {
				b = make([]byte, size)
			}
			n := copy(b, c.buf)
			m, err := io.ReadFull(c.r, b[n:])
			c.buf = b[:n+m]
			switch err {
			case nil:
			case io.EOF, io.ErrUnexpectedEOF:
				c.err = io.EOF
			default:
				c.err = err
			}
		}
		n := len(c.buf)
		if c.err != io.EOF {
			n = cut(c.buf) // at the end the last record needs no newline
		}
		if n > 0 {
			data, line := c.buf[:n], c.line
			c.buf = c.buf[n:]
			c.line += bytes.Count(data, []byte{'\n'})
			return data, line, nil
		}
		if c.err != nil {
			return nil, 0, c.err
		}
		if len(c.buf) > eventlog.MaxLine+1 {
			c.err = c.tooLong()
			c.buf = nil
			return nil, 0, c.err
		}
		size = 2 * len(c.buf) // one record fills what was read
	}
}

// tooLong is the error of a buffer that holds no end of a record and is
// longer than one may be. Its first record is too long, unless it is not
// well formed: a stray quote (15" screen) makes every newline after it look
// quoted, and the quote is what to report, where encoding/csv would.
func (c *chunker) tooLong() error {
	s := newSplitter(c.file, c.delim)
	s.reset(c.buf, c.line)
	for {
		_, line, err := s.record()
		switch {
		case err == io.EOF:
			return errLongRecord(c.file, c.line) // blank lines only: not seen
		case s.pos == len(c.buf):
			// The text read ends inside this record: the long one.
			return errLongRecord(c.file, line)
		case err != nil:
			return err
		}
	}
}

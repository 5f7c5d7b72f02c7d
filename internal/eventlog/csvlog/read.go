package csvlog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/eventlog"
)

// Mapping names the columns that carry the log's structure; empty fields
// are found from the header. The event's own time is End if given, else
// Timestamp, else Start. Start is the start time of the activity when
// another of the three is also given.
type Mapping struct {
	Case, Activity, Start, Timestamp, End, Resource, Lifecycle string
	// TimestampFormat is a Go layout ("2006-01-02 15:04") or a strftime
	// pattern ("%d/%m/%Y %H:%M"); empty means the ISO 8601 family.
	TimestampFormat string
	// Delimiter is found from the first lines when zero.
	Delimiter rune
	// WallClock ignores UTC offsets (see eventlog.ParseWallTime).
	WallClock bool
	// Budget bounds the log read; zero fields take eventlog's defaults.
	Budget eventlog.Budget `json:"-"`
	// Size is the text's size in bytes when known (0 when not): the
	// columns are sized from it and the rows of the first chunks.
	Size int64 `json:"-"`
}

// Header names recognised when the mapping leaves a column out, in order
// of preference. Matching ignores case, spaces, underscores and dashes.
var (
	caseNames     = []string{"case:concept:name", "caseid", "case", "caseconcept:name", "traceid"}
	activityNames = []string{"concept:name", "activity", "activityname", "eventname", "task"}
	timeNames     = []string{"time:timestamp", "timestamp", "endtimestamp", "completetimestamp", "endtime", "completetime", "time", "date"}
	startNames    = []string{"start_timestamp", "starttimestamp", "starttime"}
	resourceNames = []string{"org:resource", "resource", "user", "performer"}
	lifeNames     = []string{"lifecycle:transition", "lifecycle", "eventtype"}
)

var normReplacer = strings.NewReplacer(" ", "", "_", "", "-", "")

func norm(s string) string {
	return normReplacer.Replace(strings.ToLower(strings.TrimSpace(s)))
}

// Read parses delimited text. name is used in error messages.
//
// The text is read in runs of whole records (see chunker), which workers,
// one per core, turn into rows of small ids against dictionaries of their
// own; the rows go to the log's builder in file order. The first error in
// file order is the one reported, as if the file were read front to back.
func Read(r io.Reader, name string, m Mapping) (*eventlog.Log, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	if m.Delimiter == 0 {
		sample, _ := br.Peek(64 << 10)
		m.Delimiter = detectDelimiter(sample)
	}
	if m.Delimiter == '"' || m.Delimiter == '\r' || m.Delimiter == '\n' || !utf8.ValidRune(m.Delimiter) || m.Delimiter == utf8.RuneError {
		return nil, eventlog.Errorf(name, 0, "--delimiter", "%q cannot separate fields", m.Delimiter)
	}
	chunks := &chunker{file: name, delim: m.Delimiter, r: br, line: 1}
	s := newSplitter(name, m.Delimiter)
	var header []string
	for header == nil {
		data, line, err := chunks.next()
		if err == io.EOF {
			return nil, eventlog.Errorf(name, 1, "", "empty file: expected a header row")
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		s.reset(data, line)
		rec, _, err := s.record()
		switch {
		case err == nil:
			header = cloneAll(rec)
		case err != io.EOF: // io.EOF: the chunk was blank lines
			return nil, csvError(name, err)
		}
	}
	// (A header of more than MaxColumns fields the splitter refused.)
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, eventlog.Errorf(name, 1, fmt.Sprintf("column %d", i+1), "the header is not valid UTF-8")
		}
	}
	cols, err := mapColumns(name, header, m)
	if err != nil {
		return nil, err
	}
	parseTime, err := timeZoneParser(m.TimestampFormat, m.WallClock)
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "--timestamp-format", "%v", err)
	}

	b := eventlog.NewBuilder()
	b.SetBudget(name, m.Budget)
	l := b.Log()
	rr := &rowReader{name: name, header: header, cols: cols, parseTime: parseTime, delim: m.Delimiter, size: m.Size}
	if m.TimestampFormat == "" {
		rr.hint = " (give its form with --timestamp-format)"
	}
	for i, h := range header {
		if cols.special[i] {
			continue
		}
		if h == "" {
			l.Warnings = append(l.Warnings, fmt.Sprintf("column %d has no name and was left out (a saved table index?)", i+1))
			continue
		}
		if key, ok := strings.CutPrefix(h, "attr:"); ok {
			rr.evCols = append(rr.evCols, &column{index: i, key: key})
		} else if key, ok := strings.CutPrefix(h, "case:"); ok {
			rr.caseCols = append(rr.caseCols, &column{index: i, key: key})
		} else {
			rr.evCols = append(rr.evCols, &column{index: i, key: h})
		}
	}
	caseTypes, evTypes := typeColumns(rr.caseCols), typeColumns(rr.evCols)
	for _, c := range rr.caseCols {
		b.Key(c.key)
	}
	for _, c := range rr.evCols {
		b.Key(c.key)
	}
	if err := b.Err(1); err != nil {
		return nil, err
	}
	if err := rr.readAll(b, chunks, s.data, s.pos, s.line+1); err != nil {
		return nil, err
	}
	retype(&l.CaseAttrs, caseTypes)
	retype(&l.EventAttrs, evTypes)
	if l.NumEvents() == 0 {
		return nil, eventlog.Errorf(name, 0, "", "no events: the file has a header but no rows")
	}
	if cols.timeCol < 0 {
		l.Warnings = append(l.Warnings, "no timestamp column: durations are unavailable")
	}
	return b.Finish(), nil
}

func cloneAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Clone(s)
	}
	return out
}

// Columns says which columns of a table carry a log's structure, as
// indexes into its header (-1: none); Special marks them.
type Columns struct {
	Case, Activity, Time, Start, Resource, Lifecycle int
	Special                                          []bool
}

// MapColumns finds the structural columns of a table's header as Read
// does, for the readers of other tables (Parquet). name is the file's,
// for errors.
func MapColumns(name string, header []string, m Mapping) (Columns, error) {
	c, err := mapColumns(name, header, m)
	return Columns{Case: c.caseCol, Activity: c.actCol, Time: c.timeCol, Start: c.startCol, Resource: c.resCol, Lifecycle: c.lifeCol, Special: c.special}, err
}

// TimeParser parses the times of a column: in the form given (a Go
// layout or a strftime pattern), or the ISO 8601 family when format is
// empty; wallClock ignores UTC offsets.
func TimeParser(format string, wallClock bool) (func(string) (int64, bool), error) {
	parse, err := timeZoneParser(format, wallClock)
	if err != nil {
		return nil, err
	}
	return func(s string) (int64, bool) {
		ns, _, ok := parse(s)
		return ns, ok
	}, nil
}

type columns struct {
	caseCol, actCol, timeCol, startCol, resCol, lifeCol int
	special                                             []bool
}

func mapColumns(name string, header []string, m Mapping) (columns, error) {
	c := columns{special: make([]bool, len(header))}
	find := func(flag, given string, names []string, required bool) (int, error) {
		if given != "" {
			for i, h := range header {
				if h == given {
					c.special[i] = true
					return i, nil
				}
			}
			for i, h := range header {
				if norm(h) == norm(given) {
					c.special[i] = true
					return i, nil
				}
			}
			return -1, eventlog.Errorf(name, 1, flag, "no column %q in the header (columns: %s)", given, strings.Join(header, ", "))
		}
		for _, want := range names {
			for i, h := range header {
				if !c.special[i] && !strings.HasPrefix(h, "attr:") && norm(h) == norm(want) {
					c.special[i] = true
					return i, nil
				}
			}
		}
		if required {
			return -1, eventlog.Errorf(name, 1, flag, "no %s column found (columns: %s); name it with %s",
				strings.TrimPrefix(flag, "--"), strings.Join(header, ", "), flag)
		}
		return -1, nil
	}
	var err error
	if c.caseCol, err = find("--case", m.Case, caseNames, true); err != nil {
		return c, err
	}
	if c.actCol, err = find("--activity", m.Activity, activityNames, true); err != nil {
		return c, err
	}
	// The event's own time: --end, else --timestamp, else --start.
	switch {
	case m.End != "":
		c.timeCol, err = find("--end", m.End, nil, true)
		if err == nil && (m.Start != "" || m.Timestamp != "") {
			c.startCol, err = find("--start", cmpOr(m.Start, m.Timestamp), nil, true)
		} else {
			c.startCol = -1
		}
	case m.Timestamp != "" || m.Start != "":
		c.timeCol, err = find("--timestamp", cmpOr(m.Timestamp, m.Start), nil, true)
		if err == nil && m.Timestamp != "" && m.Start != "" {
			c.startCol, err = find("--start", m.Start, nil, true)
		} else {
			c.startCol = -1
		}
	default:
		if c.timeCol, err = find("--timestamp", "", timeNames, false); err == nil {
			c.startCol, err = find("--start", "", startNames, false)
			if c.timeCol < 0 && c.startCol >= 0 {
				c.timeCol, c.startCol = c.startCol, -1
			}
		}
	}
	if err != nil {
		return c, err
	}
	if c.resCol, err = find("--resource", m.Resource, resourceNames, false); err != nil {
		return c, err
	}
	if c.lifeCol, err = find("--lifecycle", m.Lifecycle, lifeNames, false); err != nil {
		return c, err
	}
	return c, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func csvError(name string, err error) error {
	var limit *eventlog.ParseError
	if errors.As(err, &limit) {
		return limit
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// pe.Column counts bytes, not fields.
		return eventlog.Errorf(name, pe.Line, "", "%v (at byte %d of the line)", pe.Err, pe.Column)
	}
	if eventlog.Corrupt(err) {
		return eventlog.Errorf(name, 0, "", "the file is truncated or corrupt (%v)", err)
	}
	return eventlog.Errorf(name, 0, "", "%v", err)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// detectDelimiter picks the candidate that splits the first lines into the
// same number of fields, more than one, preferring more fields.
func detectDelimiter(sample []byte) rune {
	lines := bytes.Split(sample, []byte{'\n'})
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut short
	}
	if len(lines) > 20 {
		lines = lines[:20]
	}
	// A delimiter under which the lines parse as CSV proper beats one
	// under which they only parse leniently: a quoted tab in a
	// comma-separated header must not make the file tab-separated.
	for _, lazy := range []bool{false, true} {
		best, bestFields := ',', 1
		for _, d := range []rune{',', ';', '\t', '|'} {
			cr := csv.NewReader(bytes.NewReader(bytes.Join(lines, []byte{'\n'})))
			cr.Comma = d
			cr.LazyQuotes = lazy
			recs, err := cr.ReadAll()
			if err != nil || len(recs) == 0 {
				continue
			}
			n := len(recs[0])
			for _, r := range recs {
				if len(r) != n {
					n = 0
					break
				}
			}
			if n > bestFields {
				best, bestFields = d, n
			}
		}
		if bestFields > 1 {
			return best
		}
	}
	return ','
}

// timeZoneParser returns the function that reads timestamps of the
// given form, with the UTC offset each was written at, in minutes (0
// with wallClock).
func timeZoneParser(format string, wallClock bool) (func(string) (int64, int16, bool), error) {
	if format == "" {
		if wallClock {
			return func(s string) (int64, int16, bool) {
				ns, ok := eventlog.ParseWallTime(s)
				return ns, 0, ok
			}, nil
		}
		return eventlog.ParseTimeZone, nil
	}
	layout := format
	if strings.Contains(format, "%") {
		var err error
		if layout, err = strftimeLayout(format); err != nil {
			return nil, err
		}
	}
	return func(s string) (int64, int16, bool) {
		t, err := time.Parse(layout, s)
		if err != nil {
			return 0, 0, false
		}
		if wallClock {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		// Go reads offsets up to ±24:60; a real one is within ±23:59.
		_, off := t.Zone()
		if off/60 > 23*60+59 || off/60 < -(23*60+59) {
			return 0, 0, false
		}
		return t.UnixNano(), int16(off / 60), true
	}, nil
}

// strftimeLayout converts a strftime pattern to a Go layout.
func strftimeLayout(f string) (string, error) {
	repl := map[byte]string{
		'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'H': "15", 'I': "03", 'M': "04",
		'S': "05", 'f': "999999999", 'p': "PM", 'z': "-0700", 'Z': "MST", 'b': "Jan",
		'B': "January", 'a': "Mon", 'A': "Monday", 'e': "_2", '%': "%",
	}
	var sb strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			sb.WriteByte(f[i])
			continue
		}
		if i+1 == len(f) {
			return "", fmt.Errorf("%q ends with a lone %%", f)
		}
		i++
		r, ok := repl[f[i]]
		if !ok {
			return "", fmt.Errorf("%q: %%%c is not supported", f, f[i])
		}
		if f[i] == 'f' && sb.Len() > 0 && strings.HasSuffix(sb.String(), ".") {
			// Go wants the dot inside the fraction: ".999999999".
			s := sb.String()
			sb.Reset()
			sb.WriteString(s[:len(s)-1])
			r = ".999999999"
		}
		sb.WriteString(r)
	}
	return sb.String(), nil
}

package csvlog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// MaxPreview bounds the sample a preview reads: the first bytes of a file,
// enough for its header and some rows.
const MaxPreview = 64 << 10

// Preview is what Read makes of the first rows of a file under a mapping,
// so that whoever maps the columns sees, before uploading, which rows the
// import would take and why it would refuse the others.
type Preview struct {
	// Delimiter is the one used: the mapping's, else the one detected.
	Delimiter string   `json:"delimiter"`
	Columns   []string `json:"columns"`
	// Mapped names the column each role has, given or recognised from the
	// header: case, activity, start, end, resource, lifecycle. The event's
	// time is its end when there is one, else its start.
	Mapped map[string]string `json:"mapped"`
	// Error is why the mapping cannot read the file at all (a column it
	// names is missing, a required one is not found, a bad timestamp
	// format); the rows are then shown but not checked.
	Error string       `json:"error,omitempty"`
	Rows  []PreviewRow `json:"rows"`
	// Complete is false when the sample has more rows than were checked.
	Complete bool `json:"complete"`
}

// PreviewRow is one row of the sample and Read's verdict on it.
type PreviewRow struct {
	Line   int      `json:"line"`
	Fields []string `json:"fields"`
	// Error is Read's error for the row (naming its line and column);
	// empty when the row reads.
	Error string `json:"error,omitempty"`
}

// ReadPreview reads the header and up to maxRows rows of sample, the first
// bytes of a file named name (a last line cut short by the sampling is
// left out), and checks each row with Read itself under m: the header and
// that one row as a file. So the preview and the import never disagree
// about a row, only about what spans rows (the log's budget, which a
// sample of MaxPreview bytes stays far under). A sample larger than
// MaxPreview is an error, as is one whose header cannot be read.
func ReadPreview(sample []byte, name string, m Mapping, maxRows int) (Preview, error) {
	if len(sample) > MaxPreview {
		return Preview{}, eventlog.Errorf(name, 0, "", "a preview reads at most %d bytes of the file", MaxPreview)
	}
	sample = bytes.TrimPrefix(sample, []byte{0xEF, 0xBB, 0xBF})
	if i := bytes.LastIndexByte(sample, '\n'); i >= 0 && i < len(sample)-1 && len(sample) == MaxPreview {
		sample = sample[:i+1] // the sampling cut the last line
	}
	if m.Delimiter == 0 {
		m.Delimiter = detectDelimiter(sample)
	}
	p := Preview{Delimiter: string(m.Delimiter), Mapped: map[string]string{}, Rows: []PreviewRow{}, Complete: true}
	cr := csv.NewReader(bytes.NewReader(sample))
	cr.Comma = m.Delimiter
	cr.FieldsPerRecord = -1 // a row of the wrong length is Read's to refuse
	header, err := cr.Read()
	if err == io.EOF {
		return p, eventlog.Errorf(name, 1, "", "empty file: expected a header row")
	}
	if err != nil {
		return p, csvError(name, err)
	}
	if len(header) > eventlog.MaxColumns {
		return p, eventlog.Errorf(name, 1, "", "the header has %d columns; procmine reads at most %d", len(header), eventlog.MaxColumns)
	}
	p.Columns = append([]string(nil), header...)
	cols, err := mapColumns(name, header, m)
	if err == nil {
		_, err = timeZoneParser(m.TimestampFormat, m.WallClock)
		if err != nil {
			err = eventlog.Errorf(name, 0, "timestamp format", "%v", err)
		}
	}
	if err != nil {
		p.Error = err.Error()
	} else {
		role := func(key string, col int) {
			if col >= 0 {
				p.Mapped[key] = header[col]
			}
		}
		role("case", cols.caseCol)
		role("activity", cols.actCol)
		role("resource", cols.resCol)
		role("lifecycle", cols.lifeCol)
		if cols.startCol >= 0 {
			role("start", cols.startCol)
			role("end", cols.timeCol)
		} else {
			role("start", cols.timeCol)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if len(p.Rows) == maxRows {
			p.Complete = false
			break
		}
		if err != nil {
			// Read stops here too: the rest of the sample is not CSV under
			// this delimiter. (FieldPos has no record to tell of here.)
			line := 0
			var ce *csv.ParseError
			if errors.As(err, &ce) {
				line = ce.StartLine
			}
			p.Rows = append(p.Rows, PreviewRow{Line: line, Error: csvError(name, err).Error()})
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		row := PreviewRow{Line: line, Fields: rec}
		if p.Error == "" {
			row.Error = checkRow(name, header, rec, line, m)
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// checkRow reads the header and rec as a file with Read and returns its
// error, if any, as at line.
func checkRow(name string, header, rec []string, line int, m Mapping) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = m.Delimiter
	w.Write(header)
	w.Write(rec)
	w.Flush()
	if w.Error() != nil {
		return eventlog.Errorf(name, line, "", "%v", w.Error()).Error()
	}
	_, err := Read(&b, name, m)
	if err == nil {
		return ""
	}
	var pe *eventlog.ParseError
	if errors.As(err, &pe) {
		e := *pe
		if e.Line > 0 {
			e.Line = line
		}
		e.Msg = strings.TrimSpace(e.Msg)
		return e.Error()
	}
	return err.Error()
}

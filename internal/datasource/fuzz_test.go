package datasource

import (
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog/csvlog"
)

// fakeRows serves rows of driver values, as database/sql hands them.
type fakeRows struct {
	cols []string
	rows [][]any
	at   int
}

func (f *fakeRows) Columns() ([]string, error) { return f.cols, nil }
func (f *fakeRows) Next() bool                 { f.at++; return f.at <= len(f.rows) }
func (f *fakeRows) Err() error                 { return nil }
func (f *fakeRows) Scan(dest ...any) error {
	for i, d := range dest {
		*(d.(*any)) = f.rows[f.at-1][i]
	}
	return nil
}

// FuzzRead: whatever a query returns (text cells split from the input,
// some read as integers, numbers, booleans, times, NULLs or bytes by
// their first character) Read either reads a valid log, whose events are
// the rows and whose watermark is their largest, or fails with an error;
// it never panics.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"case_id,activity,ts,id\nc1,A,2024-01-01T10:00:00Z,#1\nc1,B,2024-01-01T11:00:00+02:00,#2\nc2,A,@1700000000,#3",
		"case_id,activity,ts,id\nc1,A,2024-01-01,~\n",
		"case_id,activity,ts,id,case:x\n#7,A,2024-01-01T10:00:00Z,%1.5,!\n#7,,,#1,x",
		"c,a\n",
		"case_id,activity,ts,id\nc1,A,2024-13-45T99:00:00Z,$abc",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		if len(lines) > 200 {
			return
		}
		rows := &fakeRows{cols: strings.Split(lines[0], ",")}
		for _, line := range lines[1:] {
			cells := strings.Split(line, ",")
			row := make([]any, len(rows.cols))
			for i := range row {
				if i < len(cells) {
					row[i] = cell(cells[i])
				}
			}
			rows.rows = append(rows.rows, row)
		}
		l, wm, err := Read(rows, "fuzz", csvlog.Mapping{}, "id", 100)
		if err != nil || l == nil {
			return
		}
		if l.NumEvents() != len(rows.rows) {
			t.Fatalf("%d events from %d rows", l.NumEvents(), len(rows.rows))
		}
		if wm.Kind == "" {
			t.Fatal("rows read without a watermark")
		}
		if _, err := l.MarshalBinary(); err != nil {
			t.Fatalf("the log read does not encode: %v", err)
		}
	})
}

// cell turns a fuzzed cell into a driver value by its first character:
// # integer, % number, ! boolean, @ Unix seconds as a time, ~ NULL,
// $ bytes; anything else is text.
func cell(s string) any {
	if s == "" {
		return s
	}
	rest := s[1:]
	switch s[0] {
	case '#':
		n := int64(0)
		for _, c := range rest {
			n = n*10 + int64(c%10)
		}
		return n
	case '%':
		return float64(len(rest)) / 3
	case '!':
		return len(rest)%2 == 0
	case '@':
		n := int64(0)
		for _, c := range rest {
			n = n*10 + int64(c%10)
		}
		return time.Unix(n%(1<<40), 0)
	case '~':
		return nil
	case '$':
		return []byte(rest)
	}
	return s
}

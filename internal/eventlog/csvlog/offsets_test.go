package csvlog_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/testlogs"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// TestOffsetsRoundTrip: every shared log written as CSV and as XES and
// read again keeps each event's time and the UTC offset it was written
// at: "00:38+02:00" stays "00:38+02:00", not "22:38Z" of the day before.
func TestOffsetsRoundTrip(t *testing.T) {
	dir := testlogs.Dir(t)
	var files []string
	for _, pattern := range []string{"xes/*.xes", "xes/*.xes.gz", "csv/*.csv"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, m...)
	}
	withOffsets := 0
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		if filepath.Base(path) == "xes_20.xes" {
			continue // its one event has no activity: refused
		}
		t.Run(rel, func(t *testing.T) {
			want := testlog.Read(t, rel)
			if want.Offsets != nil {
				withOffsets++
			}
			data, err := want.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var stored eventlog.Log
			if err := stored.UnmarshalBinary(data); err != nil || !slices.Equal(stored.Offsets, want.Offsets) {
				t.Errorf("the stored form lost the offsets (%v)", err)
			}
			var c bytes.Buffer
			if err := csvlog.Write(&c, want); err != nil {
				t.Fatal(err)
			}
			fromCSV, err := csvlog.Read(bytes.NewReader(c.Bytes()), "out.csv", csvlog.Mapping{})
			if err != nil {
				t.Fatal(err)
			}
			var x bytes.Buffer
			if err := xes.Write(&x, fromCSV); err != nil {
				t.Fatal(err)
			}
			got, err := xes.Read(bytes.NewReader(x.Bytes()), "out.xes", xes.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for name, l := range map[string]*eventlog.Log{"CSV": fromCSV, "CSV then XES": got} {
				if !slices.Equal(l.End, want.End) || !slices.Equal(l.Offsets, want.Offsets) {
					t.Errorf("through %s: times or offsets differ (offsets kept: %v, want %v)", name, l.Offsets != nil, want.Offsets != nil)
				}
			}
		})
	}
	if withOffsets < 10 {
		t.Errorf("%d logs had UTC offsets; the shared logs have more", withOffsets)
	}
}

// TestTheIssuesExample: the time in issue 17, through the CSV writer.
func TestTheIssuesExample(t *testing.T) {
	l, err := csvlog.Read(strings.NewReader("case,activity,time\n1,a,2011-10-01T00:38:44.546+02:00\n1,b,2011-10-01T01:00:00-05:30\n1,c,2011-10-02T00:00:00Z\n"), "in.csv", csvlog.Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := csvlog.Write(&b, l); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"2011-10-01T00:38:44.546+02:00", "2011-10-01T01:00:00.000-05:30", "2011-10-02T00:00:00.000Z"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("%s is not in\n%s", s, b.String())
		}
	}
}

// TestOffsetOutOfRange: Go's layouts read offsets up to ±24:60; one past
// ±23:59 is no real offset, and is refused where it stands (it used to
// be kept, and made a stored version that could not be opened).
func TestOffsetOutOfRange(t *testing.T) {
	_, err := csvlog.Read(strings.NewReader("case,activity,time\n1,a,2011-10-01T00:38:44+24:59\n"), "in.csv", csvlog.Mapping{TimestampFormat: "2006-01-02T15:04:05-07:00"})
	if err == nil || !strings.Contains(err.Error(), `in.csv:2: column "time": "2011-10-01T00:38:44+24:59" is not a timestamp`) {
		t.Errorf("%v", err)
	}
	l, err := csvlog.Read(strings.NewReader("case,activity,time\n1,a,2011-10-01T00:38:44+05:45\n"), "in.csv", csvlog.Mapping{TimestampFormat: "2006-01-02T15:04:05-07:00"})
	if err != nil || l.Offset(0) != 5*60+45 {
		t.Errorf("+05:45 with a layout: %v", err)
	}
}

package parquetlog_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestRoundTrip: every shared XES and CSV log written as Parquet and read
// back has every event as it was (case, activity, times, resource,
// lifecycle) and every attribute with its type; ids, lists and
// containers come back as text (Parquet has no such types).
func TestRoundTrip(t *testing.T) {
	dir := testlogs.Dir(t)
	var files []string
	for _, pattern := range []string{"xes/*.xes", "xes/*.xes.gz", "csv/*.csv"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 25 {
		t.Fatalf("%d shared logs; expected the 26 of the README", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want, err := importer.Read(f, filepath.Base(path), importer.Options{})
			if filepath.Base(path) == "xes_20.xes" {
				// Its one event has no activity: refused, as it should be.
				if err == nil {
					t.Fatal("xes_20.xes, whose event has no activity, was read")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := parquetlog.Write(&buf, want); err != nil {
				t.Fatal(err)
			}
			got, err := parquetlog.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "out.parquet", parquetlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := sameEvents(got, want); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// sameEvents says how b differs from a, event by event.
func sameEvents(a, b *eventlog.Log) error {
	if !slices.Equal(a.Offsets, b.Offsets) {
		return fmt.Errorf("the UTC offsets differ (kept: %v, want %v)", a.Offsets != nil, b.Offsets != nil)
	}
	if a.NumCases() != b.NumCases() || a.NumEvents() != b.NumEvents() {
		return fmt.Errorf("%d cases and %d events, want %d and %d", a.NumCases(), a.NumEvents(), b.NumCases(), b.NumEvents())
	}
	for c := range a.CaseIDs {
		if a.CaseIDs[c] != b.CaseIDs[c] {
			return fmt.Errorf("case %d is %q, want %q", c, a.CaseIDs[c], b.CaseIDs[c])
		}
		if err := sameAttrs(a.CaseAttrs.Of(int32(c)), b.CaseAttrs.Of(int32(c))); err != nil {
			return fmt.Errorf("case %q: %v", a.CaseIDs[c], err)
		}
	}
	for e := range a.Act {
		ga := fmt.Sprint(a.ActivityName(e), a.End[e], a.Start[e], a.ResourceName(e), a.LifecycleName(e))
		wa := fmt.Sprint(b.ActivityName(e), b.End[e], b.Start[e], b.ResourceName(e), b.LifecycleName(e))
		if ga != wa {
			return fmt.Errorf("event %d is %s, want %s", e, ga, wa)
		}
		if err := sameAttrs(a.EventAttrs.Of(int32(e)), b.EventAttrs.Of(int32(e))); err != nil {
			return fmt.Errorf("event %d: %v", e, err)
		}
	}
	return nil
}

func sameAttrs(got, want []eventlog.Attr) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d attributes, want %d", len(got), len(want))
	}
	byKey := map[string]eventlog.Value{}
	for _, a := range got {
		byKey[a.Key] = a.Value
	}
	for _, w := range want {
		v := w.Value
		switch v.Kind {
		case eventlog.KindID, eventlog.KindList, eventlog.KindContainer:
			v = eventlog.StringValue(v.String())
		}
		if g, ok := byKey[w.Key]; !ok || g != v {
			return fmt.Errorf("%s is %v (%s), want %v (%s)", w.Key, g, g.Kind, v, v.Kind)
		}
	}
	return nil
}

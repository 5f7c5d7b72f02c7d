package parquetlog_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/testlogs"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

func readParquet(t testing.TB, path string, o parquetlog.Options) *eventlog.Log {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := parquetlog.Read(bytes.NewReader(data), int64(len(data)), filepath.Base(path), o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// figures are what a log's reports are made of, by names rather than ids.
type figures struct {
	Cases, Events int
	Activities    map[string]int
	DFG           map[string]int
	Variants      map[string]int
	Durations     map[string]int64
}

func figuresOf(l *eventlog.Log) figures {
	f := figures{Cases: l.NumCases(), Events: l.NumEvents(), Activities: map[string]int{}, DFG: map[string]int{}, Variants: map[string]int{}, Durations: map[string]int64{}}
	for e := range l.Act {
		f.Activities[l.ActivityName(e)]++
	}
	g := mining.ComputeDFG(l)
	for _, e := range g.Edges {
		f.DFG[g.Activities[e.From]+" -> "+g.Activities[e.To]] = e.Count
	}
	for _, v := range mining.Variants(l) {
		f.Variants[strings.Join(v.Activities, ",")] = v.Cases
	}
	for c, d := range mining.CaseDurations(l) {
		f.Durations[l.CaseIDs[c]] = d
	}
	return f
}

// TestTwins: the shared Parquet logs give exactly the figures of their
// CSV and XES twins: cases, events, activity counts, directly-follows
// graph, variants and every case's duration.
func TestTwins(t *testing.T) {
	for _, tt := range []struct {
		parquet              string
		twins                []string
		cases, events, acts  int
		variants             int
		caseAttr, eventAttrs []string
	}{
		{"running-example.parquet", []string{"csv/running-example.csv", "xes/running-example.xes"}, 6, 42, 8, 6, []string{"creator"}, []string{"Activity", "Costs", "Resource"}},
		{"receipt.parquet", []string{"csv/receipt.csv", "xes/08_receipt.xes.gz"}, 1434, 8577, 27, 116, []string{"channel", "deadline", "department", "enddate", "enddate_planned", "group", "responsible", "startdate"}, []string{"concept:instance", "org:group"}},
	} {
		t.Run(tt.parquet, func(t *testing.T) {
			l := readParquet(t, testlogs.Path(t, "parquet/"+tt.parquet), parquetlog.Options{})
			got := figuresOf(l)
			if got.Cases != tt.cases || got.Events != tt.events || len(got.Activities) != tt.acts || len(got.Variants) != tt.variants {
				t.Errorf("%d cases, %d events, %d activities, %d variants; want %d, %d, %d, %d", got.Cases, got.Events, len(got.Activities), len(got.Variants), tt.cases, tt.events, tt.acts, tt.variants)
			}
			// The twins are read at their wall-clock times: the Parquet
			// files hold their times without zone.
			for _, twin := range tt.twins {
				if want := figuresOf(testlog.ReadWith(t, twin, importer.Options{WallClock: true})); !reflect.DeepEqual(got, want) {
					t.Errorf("%s gives other figures:\n%s", twin, diff(got, want))
				}
			}
			if keys := sorted(l.CaseAttrs.Keys()); !slices.Equal(keys, tt.caseAttr) {
				t.Errorf("case attributes %q, want %q", keys, tt.caseAttr)
			}
			if keys := sorted(l.EventAttrs.Keys()); !slices.Equal(keys, tt.eventAttrs) {
				t.Errorf("event attributes %q, want %q", keys, tt.eventAttrs)
			}
		})
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

func diff(a, b figures) string {
	var out []string
	if a.Cases != b.Cases || a.Events != b.Events {
		out = append(out, fmt.Sprintf("cases %d/%d, events %d/%d", a.Cases, b.Cases, a.Events, b.Events))
	}
	for name, m := range map[string][2]map[string]int{"activities": {a.Activities, b.Activities}, "dfg": {a.DFG, b.DFG}, "variants": {a.Variants, b.Variants}} {
		if !reflect.DeepEqual(m[0], m[1]) {
			out = append(out, fmt.Sprintf("%s differ (%d and %d entries)", name, len(m[0]), len(m[1])))
		}
	}
	n := 0
	for id, d := range a.Durations {
		if b.Durations[id] != d && n < 3 {
			out = append(out, fmt.Sprintf("case %s lasts %d, twin %d", id, d, b.Durations[id]))
			n++
		}
	}
	return strings.Join(out, "\n")
}

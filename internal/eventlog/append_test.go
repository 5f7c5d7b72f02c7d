package eventlog_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// TestAppend: a log split by time into the events before and after a
// moment, and appended again, is the log: every case with the same
// events, times, resources, lifecycles and attributes, in the same order.
func TestAppend(t *testing.T) {
	for _, name := range []string{"xes/running-example.xes", "xes/08_receipt.xes.gz", "xes/interval_event_log.xes", "csv/running-example.csv"} {
		t.Run(name, func(t *testing.T) {
			l := testlog.Read(t, name)
			ends := slices.Clone(l.End)
			slices.Sort(ends)
			mid := ends[len(ends)/2]
			old := l.SelectEvents(func(e int) bool { return l.End[e] < mid })
			add := l.SelectEvents(func(e int) bool { return l.End[e] >= mid })
			if old.NumEvents() == 0 || add.NumEvents() == 0 {
				t.Fatalf("the split left %d and %d events", old.NumEvents(), add.NumEvents())
			}
			got := eventlog.Append(old, add)
			if got.NumEvents() != l.NumEvents() || got.NumCases() != l.NumCases() {
				t.Fatalf("%d cases, %d events; want %d, %d", got.NumCases(), got.NumEvents(), l.NumCases(), l.NumEvents())
			}
			want := map[string]string{}
			for c, id := range l.CaseIDs {
				want[id] = describe(l, c)
			}
			for c, id := range got.CaseIDs {
				if d := describe(got, c); d != want[id] {
					t.Errorf("case %s:\n got %s\nwant %s", id, d, want[id])
				}
			}
			if got.HasStarts() != l.HasStarts() || got.Timed != l.Timed {
				t.Errorf("starts %v timed %v; want %v %v", got.HasStarts(), got.Timed, l.HasStarts(), l.Timed)
			}
		})
	}
}

func describe(l *eventlog.Log, c int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v |", l.CaseAttrs.Of(int32(c)))
	lo, hi := l.Events(c)
	for e := lo; e < hi; e++ {
		fmt.Fprintf(&b, " %s@%d-%d/%s/%s%v", l.ActivityName(e), l.Start[e], l.End[e], l.ResourceName(e), l.LifecycleName(e), l.EventAttrs.Of(int32(e)))
	}
	return b.String()
}

package eventlog_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestResidentIsWhatTheHeapHolds: what Resident counts for a stored log
// once loaded, and for its activity-instance view, is within 15% of what
// the Go heap grew by, on real logs: the server's memory budget counts
// what it holds, not a guess from the encoded size.
func TestResidentIsWhatTheHeapHolds(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	near := func(what string, got, held int64) {
		t.Helper()
		t.Logf("%s: Resident %d bytes, the heap grew by %d (%.2f)", what, got, held, float64(got)/float64(held))
		if r := float64(got) / float64(held); r < 0.85 || r > 1.15 {
			t.Errorf("%s: Resident says %d bytes, the heap grew by %d", what, got, held)
		}
	}
	for _, rel := range []string{"xes/bpic2012.xes.gz", "csv/receipt.csv", "xes/interval_event_log.xes"} {
		t.Run(rel, func(t *testing.T) {
			f, err := os.Open(testlogs.Path(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			l, err := importer.Read(f, rel, importer.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			data, err := l.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			l = nil
			before := heap()
			var d eventlog.Log
			if err := d.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			loaded := heap()
			near("loaded", eventlog.Resident(&d), loaded-before)
			view := d.Instances()
			viewed := heap()
			if extra := viewed - loaded; extra > 64<<10 {
				near("its instance view", eventlog.Resident(&d, view)-eventlog.Resident(&d), extra)
			} else if got := eventlog.Resident(&d, view) - eventlog.Resident(&d); got > 64<<10 {
				t.Errorf("the instance view shares the log's columns, Resident counts %d bytes more", got)
			}
			runtime.KeepAlive(data)
			runtime.KeepAlive(view)
		})
	}
}

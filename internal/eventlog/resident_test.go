package eventlog_test

import (
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs/testlog"
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
			l := testlog.Read(t, rel)
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

// TestResidentCountsMetadata: what a file says of the log as a whole
// counts like the rest; a file could give it as much as its events.
func TestResidentCountsMetadata(t *testing.T) {
	b := eventlog.NewBuilder()
	c, _ := b.Case("1")
	b.Event(c, b.Log().Activities.ID("a"), 1, eventlog.None, eventlog.None)
	l := b.Finish()
	before := eventlog.Resident(l)
	g := eventlog.Global{Scope: "event"}
	for range 10000 {
		g.Attrs = append(g.Attrs, eventlog.Attr{Key: "k", Value: eventlog.StringValue("")})
	}
	l.Meta.Globals = append(l.Meta.Globals, g)
	l.Meta.Extensions = append(l.Meta.Extensions, eventlog.Extension{Name: "E", Prefix: "e", URI: strings.Repeat("u", 1000)})
	l.Meta.Classifiers = append(l.Meta.Classifiers, eventlog.Classifier{Name: "C", Keys: strings.Repeat("k", 1000)})
	if grew := eventlog.Resident(l) - before; grew < 10000*int64(unsafe.Sizeof(eventlog.Attr{}))+2000 {
		t.Errorf("10,000 global attributes and 2,000 bytes of declarations: Resident grew by %d", grew)
	}
}

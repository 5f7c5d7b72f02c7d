package importer

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkLoadPeak reports the heap's peak while BPIC 2012 is read (as
// XES.gz and as CSV, from memory) beside what the loaded log holds
// (eventlog.Resident): issue 16 asks the peak to stay within twice the
// resident size. The heap is sampled every millisecond; the figures are
// the peak above the heap before the read, and the ratio.
// go test -run '^$' -bench LoadPeak -benchtime 3x ./internal/eventlog/importer
func BenchmarkLoadPeak(b *testing.B) {
	xesgz, err := os.ReadFile(testlogs.Path(b, "xes/bpic2012.xes.gz"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := Read(bytes.NewReader(xesgz), "bpic2012.xes.gz", Options{})
	if err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	if err := csvlog.Write(&csv, l); err != nil {
		b.Fatal(err)
	}
	l = nil
	// As the command line and the server read files: knowing their size
	// (Options.Size), by which the CSV reader sizes its columns once.
	for _, f := range []struct {
		name string
		data []byte
		size int64
	}{{"bpic2012.xes.gz", xesgz, 0}, {"bpic2012.csv", csv.Bytes(), 0}, {"bpic2012.csv/sized", csv.Bytes(), int64(csv.Len())}} {
		b.Run(f.name, func(b *testing.B) {
			var peak, resident float64
			for b.Loop() {
				runtime.GC()
				base := heapObjects()
				var mu sync.Mutex
				high := base
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() {
					t := time.NewTicker(time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							if h := heapObjects(); h > high {
								mu.Lock()
								high = h
								mu.Unlock()
							}
						}
					}
				})
				got, err := Read(bytes.NewReader(f.data), strings.TrimSuffix(f.name, "/sized"), Options{Size: f.size})
				close(stop)
				wg.Wait()
				if err != nil {
					b.Fatal(err)
				}
				peak = float64(high - base)
				resident = float64(eventlog.Resident(got))
			}
			b.ReportMetric(peak/(1<<20), "peak-MiB")
			b.ReportMetric(resident/(1<<20), "resident-MiB")
			b.ReportMetric(peak/resident, "peak/resident")
		})
	}
}

// heapObjects is the bytes of live and unswept heap objects now.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

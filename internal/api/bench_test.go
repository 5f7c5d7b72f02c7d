package api

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkBPIC2012OverHTTP uploads bpic2012.xes.gz through the API and
// waits for the import (reported as import-ms), then times the report plus
// the map as JSON, the two calls a process page makes, after the first
// load (p50-ms and p95-ms over the iterations), on each database.
func BenchmarkBPIC2012OverHTTP(b *testing.B) {
	data, err := os.ReadFile(testlogs.Path(b, "xes/bpic2012.xes.gz"))
	if err != nil {
		b.Fatal(err)
	}
	for name, e := range serversB(b) {
		b.Run(name, func(b *testing.B) {
			_, maker, _, _, base := prodWithMaker(e)
			var p processJSON
			maker.json("POST", base+"/processes", `{"name":"BPIC 2012"}`, 201, &p)
			path := fmt.Sprintf("%s/processes/%d", base, p.ID)
			start := time.Now()
			job := maker.importLog(path+"/data", "bpic2012.xes.gz", data, nil)
			importTime := time.Since(start)
			if job.State != "done" {
				b.Fatalf("import: %+v", job)
			}
			maker.json("GET", path+"/report", "", 200, nil) // the first load decodes the version
			var lat []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				maker.json("GET", path+"/report", "", 200, nil)
				maker.json("GET", path+"/map", "", 200, nil)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(importTime.Milliseconds()), "import-ms")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

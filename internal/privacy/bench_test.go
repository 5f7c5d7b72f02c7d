package privacy

import (
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkDefaultPolicyOnBPIC2012 is what applying the default policy
// adds to an upload now that every upload applies it: the policy run over
// the resources and string attributes of bpic2012.xes.gz (262 200 events),
// as the import job does before storing the log. Applying it to a log it
// has already changed scans as much, so each iteration works on the same
// loaded log.
func BenchmarkDefaultPolicyOnBPIC2012(b *testing.B) {
	f, err := os.Open(testlogs.Path(b, "xes/bpic2012.xes.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	l, err := importer.Read(f, "bpic2012.xes.gz", importer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	a := NewApplier(DefaultPolicy(), make([]byte, 32))
	for b.Loop() {
		l.Rewrite(a.Rewriter())
	}
	b.ReportMetric(float64(l.NumEvents()), "events")
}

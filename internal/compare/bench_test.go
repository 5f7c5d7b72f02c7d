package compare

import (
	"context"
	"net/url"
	"testing"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkCompareBPIC2012: the cases of BPI Challenge 2012 started in
// 2011 against those started in 2012, filters included; the log is read
// before the clock starts. Target: at most 1 s.
func BenchmarkCompareBPIC2012(b *testing.B) {
	l := testlog.Read(b, "xes/bpic2012.xes.gz")
	cohort := func(query string) []mining.Filter {
		q, _ := url.ParseQuery(query)
		spec, err := filterspec.FromQuery(q)
		if err != nil {
			b.Fatal(err)
		}
		f, err := spec.Filters()
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	fa, fb := cohort("to=2011-12-31&time-mode=started"), cohort("from=2012-01-01&time-mode=started")
	for b.Loop() {
		r, err := Compare(context.Background(), mining.Apply(l, fa...), mining.Apply(l, fb...), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if r.A.Cases+r.B.Cases != l.NumCases() {
			b.Fatalf("%d + %d cases of %d", r.A.Cases, r.B.Cases, l.NumCases())
		}
	}
}

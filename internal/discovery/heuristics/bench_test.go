package heuristics

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkLayout: drawing heuristics models as SVG (Graphviz's layout
// and all), near the bounds on what is laid out: BPIC 2020's model at the
// default thresholds, and dense models of logs in random order with every
// edge kept.
func BenchmarkLayout(b *testing.B) {
	models := map[string]*bpmn.Model{
		"bpic2020": Discover(testlog.Read(b, "xes/15_bpic2020_permit_log_1t_per_variant.xes.gz"), Defaults()),
	}
	all := Defaults()
	all.Dependency = -1
	for _, n := range []int{18, 19} {
		models[fmt.Sprint("random-", n)] = Discover(testlog.RandomOrder(n, 500, 15, 2), all)
	}
	for name, m := range models {
		b.Run(fmt.Sprintf("%s-%dnodes-%dflows", name, len(m.Nodes), len(m.Flows)), func(b *testing.B) {
			for b.Loop() {
				if err := bpmn.WriteSVG(context.Background(), io.Discard, m, nil); err != nil && !strings.Contains(err.Error(), "laid out") {
					b.Fatal(err)
				} else if err != nil {
					b.Skip(err)
				}
			}
		})
	}
}

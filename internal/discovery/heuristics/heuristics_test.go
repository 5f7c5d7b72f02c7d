package heuristics

import (
	"context"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// logOf builds a log from traces written as letters, each repeated n
// times.
func logOf(n int, traces ...string) *eventlog.Log {
	b := eventlog.NewBuilder()
	l := b.Log()
	k := 0
	for _, tr := range traces {
		for range n {
			k++
			c := b.NewCase(strings.Repeat("c", k))
			for j, a := range tr {
				b.Event(c, l.Activities.ID(string(a)), int64(j), eventlog.None, eventlog.None)
			}
		}
	}
	return b.Finish()
}

// shape counts the model's gateways and the flows between tasks (by
// name), to compare with what the miner should find.
func shape(m *bpmn.Model) (xor, and int, flows map[string]bool) {
	kind, name := map[string]bpmn.Kind{}, map[string]string{}
	for _, n := range m.Nodes {
		kind[n.ID], name[n.ID] = n.Kind, n.Name
		switch n.Kind {
		case bpmn.ExclusiveGateway:
			xor++
		case bpmn.ParallelGateway:
			and++
		}
	}
	flows = map[string]bool{}
	for _, f := range m.Flows {
		if kind[f.Source] == bpmn.Task && kind[f.Target] == bpmn.Task {
			flows[name[f.Source]+name[f.Target]] = true
		}
	}
	return xor, and, flows
}

func TestPatterns(t *testing.T) {
	for _, c := range []struct {
		name     string
		traces   []string
		xor, and int
		direct   []string // flows straight from task to task
	}{
		{"sequence", []string{"abc"}, 0, 0, []string{"ab", "bc"}},
		// b and c are alternatives: an exclusive split after a, a join before d.
		{"choice", []string{"abd", "acd"}, 2, 0, nil},
		// b and c in both orders: parallel.
		{"parallel", []string{"abcd", "acbd"}, 0, 2, nil},
		// b repeats: a self-loop, through an exclusive split and join around b.
		{"length-one loop", []string{"abc", "abbc", "abbbc"}, 2, 0, nil},
		// b c b c: a loop of length two between b and c.
		{"length-two loop", []string{"abcd", "abcbcd"}, 2, 0, []string{"bc"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := logOf(10, c.traces...)
			m := Discover(l, Defaults())
			xor, and, flows := shape(m)
			if xor != c.xor || and != c.and {
				t.Errorf("%d exclusive and %d parallel gateways, want %d and %d", xor, and, c.xor, c.and)
			}
			for _, d := range c.direct {
				if !flows[d] {
					t.Errorf("no flow %s → %s in %v", d[:1], d[1:], flows)
				}
			}
			res, err := conformance.Replay(context.Background(), l, m.Net())
			if err != nil {
				t.Fatal(err)
			}
			if res.LogFitness != 1 {
				t.Errorf("the log does not fit its model: fitness %v, %+v", res.LogFitness, res.Activities)
			}
		})
	}
}

// TestRealLogs: on the reference logs the model connects every activity
// and the log replays on it with a fitness a heuristics net reaches.
func TestRealLogs(t *testing.T) {
	for _, c := range []struct {
		name string
		min  float64
	}{{"running-example.xes", 0.9}, {"03_repairExample.xes.gz", 0.9}, {"08_receipt.xes.gz", 0.8}, {"bpic2012.xes.gz", 0.7}} {
		l := testlog.Read(t, "xes/"+c.name)
		m := Discover(l, Defaults())
		tasks := 0
		for _, n := range m.Nodes {
			if n.Kind == bpmn.Task {
				tasks++
			}
		}
		if tasks != len(l.Activities.Names()) {
			t.Errorf("%s: %d tasks for %d activities", c.name, tasks, len(l.Activities.Names()))
		}
		res, err := conformance.Replay(context.Background(), l, m.Net())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d nodes, %d flows; log fitness %.4f, %.1f%% of traces fit", c.name, len(m.Nodes), len(m.Flows), res.LogFitness, res.PercentageOfFittingTraces)
		if res.LogFitness < c.min {
			t.Errorf("%s: log fitness %.4f, want at least %.2f", c.name, res.LogFitness, c.min)
		}
	}
}

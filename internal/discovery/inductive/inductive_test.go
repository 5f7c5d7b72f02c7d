package inductive

import (
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

func readLog(t testing.TB, name string) *eventlog.Log {
	t.Helper()
	return testlog.Read(t, "xes/"+name)
}

// TestRunningExample: on the running example, IM gives the tree PM4Py
// stored in PTML (up to the order of the children of choices, parallels
// and redo parts).
func TestRunningExample(t *testing.T) {
	f, err := os.Open(testlogs.Path(t, "reference/01_running-example-im.ptml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := processtree.ReadPTML(f, "01_running-example-im.ptml")
	if err != nil {
		t.Fatal(err)
	}
	if got := Discover(readLog(t, "running-example.xes"), 0); got.Canonical() != want.Canonical() {
		t.Errorf("IM on the running example:\n got %s\nwant %s", got, want)
	}
}

// TestSameTreesAsPM4Py: IM and IMf (noise 0.2) give the trees PM4Py
// 2.7.11 gave on every log of reference/pm4py-discovery (up to the order
// of the children of choices, parallels and redo parts), BPI Challenge
// 2012 included.
func TestSameTreesAsPM4Py(t *testing.T) {
	for _, name := range testlog.DiscoveryLogs {
		t.Run(name, func(t *testing.T) {
			im, imf := testlog.Discovery(t, name)
			l := readLog(t, name)
			for _, c := range []struct {
				miner string
				noise float64
				want  *processtree.Tree
			}{{"IM", 0, im.Tree}, {"IMf", 0.2, imf.Tree}} {
				want := c.want
				if got := Discover(l, c.noise); got.Canonical() != want.Canonical() {
					t.Errorf("%s:\n got %s\nwant %s", c.miner, got.Canonical(), want.Canonical())
				}
			}
		})
	}
}

// TestCutsOnSmallLogs: each cut and fall-through on a log made for it.
func TestCutsOnSmallLogs(t *testing.T) {
	for _, c := range []struct {
		name   string
		traces []string
		want   string
	}{
		{"one activity", []string{"a"}, "'a'"},
		{"sequence", []string{"abc"}, "->( 'a', 'b', 'c' )"},
		{"choice", []string{"ab", "ac"}, "->( 'a', X( 'b', 'c' ) )"},
		{"skip", []string{"abc", "ac"}, "->( 'a', X( 'b', tau ), 'c' )"},
		// c never comes without b: the strict sequence cut skips them together.
		{"skip together", []string{"abcd", "ad"}, "->( 'a', X( ->( 'b', 'c' ), tau ), 'd' )"},
		{"parallel", []string{"abcd", "acbd"}, "->( 'a', +( 'b', 'c' ), 'd' )"},
		{"loop", []string{"ab", "abcab"}, "*( ->( 'a', 'b' ), 'c' )"},
		{"repetition", []string{"a", "aa", "aaa"}, "*( 'a', tau )"},
		{"once in every trace", []string{"abc", "cba", "bac", "acb", "ca"}, "+( 'a', X( tau, 'b' ), 'c' )"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := eventlog.NewBuilder()
			l := b.Log()
			for i, tr := range c.traces {
				cs := b.NewCase(string(rune('A' + i)))
				for j, a := range tr {
					b.Event(cs, l.Activities.ID(string(a)), int64(j), eventlog.None, eventlog.None)
				}
			}
			got := Discover(b.Finish(), 0)
			want, err := processtree.Parse(c.want)
			if err != nil {
				t.Fatal(err)
			}
			if got.Canonical() != want.Canonical() {
				t.Errorf("%v:\n got %s\nwant %s", c.traces, got, want)
			}
		})
	}
}

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestDiscover: `procmine discover` prints the inductive miner's tree of
// the running example (PM4Py's), writes it as a Petri net in PNML that
// reads back, gives IMf's tree with --noise, and refuses what it cannot
// do yet with exit code 2.
func TestDiscover(t *testing.T) {
	log := testlogs.Path(t, "xes/running-example.xes")
	code, out, errOut := runCode("discover", log, "--raw-events")
	if code != 0 {
		t.Fatalf("discover: %d %s", code, errOut)
	}
	got, err := processtree.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want, _ := processtree.Parse("->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )")
	if got.Canonical() != want.Canonical() {
		t.Errorf("tree:\n got %s\nwant %s", got, want)
	}
	pnml := filepath.Join(t.TempDir(), "model.pnml")
	if code, _, errOut := runCode("discover", log, "-o", pnml); code != 0 {
		t.Fatalf("discover -o model.pnml: %d %s", code, errOut)
	}
	f, err := os.Open(pnml)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := petrinet.ReadPNML(f, pnml)
	if err != nil {
		t.Fatal(err)
	}
	labels := 0
	for _, tr := range n.Transitions {
		if !tr.Silent() {
			labels++
		}
	}
	if labels != 8 {
		t.Errorf("the net has %d labelled transitions, want the 8 activities", labels)
	}
	// IMf leaves out what is rare: on BPIC 2013 (closed problems) it gives
	// PM4Py's IMf tree, which IM's (a parallel of everything) is not.
	code, out, errOut = runCode("discover", testlogs.Path(t, "xes/06_bpic2013_closed.xes.gz"), "--noise", "0.2")
	if code != 0 {
		t.Fatalf("discover --noise 0.2: %d %s", code, errOut)
	}
	got, err = processtree.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want, _ = processtree.Parse("->( X( tau, 'Unmatched' ), *( ->( X( tau, *( 'Queued', tau ) ), 'Accepted' ), tau ), *( 'Completed', tau ) )")
	if got.Canonical() != want.Canonical() {
		t.Errorf("IMf tree:\n got %s\nwant %s", got, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"discover", log, "--noise", "1.5"}, "--noise must be between 0 and 1, not 1.5"},
		{[]string{"discover", log, "--algorithm", "heuristics"}, "not available yet"},
		{[]string{"discover", log, "-o", "model.bpmn"}, `cannot write a model as "bpmn"`},
	} {
		if code, _, errOut := runCode(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %s", c.args, code, errOut)
		}
	}
}

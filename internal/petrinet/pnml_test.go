package petrinet

import (
	"bytes"
	"github.com/procmine/procmine/internal/testlogs/testlog"
	"reflect"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/processtree"
)

const runningExample = "->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )"

// TestFromTree: the running example's tree becomes a net with one
// labelled transition per activity, silent ones for the parallel's split
// and the loop's exit (its entry and the parallel's join are fused with
// the transitions beside them), a token in its source and one expected in
// its sink: 9 places and 10 transitions, as PM4Py's net has.
func TestFromTree(t *testing.T) {
	tree, err := processtree.Parse(runningExample)
	if err != nil {
		t.Fatal(err)
	}
	n := FromTree(tree)
	var labels []string
	silent := 0
	for _, tr := range n.Transitions {
		if tr.Silent() {
			silent++
		} else {
			labels = append(labels, tr.Label)
		}
	}
	if len(labels) != 8 || silent != 2 || len(n.Places) != 9 {
		t.Errorf("%d labelled transitions %v, %d silent, %d places; want 8, 2, 9", len(labels), labels, silent, len(n.Places))
	}
	if len(n.Initial) != 1 || len(n.Final) != 1 || n.Initial["p1"] != 1 || n.Final["p2"] != 1 {
		t.Errorf("markings %v -> %v", n.Initial, n.Final)
	}
}

// TestPNMLRoundTrip: a net written as PNML reads back the same.
func TestPNMLRoundTrip(t *testing.T) {
	tree, _ := processtree.Parse("->( 'a & <b>', X( tau, 'c' ), *( 'd', tau ) )")
	n := FromTree(tree)
	var buf bytes.Buffer
	if err := WritePNML(&buf, n); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPNML(bytes.NewReader(buf.Bytes()), "m.pnml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(n, back) {
		t.Errorf("round trip:\n wrote %+v\n  read %+v\n%s", n, back, buf.String())
	}
}

// TestReadPNMLRefusesBadNets: every malformed net gets a clear error.
func TestReadPNMLRefusesBadNets(t *testing.T) {
	open := `<pnml><net id="n" type="http://www.pnml.org/version-2009/grammar/pnmlcoremodel"><page id="0">`
	end := `</page></net></pnml>`
	for _, c := range []struct{ name, doc, want string }{
		{"not XML", "<pnml", "not a PNML file"},
		{"colored net", `<pnml><net id="n" type="http://www.pnml.org/version-2009/grammar/symmetricnet"></net></pnml>`, "procmine reads place/transition nets"},
		{"no place", open + end, "no place"},
		{"same id twice", open + `<place id="x"/><transition id="x"/>` + end, "two nodes"},
		{"arc place to place", open + `<place id="a"/><place id="b"/><arc id="1" source="a" target="b"/>` + end, "must join a place and a transition"},
		{"arc to nowhere", open + `<place id="a"/><arc id="1" source="a" target="zz"/>` + end, "must join a place and a transition"},
		{"repeated arc", open + `<place id="a"/><transition id="t"/><arc id="1" source="a" target="t"/><arc id="2" source="a" target="t"/>` + end, `arc "2" from "a" to "t" repeats another`},
		{"too many tokens", open + `<place id="a"><initialMarking><text>2147483649</text></initialMarking></place>` + end, "2147483649 tokens; a place may hold at most 1000000"},
		{"weighted arc", open + `<place id="a"/><transition id="t"/><arc id="w" source="a" target="t"><inscription><text>2</text></inscription></arc>` + end, `arc "w" carries "2" tokens`},
		{"bad tokens", open + `<place id="a"><initialMarking><text>many</text></initialMarking></place>` + end, "not a number of tokens"},
		{"final marking of a transition", open + `<place id="a"/><transition id="t"/>` + `</page><finalmarkings><marking><place idref="t"><text>1</text></place></marking></finalmarkings></net></pnml>`, "not a place"},
	} {
		_, err := ReadPNML(strings.NewReader(c.doc), "m.pnml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "m.pnml") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestSameSizeAsPM4Py: the nets of PM4Py's IM and IMf trees on the
// reference logs have as many places and transitions as PM4Py's nets.
func TestSameSizeAsPM4Py(t *testing.T) {
	for _, name := range testlog.DiscoveryLogs {
		im, imf := testlog.Discovery(t, name)
		for miner, m := range map[string]testlog.PM4PyModel{"IM": im, "IMf": imf} {
			n := FromTree(m.Tree)
			if len(n.Places) != m.Places || len(n.Transitions) != m.Transitions {
				t.Errorf("%s %s: %d places, %d transitions; PM4Py's net has %d, %d", name, miner, len(n.Places), len(n.Transitions), m.Places, m.Transitions)
			}
		}
	}
}

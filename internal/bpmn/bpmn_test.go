package bpmn

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

var referenceLogs = testlog.DiscoveryLogs

// imfTree is PM4Py's IMf tree of a reference log.
func imfTree(t *testing.T, name string) *processtree.Tree {
	t.Helper()
	_, imf := testlog.Discovery(t, name)
	return imf.Tree
}

func readLog(t testing.TB, name string) *eventlog.Log {
	t.Helper()
	return testlog.Read(t, "xes/"+name)
}

// bpmnio is where scripts/test installed bpmn.io's BPMN reader
// (bpmn-moddle, which ships the OMG BPMN 2.0 XSD files too) and our
// check.mjs, named in PROCMINE_BPMNIO; tool is the program the test runs
// with it (xmllint or node). Without them the test skips, except under
// CI=true, where it fails.
func bpmnio(t *testing.T, tool string) string {
	t.Helper()
	dir := os.Getenv("PROCMINE_BPMNIO")
	_, err := os.Stat(filepath.Join(dir, "node_modules", "bpmn-moddle", "resources", "bpmn", "xsd", "BPMN20.xsd"))
	_, toolErr := exec.LookPath(tool)
	if dir == "" || err != nil || toolErr != nil {
		msg := "bpmn-moddle (PROCMINE_BPMNIO, installed by scripts/test) or " + tool + " is missing"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// writeReferenceModels writes the BPMN of PM4Py's IMf tree of every
// reference log into dir and returns the files.
func writeReferenceModels(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, name := range referenceLogs {
		m := FromTree(imfTree(t, name))
		var b bytes.Buffer
		if err := Write(context.Background(), &b, m); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".bpmn")
		if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		shapes, edges := strings.Count(b.String(), "<bpmndi:BPMNShape"), strings.Count(b.String(), "<bpmndi:BPMNEdge")
		if shapes != len(m.Nodes) || edges != len(m.Flows) || strings.Contains(b.String(), "NaN") {
			t.Errorf("%s: %d shapes for %d nodes, %d edges for %d flows", name, shapes, len(m.Nodes), edges, len(m.Flows))
		}
		files = append(files, file)
	}
	return files
}

// TestValidAgainstXSD: the BPMN of PM4Py's IMf tree of every reference
// log validates against the OMG BPMN 2.0 XSD with xmllint, diagram
// included (done-when 3 of issue 8).
func TestValidAgainstXSD(t *testing.T) {
	schema := filepath.Join(bpmnio(t, "xmllint"), "node_modules", "bpmn-moddle", "resources", "bpmn", "xsd", "BPMN20.xsd")
	dir := t.TempDir()
	for _, file := range writeReferenceModels(t, dir) {
		out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", schema, file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "validates") {
			t.Errorf("%s: %v\n%s", file, err, out)
		}
	}
	// And the check can fail: an element the schema does not know.
	bad := filepath.Join(dir, "bad.bpmn")
	os.WriteFile(bad, []byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x"><process id="p"><task id="a" name="x"><bogus/></task></process></definitions>`), 0o600)
	if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", schema, bad).CombinedOutput(); err == nil {
		t.Errorf("an invalid file validated: %s", out)
	}
}

// TestOpensInBpmnIO: bpmn.io's own reader (bpmn-moddle, what the bpmn.io
// modeler opens files with) reads the same files without a warning and
// finds every flow element drawn in the diagram.
func TestOpensInBpmnIO(t *testing.T) {
	check := filepath.Join(bpmnio(t, "node"), "check.mjs")
	dir := t.TempDir()
	files := writeReferenceModels(t, dir)
	out, err := exec.Command("node", append([]string{check}, files...)...).CombinedOutput()
	if err != nil || strings.Count(string(out), `"warnings":[]`) != len(files) {
		t.Errorf("%v\n%s", err, out)
	}
	// And the check can fail: a flow to a node that is not there.
	bad := filepath.Join(dir, "bad.bpmn")
	os.WriteFile(bad, []byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x"><process id="p"><task id="t"/><sequenceFlow id="f" sourceRef="t" targetRef="zz"/></process></definitions>`), 0o600)
	if out, err := exec.Command("node", check, bad).CombinedOutput(); err == nil {
		t.Errorf("a broken file read without complaint: %s", out)
	}
}

// TestReplayThroughBPMN: a tree written as BPMN, read back and turned
// into a Petri net replays each reference log as the tree's own net does:
// the same traces fit. The fitness figures differ a little (0.011 on the
// receipt log), as the BPMN's net has a place per flow and so counts more
// tokens.
func TestReplayThroughBPMN(t *testing.T) {
	for _, name := range referenceLogs {
		tree := imfTree(t, name)
		m := FromTree(tree)
		var b bytes.Buffer
		if err := Write(context.Background(), &b, m); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&b, name+".bpmn")
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Nodes) != len(m.Nodes) || len(back.Flows) != len(m.Flows) {
			t.Fatalf("%s: read %d nodes and %d flows of %d and %d", name, len(back.Nodes), len(back.Flows), len(m.Nodes), len(m.Flows))
		}
		l := readLog(t, name)
		viaBPMN, err := conformance.Replay(context.Background(), l, back.Net())
		if err != nil {
			t.Fatal(err)
		}
		direct, err := conformance.Replay(context.Background(), l, petrinet.FromTree(tree))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: log fitness through BPMN %.5f, from the tree %.5f", name, viaBPMN.LogFitness, direct.LogFitness)
		if math.Abs(viaBPMN.LogFitness-direct.LogFitness) > 0.02 || viaBPMN.FittingTraces != direct.FittingTraces {
			t.Errorf("%s: through BPMN %.5f (%d fitting), from the tree %.5f (%d)", name, viaBPMN.LogFitness, viaBPMN.FittingTraces, direct.LogFitness, direct.FittingTraces)
		}
	}
}

// TestReadRefuses: what is not a BPMN process token replay can follow is
// refused, with the file, the line or the element named.
func TestReadRefuses(t *testing.T) {
	const head = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">`
	ok := `<startEvent id="s"/><task id="a" name="A"/><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/><sequenceFlow id="f2" sourceRef="a" targetRef="e"/>`
	for _, c := range []struct{ name, doc, want string }{
		{"not xml", "{}", "m.bpmn: not BPMN XML"},
		{"not bpmn", "<pnml/>", "m.bpmn: line 1: a BPMN file starts with <definitions>, not <pnml>"},
		{"no process", head + `</definitions>`, "no process with nodes"},
		{"two processes", head + `<process id="p">` + ok + `</process><process id="q">` + strings.ReplaceAll(ok, `id="`, `id="q`) + `</process></definitions>`, "2 processes"},
		{"inclusive", head + `<process id="p">` + ok + `<inclusiveGateway id="g"/></process></definitions>`, "<inclusiveGateway> is not supported"},
		{"dangling flow", head + `<process id="p">` + ok + `<sequenceFlow id="f3" sourceRef="a" targetRef="zz"/></process></definitions>`, `sequence flow "f3" from "a" to "zz" must join two nodes`},
		{"no id", head + `<process id="p"><task name="x"/></process></definitions>`, "<task> without an id"},
		{"same id", head + `<process id="p">` + ok + `<task id="a"/></process></definitions>`, `two elements with id "a"`},
		{"no end", head + `<process id="p"><startEvent id="s"/></process></definitions>`, "needs a start event and an end event"},
		{"dead end", head + `<process id="p">` + ok + `<task id="b" name="B"/><sequenceFlow id="f3" sourceRef="a" targetRef="b"/></process></definitions>`, `task "b" has no outgoing sequence flow`},
		{"unreachable", head + `<process id="p">` + ok + `<task id="b" name="B"/><sequenceFlow id="f3" sourceRef="b" targetRef="e"/></process></definitions>`, `task "b" has no incoming sequence flow`},
		{"into start", head + `<process id="p">` + ok + `<sequenceFlow id="f3" sourceRef="a" targetRef="s"/></process></definitions>`, "leads into start event"},
	} {
		_, err := Read(strings.NewReader(c.doc), "m.bpmn")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	m, err := Read(strings.NewReader(head+`<collaboration id="c"/><process id="p"><documentation>d</documentation><userTask id="u" name="U"/>`+ok+`<sequenceFlow id="f3" sourceRef="s" targetRef="u"/><sequenceFlow id="f4" sourceRef="u" targetRef="e"/></process><bpmndi:BPMNDiagram xmlns:bpmndi="x"/></definitions>`), "m.bpmn")
	if err != nil || len(m.Nodes) != 4 || len(m.Flows) != 4 {
		t.Errorf("a process with a user task and a diagram: %v %+v", err, m)
	}
}

// TestSVG: the drawing has a box per task, a diamond per gateway, a line
// per flow, and marks the tasks that deviated.
func TestSVG(t *testing.T) {
	tree, _ := processtree.Parse("->( 'a', X( 'b', tau ), +( 'c', 'd <&>' ) )")
	m := FromTree(tree)
	var b bytes.Buffer
	if err := WriteSVG(context.Background(), &b, m, map[string]Mark{"b": {Missing: 3, Remaining: 1}}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`data-activity="a"`, `data-activity="d &lt;&amp;&gt;"`, "3 missing · 1 left", `class="exclusiveGateway"`, `class="parallelGateway"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if n := strings.Count(s, `class="flow"`); n != len(m.Flows) {
		t.Errorf("%d flows drawn of %d", n, len(m.Flows))
	}
	if strings.Count(s, "#c62828") != 2 || strings.Contains(s, "NaN") {
		t.Errorf("one task should be marked (outline and counts):\n%s", s)
	}
}

// TestParallelEnds: parallel branches that end in end events of their own
// are a run that ended, not tokens left over.
func TestParallelEnds(t *testing.T) {
	doc := `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x"><process id="p">
<startEvent id="s"/><parallelGateway id="g"/><task id="a" name="a"/><task id="b" name="b"/><endEvent id="e1"/><endEvent id="e2"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="g"/><sequenceFlow id="f2" sourceRef="g" targetRef="a"/><sequenceFlow id="f3" sourceRef="g" targetRef="b"/>
<sequenceFlow id="f4" sourceRef="a" targetRef="e1"/><sequenceFlow id="f5" sourceRef="b" targetRef="e2"/></process></definitions>`
	m, err := Read(strings.NewReader(doc), "ends.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	b := eventlog.NewBuilder()
	l := b.Log()
	for i, tr := range []string{"ab", "ba", "a"} {
		c := b.NewCase(fmt.Sprint(i))
		for j, a := range tr {
			b.Event(c, l.Activities.ID(string(a)), int64(j), eventlog.None, eventlog.None)
		}
	}
	res, err := conformance.Replay(context.Background(), b.Finish(), m.Net())
	if err != nil {
		t.Fatal(err)
	}
	if res.FittingTraces != 2 {
		t.Errorf("%d of ab, ba, a fit, want ab and ba: %+v", res.FittingTraces, res)
	}
}

package processmap

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/xes"
	"github.com/procmine/procmine/internal/testlogs"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func load(t *testing.T, rel string) *eventlog.Log {
	t.Helper()
	f, err := os.Open(testlogs.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := eventlog.Decompress(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := xes.Read(r, rel, xes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// connected reports whether every node can be reached from the start and
// can reach the end over the map's edges.
func connected(m *Map) (bool, string) {
	succ := map[string][]string{"<start>": nil}
	pred := map[string][]string{"<end>": nil}
	for a := range m.Start {
		succ["<start>"] = append(succ["<start>"], a)
	}
	for a := range m.End {
		pred["<end>"] = append(pred["<end>"], a)
	}
	for _, e := range m.Edges {
		succ[e.Source] = append(succ[e.Source], e.Target)
		pred[e.Target] = append(pred[e.Target], e.Source)
	}
	walk := func(root string, next map[string][]string) map[string]bool {
		seen := map[string]bool{root: true}
		stack := []string{root}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, m := range next[n] {
				if !seen[m] {
					seen[m] = true
					stack = append(stack, m)
				}
			}
		}
		return seen
	}
	fwd, back := walk("<start>", succ), walk("<end>", pred)
	for _, n := range m.Nodes {
		if !fwd[n.Activity] {
			return false, n.Activity + " is not reachable from the start"
		}
		if !back[n.Activity] {
			return false, n.Activity + " cannot reach the end"
		}
	}
	return true, ""
}

func TestSlidersKeepMapConnected(t *testing.T) {
	for _, rel := range []string{"xes/17_bpic2012_1t_per_variant.xes.gz", "xes/08_receipt.xes.gz", "xes/running-example.xes"} {
		l := load(t, rel).Instances()
		full, err := Build(l, Options{View: Frequency, Activities: 1, Paths: 1})
		if err != nil {
			t.Fatal(err)
		}
		prevEdges := len(full.Edges) + 1
		for _, paths := range []float64{1, 0.8, 0.5, 0.2, 0.05, 0} {
			m, err := Build(l, Options{View: Performance, Activities: 1, Paths: paths})
			if err != nil {
				t.Fatal(err)
			}
			if ok, why := connected(m); !ok {
				t.Errorf("%s paths=%v: %s", rel, paths, why)
			}
			if len(m.Nodes) != len(full.Nodes) {
				t.Errorf("%s paths=%v: %d nodes, want all %d", rel, paths, len(m.Nodes), len(full.Nodes))
			}
			if len(m.Edges) > prevEdges {
				t.Errorf("%s paths=%v: %d edges, more than at a higher share (%d)", rel, paths, len(m.Edges), prevEdges)
			}
			prevEdges = len(m.Edges)
		}
		for _, acts := range []float64{0.5, 0.1, 0} {
			m, err := Build(l, Options{View: Frequency, Activities: acts, Paths: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			want := max(1, int(float64(len(full.Nodes))*acts+0.999999))
			if len(m.Nodes) != want {
				t.Errorf("%s activities=%v: %d nodes, want %d", rel, acts, len(m.Nodes), want)
			}
			if ok, why := connected(m); !ok {
				t.Errorf("%s activities=%v: %s", rel, acts, why)
			}
		}
	}
}

func TestBuildRejectsBadOptions(t *testing.T) {
	l := load(t, "xes/running-example.xes")
	for _, o := range []Options{{View: "heat", Activities: 1, Paths: 1}, {View: Frequency, Activities: 1.5, Paths: 1}, {View: Frequency, Activities: 1, Paths: -0.1}} {
		if _, err := Build(l, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// TestDOTGolden pins the DOT of the running example; regenerate with
// go test ./internal/processmap -run DOTGolden -update.
func TestDOTGolden(t *testing.T) {
	l := load(t, "xes/running-example.xes")
	for _, view := range []View{Frequency, Performance} {
		m, err := Build(l, Options{View: view, Activities: 1, Paths: 1})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteDOT(&buf, m); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "running-example-"+string(view)+".dot")
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from the golden file:\n%s", golden, buf.String())
		}
	}
}

func TestSVG(t *testing.T) {
	l := load(t, "xes/running-example.xes")
	m, err := Build(l, Options{View: Frequency, Activities: 1, Paths: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSVG(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"<svg", "register request", "examine casually", ">6<", "</svg>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

// TestSVGEscapesNames: activity names reach the page inside the SVG, so
// markup in them must come out as text.
func TestSVGEscapesNames(t *testing.T) {
	m := &Map{View: Frequency, Nodes: []Node{{Activity: "<script>alert(1)</script>", Count: 1, Cases: 1}, {Activity: "b & \"c\"", Count: 1, Cases: 1}},
		Edges: []Edge{{Source: "<script>alert(1)</script>", Target: "b & \"c\"", Count: 1, Cases: 1}},
		Start: map[string]int{"<script>alert(1)</script>": 1}, End: map[string]int{"b & \"c\"": 1}}
	var buf bytes.Buffer
	if err := WriteSVG(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script") || !strings.Contains(buf.String(), "&lt;script&gt;") {
		t.Errorf("markup in a name survived into the SVG:\n%s", buf.String())
	}
}

// TestDenseMapsAreBounded: a log of 40 activities in random order makes
// a map of about 1,600 paths, whose layout takes far more than minutes;
// drawing it is refused before Graphviz starts, with the map's figures,
// and Fit finds the largest paths share whose map has at most FitEdges
// arrows, which lays out well inside a server's deadline (the share Check
// tells the caller to ask for).
func TestDenseMapsAreBounded(t *testing.T) {
	gr := NewGraph(testlog.RandomOrder(40, 400, 12, 1), 1)
	o := Options{View: Frequency, Activities: 1, Paths: 1}
	m, err := gr.Map(o)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	err = WriteSVG(context.Background(), io.Discard, m)
	var tl *TooLarge
	if !errors.As(err, &tl) || tl.Nodes != 40 || tl.Edges != m.Arrows() || tl.Edges < 1500 || time.Since(begin) > time.Second {
		t.Fatalf("dense map: %v after %v", err, time.Since(begin))
	}
	t.Log(err)
	fit, share, err := gr.Fit(o)
	if err != nil || fit.Arrows() > FitEdges || share <= 0 || share >= 1 {
		t.Fatalf("fit: share %v, %v", share, err)
	}
	o.Paths = share + 0.001
	if over, _ := gr.Map(o); over.Arrows() <= FitEdges {
		t.Errorf("paths %v has %d arrows: not the largest share", o.Paths, over.Arrows())
	}
	o.Paths = 1
	if err := gr.Suggest(o, WriteSVG(context.Background(), io.Discard, m)); !errors.As(err, &tl) || tl.Paths == nil || *tl.Paths != share || !strings.Contains(err.Error(), fmt.Sprintf("lower the paths share to %g or less", share)) {
		t.Errorf("suggestion: %v", err)
	}
	if !drawable(fit) {
		t.Errorf("the map at the share suggested, %d arrows, is not drawn", fit.Arrows())
	}
}

// pathsLog is 40 cases on three common paths, and one more case, the
// target, on the path given.
func pathsLog(target []string) *eventlog.Log {
	b := eventlog.NewBuilder()
	paths := [][]string{{"Receive", "Check", "Approve"}, {"Receive", "Check", "Reject"}, {"Receive", "Approve"}}
	add := func(id string, path []string) {
		c := b.NewCase(id)
		for i, a := range path {
			b.Event(c, b.Log().Activities.ID(a), int64(i), eventlog.None, eventlog.None)
		}
	}
	for i := range 40 {
		add(fmt.Sprintf("c%02d", i), paths[i%3])
	}
	add("target", target)
	return b.Finish()
}

// TestSlidersCountOnlyWhatIsShown: for a reader's graph (NewGraphOf with
// k), where the activities and paths sliders cut does not depend on
// groups of fewer than k cases. Before, the number of arrows kept at a
// share was ceil(share × all arrows), rare ones included, so stepping the
// slider told a reader exactly how many paths there were in all: whether
// the one case that differs between two views had paths of its own.
func TestSlidersCountOnlyWhatIsShown(t *testing.T) {
	own, common := pathsLog([]string{"Receive", "Escalate", "Check", "Approve"}), pathsLog([]string{"Receive", "Check", "Approve"})
	for _, activities := range []float64{1, 0.9, 0.75} {
		a, b := NewGraphOf(own, activities, 5), NewGraphOf(common, activities, 5)
		for p := 0; p <= 100; p++ {
			o := Options{View: Frequency, Activities: activities, Paths: float64(p) / 100}
			ma, _ := a.Map(o)
			mb, _ := b.Map(o)
			if ma.Arrows() != mb.Arrows() || len(ma.Nodes) != len(mb.Nodes) {
				t.Fatalf("activities %v, paths %v: %d arrows and %d activities with the target's own path, %d and %d without",
					activities, o.Paths, ma.Arrows(), len(ma.Nodes), mb.Arrows(), len(mb.Nodes))
			}
			for _, n := range ma.Nodes {
				if n.Activity == "Escalate" {
					t.Fatalf("a group of one case is on a reader's graph: %+v", n)
				}
			}
		}
	}
	// A graph for those who may read raw data keeps everything.
	if m, _ := NewGraph(own, 1).Map(Options{View: Frequency, Activities: 1, Paths: 1}); len(m.Nodes) != 5 {
		t.Errorf("raw graph: %d activities", len(m.Nodes))
	}
}

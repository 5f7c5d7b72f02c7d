package graphviz

import (
	"context"
	"math"
	"testing"

	"github.com/procmine/procmine/internal/dot"
)

// TestLay: positions come back in points, top-left origin, y down, for
// every node, and every edge runs from its tail's side to its head's.
func TestLay(t *testing.T) {
	src := `digraph { rankdir=LR; node [fixedsize=true, width=1, height=0.5, shape=box];
		a -> b [id=ab]; b -> c [id=bc]; a -> c [id=ac]; }`
	l, err := Engine{}.Lay(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Nodes) != 3 || len(l.Edges) != 3 {
		t.Fatalf("%d nodes, %d edges", len(l.Nodes), len(l.Edges))
	}
	for name, b := range l.Nodes {
		if b.W != 72 || b.H != 36 || b.X-b.W/2 < -0.5 || b.Y-b.H/2 < -0.5 || b.X+b.W/2 > l.Width+0.5 || b.Y+b.H/2 > l.Height+0.5 {
			t.Errorf("node %s at %+v outside %vx%v", name, b, l.Width, l.Height)
		}
	}
	if !(l.Nodes["a"].X < l.Nodes["b"].X && l.Nodes["b"].X < l.Nodes["c"].X) {
		t.Errorf("left to right: %+v", l.Nodes)
	}
	near := func(p dot.Point, b dot.Box) bool {
		return math.Abs(p.X-b.X) <= b.W/2+2 && math.Abs(p.Y-b.Y) <= b.H/2+2
	}
	for id, ends := range map[string][2]string{"ab": {"a", "b"}, "bc": {"b", "c"}, "ac": {"a", "c"}} {
		pts := l.Edges[id]
		if len(pts) < 2 || !near(pts[0], l.Nodes[ends[0]]) || !near(pts[len(pts)-1], l.Nodes[ends[1]]) {
			t.Errorf("edge %s: %v between %+v and %+v", id, pts, l.Nodes[ends[0]], l.Nodes[ends[1]])
		}
	}
	if _, err := (Engine{}).Lay(context.Background(), []byte("digraph {")); err == nil {
		t.Error("a broken graph laid out")
	}
}

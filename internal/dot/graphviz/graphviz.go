// Package graphviz lays graphs out with Graphviz, compiled to WebAssembly
// (go-graphviz): the engine of procmine-layout, the program that draws for
// procmine (see internal/dot). Its module is compiled when a process
// starts, 60 to 100 ms, which is why only the layout program links it.
// Graphviz's instance must not be entered concurrently: every layout in a
// process takes one lock.
package graphviz

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"

	"github.com/procmine/procmine/internal/dot"
)

var (
	mu sync.Mutex
	gv *graphviz.Graphviz
)

// Engine lays out in this process.
type Engine struct{}

// Render lays out a graph written in DOT and writes it in format.
func (Engine) Render(ctx context.Context, src []byte, format dot.Format, w io.Writer) error {
	mu.Lock()
	defer mu.Unlock()
	if gv == nil {
		g, err := graphviz.New(ctx)
		if err != nil {
			return fmt.Errorf("graphviz: %w", err)
		}
		gv = g
	}
	graph, err := parse(src)
	if err != nil {
		return err
	}
	defer graph.Close()
	return gv.Render(ctx, graph, graphviz.Format(format), w)
}

// parse reads a graph in DOT.
func parse(src []byte) (*graphviz.Graph, error) {
	graph, err := graphviz.ParseBytes(src)
	switch {
	case graph == nil && (err == nil || strings.TrimSpace(err.Error()) == ""):
		return nil, fmt.Errorf("%w (%d bytes of DOT)", dot.ErrNoGraph, len(src))
	case err != nil:
		return nil, fmt.Errorf("graphviz: %w", err)
	}
	return graph, nil
}

// Lay lays out a graph written in DOT and returns the positions.
func (e Engine) Lay(ctx context.Context, src []byte) (*dot.Layout, error) {
	var out bytes.Buffer
	if err := e.Render(ctx, src, dot.Positioned, &out); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	g, err := parse(out.Bytes())
	if err != nil {
		return nil, err
	}
	defer g.Close()
	l := &dot.Layout{Nodes: map[string]dot.Box{}, Edges: map[string][]dot.Point{}}
	var x0, y0, x1, y1 float64
	if _, err := fmt.Sscanf(g.GetStr("bb"), "%g,%g,%g,%g", &x0, &y0, &x1, &y1); err != nil {
		return nil, fmt.Errorf("graphviz: no bounding box in the layout")
	}
	l.Width, l.Height = x1-x0, y1-y0
	flip := func(p dot.Point) dot.Point { return dot.Point{X: p.X - x0, Y: y1 - p.Y} }
	for n, err := g.FirstNode(); n != nil && err == nil; n, err = g.NextNode(n) {
		name, _ := n.Name()
		var b dot.Box
		if _, err := fmt.Sscanf(n.GetStr("pos"), "%g,%g", &b.X, &b.Y); err != nil {
			return nil, fmt.Errorf("graphviz: node %q has no position", name)
		}
		fmt.Sscanf(n.GetStr("width"), "%g", &b.W)
		fmt.Sscanf(n.GetStr("height"), "%g", &b.H)
		c := flip(dot.Point{X: b.X, Y: b.Y})
		l.Nodes[name] = dot.Box{X: c.X, Y: c.Y, W: b.W * 72, H: b.H * 72}
		for e, err := g.FirstOut(n); e != nil && err == nil; e, err = g.NextOut(e) {
			head, err := e.Head()
			if err != nil {
				continue
			}
			hn, _ := head.Name()
			id := e.GetStr("id")
			if id == "" {
				id = name + "->" + hn
			}
			l.Edges[id] = spline(e.GetStr("pos"), flip)
		}
	}
	return l, nil
}

// spline reads an edge's pos, "[e,x,y ]x,y x,y …" (a B-spline, its end
// point first when it has an arrowhead), into the points through which
// the curve passes: every third control point, then the end.
func spline(pos string, flip func(dot.Point) dot.Point) []dot.Point {
	var pts []dot.Point
	var end *dot.Point
	for _, f := range bytes.Fields([]byte(pos)) {
		var p dot.Point
		if bytes.HasPrefix(f, []byte("e,")) {
			if _, err := fmt.Sscanf(string(f[2:]), "%g,%g", &p.X, &p.Y); err == nil {
				q := flip(p)
				end = &q
			}
			continue
		}
		if bytes.HasPrefix(f, []byte("s,")) {
			continue
		}
		if _, err := fmt.Sscanf(string(f), "%g,%g", &p.X, &p.Y); err == nil {
			pts = append(pts, flip(p))
		}
	}
	var out []dot.Point
	for i := 0; i < len(pts); i += 3 {
		out = append(out, pts[i])
	}
	if end != nil {
		out = append(out, *end)
	} else if len(pts) > 0 && (len(pts)-1)%3 != 0 {
		out = append(out, pts[len(pts)-1])
	}
	return out
}

// TestMain is a test binary's TestMain for a package whose tests draw:
// ForTests, then the tests (m is the *testing.M; an interface keeps the
// testing package out of procmine-layout).
func TestMain(m interface{ Run() int }) {
	ForTests()
	os.Exit(m.Run())
}

// ForTests makes a test binary lay out as procmine does, with itself for
// procmine-layout: started as a worker, it serves layouts and exits;
// otherwise every layout runs in workers that are this binary started
// again. The TestMain of a package whose tests draw calls it first
// (TestMain does).
func ForTests() {
	dot.ServeWorkerIfAsked(Engine{})
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	os.Setenv(dot.HelperEnv, exe)
}

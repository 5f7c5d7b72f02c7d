// Package dot runs Graphviz's dot layout. Graphviz runs as one
// WebAssembly module per process that must not be entered concurrently,
// so every layout in a process takes one lock and shares one instance.
// A server lays out in worker processes instead (see Workers and Use),
// where a layout can be stopped; the command line lays out in-process.
package dot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
)

var (
	mu sync.Mutex
	gv *graphviz.Graphviz
)

// Format is what Render writes.
type Format = graphviz.Format

const (
	SVG Format = graphviz.SVG
	// Positioned is the graph in DOT again, with the layout's
	// coordinates as attributes (pos, width, height, bb).
	Positioned Format = graphviz.XDOT
)

// Render lays out a graph written in DOT and writes it in format: in a
// worker process when Use gave workers, otherwise in this one.
func Render(ctx context.Context, src []byte, format Format, w io.Writer) error {
	if ws := current.Load(); ws != nil {
		rep, err := ws.do(ctx, request{Src: src, Format: string(format)})
		if err != nil {
			return err
		}
		if rep.Err != "" {
			return errors.New(rep.Err)
		}
		_, err = w.Write(rep.Out)
		return err
	}
	return renderLocal(ctx, src, format, w)
}

// renderLocal is Render in this process.
func renderLocal(ctx context.Context, src []byte, format Format, w io.Writer) error {
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
	return gv.Render(ctx, graph, format, w)
}

// errNoGraph is Graphviz failing without a reason: reading no graph and
// saying nothing of why (what it does with an empty source, and what a
// worker once did with a map it had drawn before), or writing a cut
// drawing. It is not the graph's fault, and the Graphviz that does it is
// not trusted with another layout (see serveWorker).
var errNoGraph = errors.New("graphviz failed without a reason")

// parse reads a graph in DOT.
func parse(src []byte) (*graphviz.Graph, error) {
	graph, err := graphviz.ParseBytes(src)
	switch {
	case graph == nil && (err == nil || strings.TrimSpace(err.Error()) == ""):
		return nil, fmt.Errorf("%w (%d bytes of DOT)", errNoGraph, len(src))
	case err != nil:
		return nil, fmt.Errorf("graphviz: %w", err)
	}
	return graph, nil
}

// Layout is where the layout put each node and edge, in points, with the
// origin at the top left and y growing downwards.
type Layout struct {
	Width, Height float64
	Nodes         map[string]Box
	// Edges are keyed by their id attribute (by "tail->head" without
	// one); their points run from the tail to the head.
	Edges map[string][]Point
}

// Point is a position in points.
type Point struct{ X, Y float64 }

// Box is a node's centre and size in points.
type Box struct{ X, Y, W, H float64 }

// Lay lays out a graph written in DOT and returns the positions: in a
// worker process when Use gave workers, otherwise in this one.
func Lay(ctx context.Context, src []byte) (*Layout, error) {
	if ws := current.Load(); ws != nil {
		rep, err := ws.do(ctx, request{Src: src, Lay: true})
		if err != nil {
			return nil, err
		}
		if rep.Err != "" {
			return nil, errors.New(rep.Err)
		}
		return rep.Layout, nil
	}
	return layLocal(ctx, src)
}

// layLocal is Lay in this process.
func layLocal(ctx context.Context, src []byte) (*Layout, error) {
	var out bytes.Buffer
	if err := renderLocal(ctx, src, Positioned, &out); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	g, err := parse(out.Bytes())
	if err != nil {
		return nil, err
	}
	defer g.Close()
	l := &Layout{Nodes: map[string]Box{}, Edges: map[string][]Point{}}
	var x0, y0, x1, y1 float64
	if _, err := fmt.Sscanf(g.GetStr("bb"), "%g,%g,%g,%g", &x0, &y0, &x1, &y1); err != nil {
		return nil, fmt.Errorf("graphviz: no bounding box in the layout")
	}
	l.Width, l.Height = x1-x0, y1-y0
	flip := func(p Point) Point { return Point{p.X - x0, y1 - p.Y} }
	for n, err := g.FirstNode(); n != nil && err == nil; n, err = g.NextNode(n) {
		name, _ := n.Name()
		var b Box
		if _, err := fmt.Sscanf(n.GetStr("pos"), "%g,%g", &b.X, &b.Y); err != nil {
			return nil, fmt.Errorf("graphviz: node %q has no position", name)
		}
		fmt.Sscanf(n.GetStr("width"), "%g", &b.W)
		fmt.Sscanf(n.GetStr("height"), "%g", &b.H)
		c := flip(Point{b.X, b.Y})
		l.Nodes[name] = Box{X: c.X, Y: c.Y, W: b.W * 72, H: b.H * 72}
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
func spline(pos string, flip func(Point) Point) []Point {
	var pts []Point
	var end *Point
	for _, f := range bytes.Fields([]byte(pos)) {
		var p Point
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
	var out []Point
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

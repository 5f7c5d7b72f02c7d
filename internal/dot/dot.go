// Package dot lays graphs out with Graphviz's dot, for the maps and models
// procmine draws. Graphviz runs in worker processes (Workers): in one, a
// layout can be stopped at its deadline and holds none of the server's
// runtime. The workers are procmine-layout, a program of their own (see
// Helper): Graphviz's WebAssembly module is compiled whenever a process
// that links it starts, and procmine itself starts in a few milliseconds.
package dot

import (
	"context"
	"errors"
	"io"
)

// Format is what Render writes.
type Format string

const (
	SVG Format = "svg"
	// Positioned is the graph in DOT again, with the layout's
	// coordinates as attributes (pos, width, height, bb).
	Positioned Format = "xdot"
)

// Engine lays graphs out in the process it runs in; a worker answers with
// one (see ServeWorker).
type Engine interface {
	// Render lays out a graph written in DOT and writes it in format.
	Render(ctx context.Context, src []byte, format Format, w io.Writer) error
	// Lay lays out a graph written in DOT and returns the positions.
	Lay(ctx context.Context, src []byte) (*Layout, error)
}

// Render lays out a graph written in DOT and writes it in format, in the
// workers Use gave, or else in this process's own (see Helper).
func Render(ctx context.Context, src []byte, format Format, w io.Writer) error {
	rep, err := workers().do(ctx, request{Src: src, Format: string(format)})
	if err != nil {
		return err
	}
	if rep.Err != "" {
		return errors.New(rep.Err)
	}
	_, err = w.Write(rep.Out)
	return err
}

// ErrNoGraph is Graphviz failing without a reason: reading no graph and
// saying nothing of why (what it does with an empty source, and what a
// worker once did with a map it had drawn before), or writing a cut
// drawing. It is not the graph's fault, and the Graphviz that does it is
// not trusted with another layout (see ServeWorker).
var ErrNoGraph = errors.New("graphviz failed without a reason")

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

// Lay lays out a graph written in DOT and returns the positions, in the
// workers Use gave, or else in this process's own (see Helper).
func Lay(ctx context.Context, src []byte) (*Layout, error) {
	rep, err := workers().do(ctx, request{Src: src, Lay: true})
	if err != nil {
		return nil, err
	}
	if rep.Err != "" {
		return nil, errors.New(rep.Err)
	}
	return rep.Layout, nil
}

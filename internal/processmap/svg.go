package processmap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/goccy/go-graphviz"
)

// Graphviz runs as one WebAssembly module per process that must not be
// entered concurrently, so every render takes this lock and shares one
// instance.
var (
	gvMu sync.Mutex
	gv   *graphviz.Graphviz
)

// maxSVGNodes bounds the graphs sent to Graphviz: a render cannot be
// cancelled, so its size is what keeps it short.
const maxSVGNodes = 500

// WriteSVG lays the map out with Graphviz (dot) and writes SVG.
func WriteSVG(ctx context.Context, w io.Writer, m *Map) error {
	if len(m.Nodes) > maxSVGNodes {
		return fmt.Errorf("the map has %d activities; lower --activities to draw at most %d", len(m.Nodes), maxSVGNodes)
	}
	var dot bytes.Buffer
	if err := WriteDOT(&dot, m); err != nil {
		return err
	}
	gvMu.Lock()
	defer gvMu.Unlock()
	if gv == nil {
		g, err := graphviz.New(ctx)
		if err != nil {
			return fmt.Errorf("graphviz: %w", err)
		}
		gv = g
	}
	graph, err := graphviz.ParseBytes(dot.Bytes())
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	defer graph.Close()
	return gv.Render(ctx, graph, graphviz.SVG, w)
}

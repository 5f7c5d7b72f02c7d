package processmap

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/procmine/procmine/internal/dot"
)

// maxSVGNodes bounds the graphs sent to Graphviz: a render cannot be
// cancelled, so its size is what keeps it short.
const maxSVGNodes = 500

// WriteSVG lays the map out with Graphviz (dot) and writes SVG.
func WriteSVG(ctx context.Context, w io.Writer, m *Map) error {
	if len(m.Nodes) > maxSVGNodes {
		return fmt.Errorf("the map has %d activities; lower --activities to draw at most %d", len(m.Nodes), maxSVGNodes)
	}
	var src bytes.Buffer
	if err := WriteDOT(&src, m); err != nil {
		return err
	}
	return dot.Render(ctx, src.Bytes(), dot.SVG, w)
}

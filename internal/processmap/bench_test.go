package processmap

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkDenseMapLayout: how long Graphviz takes to draw the map of 40
// activities in random order as the paths slider lets more of its 1,581
// arrows through, in-process. It is what MaxDrawnEdges and the server's
// layout deadline are set from. Run it once:
// go test -run '^$' -bench DenseMapLayout -benchtime 1x ./internal/processmap
func BenchmarkDenseMapLayout(b *testing.B) {
	gr := NewGraph(testlog.RandomOrder(40, 400, 12, 1), 1)
	for _, paths := range []float64{0.05, 0.1, 0.15} {
		m, err := gr.Map(Options{View: Frequency, Activities: 1, Paths: paths})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("arrows=%d", m.Arrows()), func(b *testing.B) {
			for b.Loop() {
				if err := WriteSVG(context.Background(), io.Discard, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package conformance

import (
	"bytes"
	"context"
	"testing"

	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/processtree"
)

// FuzzReplay: any net PNML reads replays a small log without panicking or
// running away, and its figures stay within their bounds.
func FuzzReplay(f *testing.F) {
	for _, tree := range []string{
		"->( 'a', X( 'b', tau ), +( 'c', *( 'd', 'e' ) ) )",
		"*( X( 'a', 'b' ), tau, 'c' )",
	} {
		t, _ := processtree.Parse(tree)
		var b bytes.Buffer
		petrinet.WritePNML(&b, petrinet.FromTree(t))
		f.Add(b.Bytes())
	}
	l := logOf("abcde", "acdedeb", "x", "ba", "ccc")
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := petrinet.ReadPNML(bytes.NewReader(data), "f.pnml")
		if err != nil {
			return
		}
		res, err := Replay(context.Background(), l, n)
		if err != nil {
			return
		}
		if res.Traces != 5 || res.LogFitness > 1 || res.AverageTraceFitness > 1 || res.PercentageOfFittingTraces > 100 || res.Missing < 0 || res.Remaining < 0 {
			t.Fatalf("figures out of bounds: %+v", res)
		}
	})
}

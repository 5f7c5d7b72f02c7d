package petrinet

import (
	"slices"
	"testing"

	"github.com/procmine/procmine/internal/processtree"
)

// TestIndex: places and transitions keep the net's order, arcs become
// per-transition place lists, markings token counts; an arc or a marking
// naming what the net lacks is refused.
func TestIndex(t *testing.T) {
	tree, err := processtree.Parse("->( 'a', X( 'b', tau ) )")
	if err != nil {
		t.Fatal(err)
	}
	n := FromTree(tree)
	x, err := n.Index()
	if err != nil {
		t.Fatal(err)
	}
	if x.Places != len(n.Places) || len(x.IDs) != len(n.Transitions) {
		t.Fatalf("%d places, %d transitions", x.Places, len(x.IDs))
	}
	arcs := 0
	for i, tr := range n.Transitions {
		if x.IDs[i] != tr.ID || x.Labels[i] != tr.Label {
			t.Errorf("transition %d: %s %q", i, x.IDs[i], x.Labels[i])
		}
		arcs += len(x.Pre[i]) + len(x.Post[i])
	}
	if arcs != len(n.Arcs) || !slices.Equal(x.ByLabel["b"], []int32{int32(slices.IndexFunc(n.Transitions, func(t Transition) bool { return t.Label == "b" }))}) {
		t.Errorf("%d arcs of %d; b at %v", arcs, len(n.Arcs), x.ByLabel["b"])
	}
	for p, pl := range n.Places {
		if x.Initial[p] != int32(n.Initial[pl.ID]) || x.Final[p] != int32(n.Final[pl.ID]) {
			t.Errorf("place %s: initial %d, final %d", pl.ID, x.Initial[p], x.Final[p])
		}
	}
	bad := *n
	bad.Arcs = append(slices.Clone(n.Arcs), Arc{Source: n.Places[0].ID, Target: n.Places[1].ID})
	if _, err := bad.Index(); err == nil {
		t.Error("an arc between two places was taken")
	}
	bad = *n
	bad.Final = Marking{"nowhere": 1}
	if _, err := bad.Index(); err == nil || err.Error() != "the final marking names a place the net does not have" {
		t.Errorf("a final marking on no place: %v", err)
	}
}

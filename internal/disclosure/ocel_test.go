package disclosure

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/ocel"
)

// TestObjectCentricSingleCase is the review's case: one order of thirty,
// with twelve items, goes through a fraud check and a refund its events
// touch all thirteen objects of. Counted in objects, those are groups of
// thirteen; counted in cases, of one: a reader sees neither activity,
// nor an edge or a time between them, in any object type.
func TestObjectCentricSingleCase(t *testing.T) {
	h := int64(time.Hour)
	l := &ocel.Log{}
	obj := func(id, typ string) int32 {
		l.Objects = append(l.Objects, ocel.Object{ID: id, Type: typ})
		return int32(len(l.Objects) - 1)
	}
	event := func(typ string, at int64, objs ...int32) {
		var rel []ocel.Relation
		for _, o := range objs {
			rel = append(rel, ocel.Relation{Object: o})
		}
		l.Events = append(l.Events, ocel.Event{ID: fmt.Sprint(len(l.Events)), Type: typ, Time: at, Objects: rel})
	}
	for i := range 30 {
		o, it := obj(fmt.Sprint("o", i), "order"), obj(fmt.Sprint("i", i), "item")
		base := int64(i) * 10 * h
		event("create", base, o, it)
		event("pack", base+h, o, it)
		event("ship", base+3*h, o)
		if i == 7 { // the one case
			items := []int32{o}
			for j := range 12 {
				items = append(items, obj(fmt.Sprintf("x%d-%d", i, j), "item"))
			}
			event("fraud check", base+4*h, items...)
			event("refund", base+4*h+123456*int64(time.Second), items...)
		}
	}
	gr := l.Graph("order")
	view, err := l.Flatten("order", eventlog.Budget{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(5, []byte("a key"), "version 1", "", view)
	if err != nil {
		t.Fatal(err)
	}
	w := &Withheld{K: 5}
	g.ObjectCentric(&gr, w)
	b := fmt.Sprintf("%+v", gr)
	for _, leak := range []string{"fraud check", "refund", "123456", "123000", "120000"} {
		if strings.Contains(b, leak) {
			t.Errorf("the reader's graph shows %q: %s", leak, b)
		}
	}
	if !strings.Contains(b, "create") || !strings.Contains(b, "pack") || w.Activities < 2 {
		t.Errorf("what is shown: %s (withheld %+v)", b, w)
	}
}

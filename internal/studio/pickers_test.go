package studio

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// TestCaseAttrOptions: the picker offers each key's most frequent values
// first, within its bounds, and no long text.
func TestCaseAttrOptions(t *testing.T) {
	b := eventlog.NewBuilder()
	for i := range 100 {
		c, _ := b.Case(fmt.Sprint(i))
		b.CaseAttr(c, eventlog.Attr{Key: "region", Value: eventlog.StringValue([]string{"North", "South", "South"}[i%3])})
		b.CaseAttr(c, eventlog.Attr{Key: "note", Value: eventlog.StringValue(fmt.Sprintf("%d %s", i, strings.Repeat("x", 20*(i%2)*10)))})
		b.Event(c, b.Log().Activities.ID("a"), int64(i), eventlog.None, eventlog.None)
	}
	got := caseAttrOptions(b.Finish())
	if !slices.Equal(got[:2], []string{"region=South", "region=North"}) {
		t.Errorf("the region's values: %q", got[:2])
	}
	notes := got[2:]
	if len(notes) != pickerValuesPerKey || slices.ContainsFunc(notes, func(s string) bool { return len(s) >= pickerLength }) {
		t.Errorf("%d notes offered: %q", len(notes), notes)
	}
}

// TestEventAttrOptions: the resources, the most frequent first, then the
// other event attributes' values.
func TestEventAttrOptions(t *testing.T) {
	b := eventlog.NewBuilder()
	c, _ := b.Case("1")
	for i, r := range []string{"ann", "bob", "bob", ""} {
		res := eventlog.None
		if r != "" {
			res = b.Log().Resources.ID(r)
		}
		e := b.Event(c, b.Log().Activities.ID("a"), int64(i), res, eventlog.None)
		b.EventAttr(e, eventlog.Attr{Key: "cost", Value: eventlog.IntValue(int64(10 * (i % 2)))})
	}
	got := eventAttrOptions(b.Finish())
	if want := []string{"org:resource=bob", "org:resource=ann", "cost=0", "cost=10"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

package studio

import (
	"cmp"
	"slices"

	"github.com/procmine/procmine/internal/eventlog"
)

// Bounds of the attribute pickers: the values offered per key (the most
// frequent), in all, and the longest key=value offered.
const (
	pickerValuesPerKey = 25
	pickerValues       = 300
	pickerLength       = 120
)

// pickerList gathers key=value options, each key's most frequent values
// first, within the bounds.
type pickerList struct{ out []string }

func (p *pickerList) add(key string, counts map[string]int) {
	type count struct {
		value string
		n     int
	}
	list := make([]count, 0, len(counts))
	for v, n := range counts {
		// A long text is no value to pick from a list.
		if len(key)+len(v) < pickerLength {
			list = append(list, count{v, n})
		}
	}
	slices.SortFunc(list, func(a, b count) int { return cmp.Or(b.n-a.n, cmp.Compare(a.value, b.value)) })
	for _, c := range list[:min(len(list), pickerValuesPerKey)] {
		if len(p.out) == pickerValues {
			return
		}
		p.out = append(p.out, key+"="+c.value)
	}
}

// caseAttrOptions are the case attributes' values as the case-attribute
// filter takes them (key=value). They are raw data: the page offers them
// only to those who may read it.
func caseAttrOptions(l *eventlog.Log) []string {
	var p pickerList
	for _, key := range l.CaseAttrs.Keys() {
		counts := map[string]int{}
		for c := range l.CaseIDs {
			if v, ok := l.CaseAttrs.Get(int32(c), key); ok {
				counts[v.String()]++
			}
		}
		p.add(key, counts)
	}
	return p.out
}

// eventAttrOptions are the events' resources and attribute values as the
// event-attribute filter takes them (key=value); raw data too.
func eventAttrOptions(l *eventlog.Log) []string {
	var p pickerList
	counts := map[string]int{}
	for _, r := range l.Res {
		if r != eventlog.None {
			counts[l.Resources.Name(r)]++
		}
	}
	p.add("org:resource", counts)
	for _, key := range l.EventAttrs.Keys() {
		counts := map[string]int{}
		for e := range l.Act {
			if v, ok := l.EventAttrs.Get(int32(e), key); ok {
				counts[v.String()]++
			}
		}
		p.add(key, counts)
	}
	return p.out
}

package studio

import (
	"cmp"
	"slices"

	"github.com/procmine/procmine/internal/eventlog"
)

// Bounds of the case-attribute picker: the values offered per key (the
// most frequent), in all, and the longest key=value offered.
const (
	pickerValuesPerKey = 25
	pickerValues       = 300
	pickerLength       = 120
)

// caseAttrOptions are the case attributes' values as the case-attribute
// filter takes them (key=value), the most frequent of each key first. They
// are raw data: the page offers them only to those who may read it.
func caseAttrOptions(l *eventlog.Log) []string {
	type count struct {
		value string
		n     int
	}
	var out []string
	for _, key := range l.CaseAttrs.Keys() {
		counts := map[string]int{}
		for c := range l.CaseIDs {
			// A long text is no value to pick from a list.
			if v, ok := l.CaseAttrs.Get(int32(c), key); ok && len(key)+len(v.String()) <= pickerLength {
				counts[v.String()]++
			}
		}
		list := make([]count, 0, len(counts))
		for v, n := range counts {
			list = append(list, count{v, n})
		}
		slices.SortFunc(list, func(a, b count) int { return cmp.Or(b.n-a.n, cmp.Compare(a.value, b.value)) })
		for _, c := range list[:min(len(list), pickerValuesPerKey)] {
			if len(out) == pickerValues {
				return out
			}
			out = append(out, key+"="+c.value)
		}
	}
	return out
}

package mining

import (
	"cmp"
	"slices"

	"github.com/procmine/procmine/internal/eventlog"
)

// ResourceStats counts the work of one resource.
type ResourceStats struct {
	Resource string `json:"resource"`
	Events   int    `json:"events"`
	Cases    int    `json:"cases"`
}

// Handover counts how often work passes from one resource to another:
// consecutive events of a case done by different resources.
type Handover struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

// Resources returns per-resource counts, busiest first, and the hand-over
// of work between resources, most frequent first. Events without a
// resource are not counted, and break a hand-over chain.
func Resources(l *eventlog.Log) ([]ResourceStats, []Handover) {
	n := l.Resources.Len()
	events := make([]int, n)
	cases := make([]int, n)
	seen := make([]int32, n)
	for i := range seen {
		seen[i] = -1
	}
	hand := map[[2]int32]int{}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			r := l.Res[e]
			if r == eventlog.None {
				continue
			}
			events[r]++
			if seen[r] != int32(c) {
				seen[r] = int32(c)
				cases[r]++
			}
			if e > lo && l.Res[e-1] != eventlog.None && l.Res[e-1] != r {
				hand[[2]int32{l.Res[e-1], r}]++
			}
		}
	}
	var rs []ResourceStats
	for r := range n {
		if events[r] > 0 {
			rs = append(rs, ResourceStats{Resource: l.Resources.Name(int32(r)), Events: events[r], Cases: cases[r]})
		}
	}
	slices.SortStableFunc(rs, func(a, b ResourceStats) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), cmp.Compare(a.Resource, b.Resource))
	})
	var hs []Handover
	for k, v := range hand {
		hs = append(hs, Handover{From: l.Resources.Name(k[0]), To: l.Resources.Name(k[1]), Count: v})
	}
	slices.SortFunc(hs, func(a, b Handover) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return rs, hs
}

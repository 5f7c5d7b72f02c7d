package mining

import "github.com/procmine/procmine/internal/eventlog"

// Rework tells how often work is done again.
type Rework struct {
	// CasesWithRework counts cases in which some activity occurs more than once.
	CasesWithRework int     `json:"cases_with_rework"`
	ReworkShare     float64 `json:"rework_share"`
	// CasesWithSelfLoop counts cases in which an activity directly follows itself.
	CasesWithSelfLoop int     `json:"cases_with_self_loop"`
	SelfLoopShare     float64 `json:"self_loop_share"`
	// Repeats counts, per activity, the occurrences beyond the first in a case.
	Repeats map[string]int `json:"repeats"`
	// SelfLoops counts, per activity, the times it directly follows itself.
	SelfLoops map[string]int `json:"self_loops"`
}

// ComputeRework measures repeated activities and self-loops.
func ComputeRework(l *eventlog.Log) Rework {
	n := l.Activities.Len()
	seen := make([]int32, n)
	for i := range seen {
		seen[i] = -1
	}
	repeats := make([]int, n)
	loops := make([]int, n)
	var r Rework
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		rework, loop := false, false
		for e := lo; e < hi; e++ {
			a := l.Act[e]
			if seen[a] == int32(c) {
				repeats[a]++
				rework = true
			}
			seen[a] = int32(c)
			if e > lo && l.Act[e-1] == a {
				loops[a]++
				loop = true
			}
		}
		if rework {
			r.CasesWithRework++
		}
		if loop {
			r.CasesWithSelfLoop++
		}
	}
	r.Repeats, r.SelfLoops = map[string]int{}, map[string]int{}
	for a := range n {
		if repeats[a] > 0 {
			r.Repeats[l.Activities.Name(int32(a))] = repeats[a]
		}
		if loops[a] > 0 {
			r.SelfLoops[l.Activities.Name(int32(a))] = loops[a]
		}
	}
	if cases := l.NumCases(); cases > 0 {
		r.ReworkShare = float64(r.CasesWithRework) / float64(cases)
		r.SelfLoopShare = float64(r.CasesWithSelfLoop) / float64(cases)
	}
	return r
}

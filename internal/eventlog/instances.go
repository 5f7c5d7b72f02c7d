package eventlog

import (
	"slices"
	"strings"
)

// lifecycle roles of the XES standard lifecycle model, for merging.
const (
	lifeAtomic = iota // no lifecycle, "complete" without a start, or a value outside the standard
	lifeStart
	lifeComplete
	lifeState // schedule, assign, suspend...: a state change of an instance, not an instance
)

func lifeRole(name string) int {
	switch strings.ToLower(name) {
	case "start":
		return lifeStart
	case "complete":
		return lifeComplete
	case "schedule", "assign", "reassign", "suspend", "resume", "withdraw",
		"ate_abort", "pi_abort", "autoskip", "manualskip":
		return lifeState
	}
	return lifeAtomic
}

// Instances returns the default view of the log: each start event is
// merged with the next complete event of the same activity in the same case
// (first started, first completed) into one activity instance that has a
// start and an end time. The other transitions of the XES lifecycle model
// (schedule, assign, suspend, resume, withdraw, abort, skip) describe an
// instance's states rather than work done, so they are left out of the view.
// Values outside the standard model (BPIC 2013 puts ticket statuses there)
// and complete events without a start stay instances of their own, as does
// a start that never completes. Instances are ordered by start time.
//
// The view shares what it does not change with the log (dictionaries,
// and case ids and case attributes when it keeps every case): the log is
// not to be changed once its view is made (see Rewrite).
//
// A log without lifecycle information or start times is its own instance
// view.
func (l *Log) Instances() *Log {
	if l.Merged {
		return l
	}
	roles := make([]int, l.Lifecycles.Len())
	merge := false
	for id, name := range l.Lifecycles.Names() {
		roles[id] = lifeRole(name)
		merge = merge || roles[id] == lifeStart || roles[id] == lifeState
	}
	// Instances are ordered by start time; events with their own start
	// times may stand in another order than their end times put them.
	if (l.Life == nil || !merge) && !l.HasStarts() {
		out := *l
		out.Merged = true
		out.Life = nil
		return &out
	}

	n := len(l.Act)
	src := make([]int32, 0, n)   // event the instance takes its attributes from
	start := make([]int64, 0, n) // instance start
	res := make([]int32, 0, n)   // instance resource: the completer's, else the starter's
	offsets := make([]int32, 1, len(l.CaseIDs)+1)
	type open struct {
		act int32
		ev  int32
	}
	var pending []open
	var idx []int // sorting buffers, reused case after case
	var s2, r2 []int32
	var t2 []int64
	add := func(ev int32, begin int64, r int32) {
		src, start, res = append(src, ev), append(start, begin), append(res, r)
	}
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		caseBegin := len(src)
		pending = pending[:0]
		for e := lo; e < hi; e++ {
			role := lifeAtomic
			if l.Life != nil && l.Life[e] != None {
				role = roles[l.Life[e]]
			}
			switch role {
			case lifeState:
				continue
			case lifeStart:
				pending = append(pending, open{l.Act[e], int32(e)})
				continue
			case lifeComplete:
				i := slices.IndexFunc(pending, func(p open) bool { return p.act == l.Act[e] })
				if i >= 0 {
					p := pending[i]
					pending = slices.Delete(pending, i, i+1)
					r := l.Res[e]
					if r == None {
						r = l.Res[p.ev]
					}
					add(int32(e), l.Start[p.ev], r)
					continue
				}
			}
			add(int32(e), l.Start[e], l.Res[e])
		}
		for _, p := range pending {
			add(p.ev, l.Start[p.ev], l.Res[p.ev])
		}
		// A case's instances are mostly in order of their start already;
		// the others are sorted, stably, through buffers every case reuses.
		if l.Timed && !slices.IsSorted(start[caseBegin:]) {
			idx = idx[:0]
			for i := caseBegin; i < len(src); i++ {
				idx = append(idx, i)
			}
			slices.SortStableFunc(idx, func(a, b int) int {
				switch {
				case start[a] < start[b]:
					return -1
				case start[a] > start[b]:
					return 1
				}
				return 0
			})
			s2, t2, r2 = s2[:0], t2[:0], r2[:0]
			for _, j := range idx {
				s2, t2, r2 = append(s2, src[j]), append(t2, start[j]), append(r2, res[j])
			}
			copy(src[caseBegin:], s2)
			copy(start[caseBegin:], t2)
			copy(res[caseBegin:], r2)
		}
		if len(src) > caseBegin {
			offsets = append(offsets, int32(len(src)))
		} else {
			offsets = append(offsets, -1) // case left empty; removed below
		}
	}

	// Cases whose every event was a state change have no instance left.
	var cases []int32
	clean := []int32{0}
	for c := range l.CaseIDs {
		if offsets[c+1] >= 0 {
			cases = append(cases, int32(c))
			clean = append(clean, offsets[c+1])
		}
	}
	return l.instanceView(cases, clean, src, start, res)
}

// instanceView makes the view of the instances found: each takes its
// activity, end time and attributes from its event in src, and has its
// own start and resource. What it would only copy of the log, it shares:
// the case ids and case attributes when every case keeps an instance.
func (l *Log) instanceView(cases, offsets, src []int32, start []int64, res []int32) *Log {
	out := *l
	// An instance view is for reports, never written out: no offsets.
	out.Life, out.Offsets, out.Merged = nil, nil, true
	if len(cases) < len(l.CaseIDs) {
		out.CaseIDs, out.CaseAttrs = l.selectCases(cases)
	}
	out.CaseOffsets = offsets
	n := len(src)
	out.Act, out.End = make([]int32, n), make([]int64, n)
	for i, e := range src {
		out.Act[i], out.End[i] = l.Act[e], l.End[e]
	}
	// start and res were made for as many instances as events: the
	// slack goes when there are fewer instances.
	out.Start, out.Res = start, res
	if cap(start) > n+n/16 {
		out.Start, out.Res = slices.Clone(start), slices.Clone(res)
	}
	out.EventAttrs = l.selectEventAttrs(src)
	return &out
}

package eventlog

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// event is a compact description of one event for building test logs.
type event struct {
	c, act, life string
	t            int64
}

func build(events ...event) *Log {
	b := NewBuilder()
	for _, e := range events {
		c, _ := b.Case(e.c)
		life := None
		if e.life != "" {
			life = b.Log().Lifecycles.ID(e.life)
		}
		b.Event(c, b.Log().Activities.ID(e.act), e.t, b.Log().Resources.ID("r-"+e.act), life)
	}
	return b.Finish()
}

func acts(l *Log, c int) []string {
	lo, hi := l.Events(c)
	var out []string
	for e := lo; e < hi; e++ {
		out = append(out, l.ActivityName(e))
	}
	return out
}

func TestBuilderGroupsCasesAndSortsStably(t *testing.T) {
	l := build(
		event{c: "2", act: "x", t: 5},
		event{c: "1", act: "b", t: 20},
		event{c: "2", act: "y", t: 1},
		event{c: "1", act: "a", t: 10},
		event{c: "1", act: "c", t: 20}, // same time as b: stays after it
	)
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.CaseIDs, []string{"2", "1"}) {
		t.Errorf("cases %v, want first-appearance order [2 1]", l.CaseIDs)
	}
	if got := acts(l, 0); !slices.Equal(got, []string{"y", "x"}) {
		t.Errorf("case 2: %v", got)
	}
	if got := acts(l, 1); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("case 1: %v", got)
	}
	if !l.Timed {
		t.Error("log should be timed")
	}
}

func TestBuilderUntimedKeepsFileOrder(t *testing.T) {
	l := build(event{c: "1", act: "b", t: 5}, event{c: "1", act: "a", t: NoTime})
	if l.Timed {
		t.Error("a log with an untimed event must not be timed")
	}
	if got := acts(l, 0); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("order %v, want file order", got)
	}
	if len(l.Warnings) != 1 {
		t.Errorf("warnings %v", l.Warnings)
	}
}

func TestInstancesMergeLifecycle(t *testing.T) {
	l := build(
		event{c: "1", act: "a", life: "schedule", t: 0},
		event{c: "1", act: "a", life: "start", t: 1},
		event{c: "1", act: "b", life: "start", t: 2},
		event{c: "1", act: "a", life: "complete", t: 3},
		event{c: "1", act: "b", life: "COMPLETE", t: 6},
		event{c: "1", act: "c", life: "complete", t: 7},    // no start: an instant
		event{c: "1", act: "d", life: "In Progress", t: 8}, // outside the model: kept
		event{c: "1", act: "e", life: "start", t: 9},       // never completes
		event{c: "2", act: "z", life: "schedule", t: 1},    // nothing but a state change
	)
	v := l.Instances()
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if v.NumCases() != 1 {
		t.Fatalf("%d cases, want 1 (case 2 has no instance)", v.NumCases())
	}
	type inst struct {
		act        string
		start, end int64
	}
	var got []inst
	lo, hi := v.Events(0)
	for e := lo; e < hi; e++ {
		got = append(got, inst{v.ActivityName(e), v.Start[e], v.End[e]})
	}
	want := []inst{{"a", 1, 3}, {"b", 2, 6}, {"c", 7, 7}, {"d", 8, 8}, {"e", 9, 9}}
	if !slices.Equal(got, want) {
		t.Errorf("instances\n got %v\nwant %v", got, want)
	}
	if v.CaseDuration(0) != 8 {
		t.Errorf("case duration %d, want 8", v.CaseDuration(0))
	}
	// The raw log is untouched.
	if l.NumEvents() != 9 || l.HasStarts() {
		t.Errorf("raw log changed: %d events, starts %v", l.NumEvents(), l.HasStarts())
	}
}

func TestInstancesWithoutLifecycleIsSameData(t *testing.T) {
	l := build(event{c: "1", act: "a", t: 1}, event{c: "1", act: "b", t: 2})
	v := l.Instances()
	if !v.Merged || v.NumEvents() != 2 || &v.Act[0] != &l.Act[0] {
		t.Error("a log without lifecycle should be its own instance view, sharing columns")
	}
}

func TestSelectEventsDropsEmptyCases(t *testing.T) {
	l := build(event{c: "1", act: "a", t: 1}, event{c: "2", act: "b", t: 2}, event{c: "2", act: "a", t: 3})
	s := l.SelectEvents(func(e int) bool { return l.ActivityName(e) == "b" })
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.CaseIDs, []string{"2"}) || s.NumEvents() != 1 || s.ResourceName(0) != "r-b" {
		t.Errorf("got cases %v, %d events", s.CaseIDs, s.NumEvents())
	}
}

func TestInstancesOrderByStart(t *testing.T) {
	b := NewBuilder()
	c, _ := b.Case("1")
	// a runs 0..10, b runs 2..5: by end b comes first, by start a does.
	ea := b.Event(c, b.Log().Activities.ID("a"), 10, None, None)
	eb := b.Event(c, b.Log().Activities.ID("b"), 5, None, None)
	b.SetStart(ea, 0)
	b.SetStart(eb, 2)
	l := b.Finish()
	if got := acts(l, 0); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("raw order %v, want by end time", got)
	}
	v := l.Instances()
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := acts(v, 0); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("instance order %v, want by start time", got)
	}
}

// TestReserve: room made for n events takes n events without growing the
// columns again.
func TestReserve(t *testing.T) {
	b := NewBuilder()
	c := b.NewCase("1")
	b.Event(c, 0, 0, None, None)
	b.Reserve(5000)
	act := &b.Log().Act[0]
	for i := 1; i < 5000; i++ {
		b.Event(c, 0, int64(i), None, None)
	}
	if &b.Log().Act[0] != act {
		t.Error("the columns grew within what was reserved")
	}
	b.Reserve(10)
	if cap(b.Log().Act) < 5000 {
		t.Error("reserving less shrank the columns")
	}
}

// TestFinishReordersEveryColumn: events arriving in any order, with start
// times, lifecycles and attributes of their own, come out grouped by case
// in order of first appearance and sorted by time, stably, every column
// and attribute moved with its event (Finish reorders them in place).
func TestFinishReordersEveryColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := 1 + rng.IntN(300)
		type ev struct {
			c          string
			end, start int64
			act, life  string
			seq        int
		}
		var evs []ev
		b := NewBuilder()
		withStarts, withLife := round%2 == 0, round%3 == 0
		for i := range n {
			e := ev{c: fmt.Sprint("c", rng.IntN(1+n/4)), end: int64(rng.IntN(20)), act: fmt.Sprint("a", rng.IntN(5)), seq: i}
			if withLife {
				e.life = []string{"start", "complete"}[rng.IntN(2)]
			}
			e.start = e.end - int64(rng.IntN(3))
			evs = append(evs, e)
			c, _ := b.Case(e.c)
			life := None
			if withLife {
				life = b.Log().Lifecycles.ID(e.life)
			}
			id := b.Event(c, b.Log().Activities.ID(e.act), e.end, b.Log().Resources.ID("r"+e.act), life)
			if withStarts {
				b.SetStart(id, e.start)
			}
			b.EventAttr(id, Attr{Key: "seq", Value: IntValue(int64(i))})
		}
		l := b.Finish()
		// The expected order: cases by first appearance, then by time,
		// stably.
		first := map[string]int{}
		for _, e := range evs {
			if _, ok := first[e.c]; !ok {
				first[e.c] = len(first)
			}
		}
		want := slices.Clone(evs)
		slices.SortStableFunc(want, func(a, b ev) int {
			if d := first[a.c] - first[b.c]; d != 0 {
				return d
			}
			return cmp.Compare(a.end, b.end)
		})
		for i, w := range want {
			seq, _ := l.EventAttrs.Get(int32(i), "seq")
			got := ev{end: l.End[i], start: l.Start[i], act: l.Activities.Name(l.Act[i]), seq: int(seq.Num)}
			if withLife {
				got.life = l.Lifecycles.Name(l.Life[i])
			}
			w.c = ""
			if !withStarts {
				w.start = w.end
			}
			if got != w || l.Resources.Name(l.Res[i]) != "r"+w.act {
				t.Fatalf("round %d, event %d: %+v, want %+v", round, i, got, w)
			}
		}
		if len(l.Act) != n || cap(l.Act) > n+n/8+64 { // (the allocator rounds to its size classes)
			t.Fatalf("round %d: %d events, capacity %d", round, len(l.Act), cap(l.Act))
		}
	}
}

package report

import "testing"

// TestStoppedDrawingsAreNotKept: a page whose drawing was stopped at its
// deadline is shown, but its parts are not kept with the version: a
// quieter moment may draw it. Other parts are kept.
func TestStoppedDrawingsAreNotKept(t *testing.T) {
	s := &Engine{logs: newLogCache(1 << 20)}
	entry := &Entry{}
	calls := 0
	compute := func(stoppedNow bool) func() (map[string]any, error) {
		return func() (map[string]any, error) {
			calls++
			return map[string]any{"call": calls}, Transient(Drawing{Note: "a note", Stopped: stoppedNow})
		}
	}
	for i := range 2 {
		f, err := s.KeptParts(entry, "page", compute(true))
		if err != nil || f["call"] != i+1 {
			t.Fatalf("stopped drawing, visit %d: %v %v", i+1, f, err)
		}
	}
	for range 2 {
		if f, err := s.KeptParts(entry, "page", compute(false)); err != nil || f["call"] != 3 {
			t.Fatalf("drawn page: %v %v (computed %d times)", f, err, calls)
		}
	}
}

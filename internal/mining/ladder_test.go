package mining

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestLadderHistogram(t *testing.T) {
	// A skewed log: most cases take minutes, a few take weeks.
	rng := rand.New(rand.NewPCG(1, 2))
	var ns []int64
	for range 1400 {
		ns = append(ns, int64(rng.ExpFloat64()*float64(20*time.Minute)))
	}
	for i := range 30 {
		ns = append(ns, int64(time.Duration(3+i)*24*time.Hour))
	}
	total := func(bins []Bin) (n int) {
		for _, b := range bins {
			n += b.Cases
		}
		return n
	}
	bins := LadderHistogram(ns, 0)
	if total(bins) != len(ns) {
		t.Fatalf("bins count %d of %d durations", total(bins), len(ns))
	}
	if bins[0].From != 0 || bins[len(bins)-1].To < 32*86400 {
		t.Errorf("bins from %v to %v", bins[0].From, bins[len(bins)-1].To)
	}
	// Equal-width bins put nearly every case in the first; the ladder
	// spreads them: no bin holds more than half.
	for _, b := range bins {
		if b.Cases > len(ns)/2 {
			t.Errorf("bin %v–%v s holds %d of %d", b.From, b.To, b.Cases, len(ns))
		}
	}
	if first := Histogram(ns, 20)[0].Cases; first < len(ns)*9/10 {
		t.Errorf("equal widths put %d in the first bin; the test log is not skewed enough", first)
	}
	// Every inner edge is a rung of the ladder.
	rungs := map[float64]bool{0: true}
	for _, s := range durationLadder {
		rungs[float64(s)] = true
	}
	for _, b := range bins {
		if !rungs[b.From] {
			t.Errorf("edge %v s is not a rung", b.From)
		}
	}

	// A reader's: at least k in the first and the last bin, which count
	// what lies beyond; no edge is any one case's duration.
	const k = 5
	rb := LadderHistogram(ns, k)
	if total(rb) != len(ns) || rb[0].Cases < k || rb[len(rb)-1].Cases < k {
		t.Fatalf("reader's bins: %d counted, first %d, last %d", total(rb), rb[0].Cases, rb[len(rb)-1].Cases)
	}
	for _, b := range rb {
		if !rungs[b.From] || !rungs[b.To] {
			t.Errorf("reader's bin %v–%v s: an edge is not a rung", b.From, b.To)
		}
	}
	if len(LadderHistogram(ns[:2*k-1], k)) != 0 {
		t.Error("fewer than 2k durations gave bins")
	}
	// Sub-second durations start at 0; durations beyond the ladder end in
	// a bin to the longest.
	short := LadderHistogram([]int64{int64(300 * time.Millisecond), int64(3 * time.Second)}, 0)
	if short[0].From != 0 || short[0].Cases != 1 || total(short) != 2 {
		t.Errorf("sub-second: %+v", short)
	}
	long := LadderHistogram([]int64{int64(time.Hour), int64(20 * 365 * 24 * time.Hour)}, 0)
	if total(long) != 2 || long[len(long)-1].To <= 10*365*86400 {
		t.Errorf("beyond the ladder: %+v", long)
	}
}

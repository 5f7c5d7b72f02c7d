package disclosure

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

func TestSeconds(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0, 0}, {1, 1}, {12_449, 12_000}, {26_009.123456789, 26_000}, {0.0123, 0.012}, {95, 95}, {99.6, 100},
	} {
		if got := Seconds(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Seconds(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCoarsen(t *testing.T) {
	at := func(s string) int64 { v, _ := time.Parse(time.RFC3339Nano, s); return v.UnixNano() }
	in := []mining.Filter{
		mining.TimeFrame{From: at("2024-01-21T09:20:00.000000001Z"), To: at("2024-01-21T09:20:00.5Z"), Mode: mining.Started},
		mining.DurationRange{Min: int64(90 * time.Minute), Max: int64(7*time.Hour + time.Nanosecond)},
		mining.TopVariants{K: 3},
	}
	out, changed := Coarsen(in, 5)
	tf, dr := out[0].(mining.TimeFrame), out[1].(mining.DurationRange)
	if !changed || tf.From != at("2024-01-21T00:00:00Z") || tf.To != at("2024-01-22T00:00:00Z")-1 || tf.Mode != mining.Started {
		t.Errorf("time frame %+v", tf)
	}
	if dr.Min != int64(time.Hour) || dr.Max != int64(8*time.Hour)-1 || out[2] != (mining.TopVariants{K: 3, MinCases: 5}) {
		t.Errorf("durations %+v, %+v", dr, out[2])
	}
	if _, changed := Coarsen(out, 5); changed {
		t.Error("coarse filters were changed again")
	}
	open := []mining.Filter{mining.TimeFrame{From: math.MinInt64, To: math.MaxInt64}, mining.DurationRange{Max: mining.NoMaxDuration}}
	if got, changed := Coarsen(open, 5); changed || got[0] != open[0] || got[1] != open[1] {
		t.Errorf("open bounds %+v", got)
	}
}

func testLog(t *testing.T, ids ...string) *eventlog.Log {
	t.Helper()
	b := eventlog.NewBuilder()
	for _, id := range ids {
		b.Event(b.NewCase(id), b.Log().Activities.ID("A"), 0, eventlog.None, eventlog.None)
	}
	return b.Finish()
}

// TestGuard: fewer than k cases are refused; the noise is fixed by the
// key, the cases of the view and the question, centred, of about
// Sigma·√2, and a shown count is never below k.
func TestGuard(t *testing.T) {
	key := []byte("environment key")
	if _, err := New(5, key, "v1", "q", testLog(t, "a", "b", "c", "d")); !errors.As(err, new(*TooFewError)) || err.Error() != "too few cases to show: fewer than 5; widen the filters" {
		t.Errorf("four cases: %v", err)
	}
	five := testLog(t, "a", "b", "c", "d", "e")
	g1, _ := New(5, key, "v1", "q", five)
	g2, _ := New(5, key, "v1", "q", five)
	other, _ := New(5, key, "v1", "q", testLog(t, "a", "b", "c", "d", "f"))
	otherKey, _ := New(5, []byte("another key"), "v1", "q", five)
	otherQuestion, _ := New(5, key, "v1", "another question", five)
	if g1.Count("x", 100) != g2.Count("x", 100) {
		t.Error("the same view gave two figures")
	}
	same, sameKey, sameQuestion := 0, 0, 0
	var sum, sq float64
	const n = 2000
	for i := range n {
		label := string(rune('a'+i%26)) + string(rune(i))
		v := float64(g1.Amount(label, 1000)) - 1000
		sum, sq = sum+v, sq+v*v
		if g1.Amount(label, 1000) == other.Amount(label, 1000) {
			same++
		}
		if g1.Amount(label, 1000) == otherKey.Amount(label, 1000) {
			sameKey++
		}
		if g1.Amount(label, 1000) == otherQuestion.Amount(label, 1000) {
			sameQuestion++
		}
		if c := g1.Count(label, 5); c < 5 {
			t.Fatalf("a shown count of %d", c)
		}
	}
	// Two layers of Sigma each.
	mean, sd := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
	if math.Abs(mean) > 0.3 || sd < Sigma*math.Sqrt2*0.9 || sd > Sigma*math.Sqrt2*1.1 {
		t.Errorf("noise: mean %.3f, sd %.3f", mean, sd)
	}
	// Independent noise agrees on a rounded figure about a fifth of the
	// time at Sigma 2; the same noise always would.
	if same > n/3 || sameKey > n/3 || sameQuestion > n/3 {
		t.Errorf("views, keys or questions share their noise: %d, %d and %d of %d", same, sameKey, sameQuestion, n)
	}
}

func TestHistogramCoarse(t *testing.T) {
	var ns []int64
	for i := range 40 {
		ns = append(ns, int64(30*time.Minute)+int64(i)*int64(7*time.Minute))
	}
	ns = append(ns, int64(93*time.Hour+17*time.Second)) // the longest, far out
	bins := mining.CoarseHistogram(ns, 20, 5)
	total := 0
	for _, b := range bins {
		total += b.Cases
		if math.Mod(b.From, 900) != 0 || b.To-b.From != 900 {
			t.Fatalf("bin %+v", b)
		}
	}
	last := bins[len(bins)-1]
	// The span ends at the fifth longest (30 min + 36·7 min = 4 h 42 min),
	// and the last bin holds the four above it and the far one.
	if total != len(ns) || !last.OpenAbove || last.To > 5*3600 || last.Cases < 5 || bins[0].OpenBelow != true || bins[0].Cases < 5 {
		t.Errorf("bins %+v", bins)
	}
	exact := mining.Histogram(ns, 20)
	if len(exact) != 20 || exact[0].From != 30*60 || exact[19].To < 93*3600 {
		t.Errorf("exact bins %+v … %+v", exact[0], exact[19])
	}
}

// TestForShare: a map drawn from a lower share of activities has noise of
// its own on every figure; the whole map keeps the view's.
func TestForShare(t *testing.T) {
	g, _ := New(5, []byte("key"), "v1", "q", testLog(t, "a", "b", "c", "d", "e"))
	if g.ForShare(1) != g {
		t.Error("the whole map has a guard of its own")
	}
	low, lower := g.ForShare(0.8), g.ForShare(0.6)
	same := 0
	for i := range 200 {
		label := "path-events\x00" + strconv.Itoa(i)
		a, b, c := g.Amount(label, 1000), low.Amount(label, 1000), lower.Amount(label, 1000)
		if a == b || b == c {
			same++
		}
	}
	if same > 100 {
		t.Errorf("shares share their noise: %d of 200 figures alike", same)
	}
	if l2 := g.ForShare(0.8); l2.Amount("x", 1000) != low.Amount("x", 1000) {
		t.Error("the same share drew two noises")
	}
	var none *Guard
	if none.ForShare(0.5) != nil {
		t.Error("no guard became one")
	}
}

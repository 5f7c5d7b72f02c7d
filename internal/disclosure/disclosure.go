package disclosure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// DefaultK is the smallest group a report reader sees when the
// environment's policy does not say otherwise.
const DefaultK = 5

// MinK and MaxK bound the group size an administrator may set. A group of
// one is a case; above 1,000 most processes could show nothing.
const (
	MinK = 2
	MaxK = 1000
)

// Sigma is the standard deviation of each of the two layers of noise
// added to every count a reader receives (about 2.8 together). With two
// views that differ by one case, the difference of a count is the case's
// part plus noise of about 4: one comparison cannot tell a path the case
// took from one it did not.
const Sigma = 2.0

// TooFewError refuses a view that holds fewer than K cases.
type TooFewError struct{ K int }

func (e *TooFewError) Error() string {
	return fmt.Sprintf("too few cases to show: fewer than %d; widen the filters", e.K)
}

// Guard releases the figures of one view (a version's log under one set
// of filters) to a reader: it refuses a view of fewer than k cases, says
// which groups are large enough to show, and adds noise to counts.
//
// The noise has two layers, each of standard deviation Sigma. One is drawn
// from the set of cases in the view: asking for the same cases again,
// however phrased, repeats it, so repeating a question does not average
// it away. The other is drawn from the question (the filters after
// coarsening): two questions whose cases happen to be the same still get
// different answers, so that comparing answers for equality does not
// tell whether a filter kept a case out.
type Guard struct {
	k     int
	seed  [32]byte // the case layer's
	query [32]byte // the question layer's
	// people, when set, counts groups in people rather than cases (see
	// CountPeople).
	people *people
}

// New checks the view and returns its guard. key is the environment's
// secret (never shown to anyone), scope names what the view is a view of
// (the process version), query is the question in a canonical form (the
// coarsened filters), and view is the filtered log.
func New(k int, key []byte, scope, query string, view *eventlog.Log) (*Guard, error) {
	if k < MinK {
		k = DefaultK
	}
	if view.NumCases() < k {
		return nil, &TooFewError{K: k}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("procmine disclosure cases\x00" + scope + "\x00"))
	// The case ids alone: dropping events that no case depends on must
	// not give the same cases new noise (that was a way to average it).
	var n [8]byte
	for _, id := range view.CaseIDs {
		binary.LittleEndian.PutUint64(n[:], uint64(len(id)))
		mac.Write(n[:])
		mac.Write([]byte(id))
	}
	g := &Guard{k: k}
	mac.Sum(g.seed[:0])
	mac = hmac.New(sha256.New, key)
	mac.Write([]byte("procmine disclosure query\x00" + scope + "\x00" + query))
	mac.Sum(g.query[:0])
	return g, nil
}

// ForShare is the guard for a map drawn from only the most frequent share
// of activities: removing the others joins the paths around them, so the
// same path's figures must be drawn anew there, or the difference between
// two shares (a slider moved, or lowered for drawing) would be exact.
func (g *Guard) ForShare(activities float64) *Guard {
	if g == nil || activities >= 1 {
		return g
	}
	c := *g
	mac := hmac.New(sha256.New, g.query[:])
	mac.Write([]byte("activities=" + strconv.FormatFloat(activities, 'g', -1, 64)))
	mac.Sum(c.query[:0])
	return &c
}

// K is the smallest group the guard shows.
func (g *Guard) K() int { return g.k }

// Enough tells whether the group named label, of n cases, may be shown
// (AtLeast k).
func (g *Guard) Enough(label string, n int) bool { return g.AtLeast(label, n, g.k) }

// AtLeast tells whether the group named label holds at least t cases as
// far as a reader may learn it: n must, and so must n with noise drawn for
// this decision alone. A rule decided on the exact count would be an exact
// count itself: of two views that differ by one case, a group (a variant,
// a path, a median of 2k) shown in one and not in the other told that the
// group held exactly t cases there, and that the case was one of them
// (the fourth review's F1). Decided on a noisy count, a group of t cases
// is shown half the time and one of t-1 never, so one such comparison
// says little.
//
// The decision's noise is the case layer's alone (standard deviation
// Sigma): the question layer can be averaged away by rephrasing anyway
// (docs/security.md §3), and with both layers a group of 12 cases was
// left out about once in 150 views.
func (g *Guard) AtLeast(label string, n, t int) bool {
	return n >= t && float64(n)+normal(g.seed[:], "at-least\x00"+strconv.Itoa(t)+"\x00"+label) >= float64(t)
}

// noise is the sum of the two layers' draws for the figure named label.
func (g *Guard) noise(label string) float64 {
	return normal(g.seed[:], label) + normal(g.query[:], label)
}

// normal is a normally distributed number of standard deviation Sigma,
// fixed by the seed and the label.
func normal(seed []byte, label string) float64 {
	mac := hmac.New(sha256.New, seed)
	mac.Write([]byte(label))
	sum := mac.Sum(nil)
	u1 := (float64(binary.LittleEndian.Uint64(sum[0:8])>>11) + 0.5) / (1 << 53)
	u2 := float64(binary.LittleEndian.Uint64(sum[8:16])>>11) / (1 << 53)
	return Sigma * math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Joint is noise for a figure of two views together (a statistic of two
// cohorts): both layers drawn from the two guards' seeds at once, so
// that changing either view's cases, or either question, draws it anew,
// and it never cancels in a difference that keeps one view. Standard
// deviation √2·Sigma.
func Joint(a, b *Guard, label string) float64 {
	cases := append(append([]byte{}, a.seed[:]...), b.seed[:]...)
	question := append(append([]byte{}, a.query[:]...), b.query[:]...)
	return normal(cases, label) + normal(question, label)
}

// Count is the count n of the figure named label as a reader receives it:
// with noise, and never below k (a shown group has at least k cases, so a
// smaller figure would only tell the noise).
func (g *Guard) Count(label string, n int) int {
	return max(g.k, int(math.Round(float64(n)+g.noise(label))))
}

// Amount is Count for figures that are not group sizes (events, steps):
// noise, never below zero.
func (g *Guard) Amount(label string, n int) int {
	return max(0, int(math.Round(float64(n)+g.noise(label))))
}

// Sum is a sum over cases (of figures from 0 to 1 a case, such as a
// trace's fitness) as a reader receives it: with the same noise as a
// count, so that one case's part in it is lost in the noise.
func (g *Guard) Sum(label string, v float64) float64 {
	return v + g.noise(label)
}

// Seconds rounds a duration in seconds to two significant figures: 3 h
// 27 min becomes 3.5 h. Differencing two views then bounds a case's
// duration within a range that grows with the view, instead of giving it
// to the nanosecond.
func Seconds(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-1)
	return math.Round(v/scale) * scale
}

// SecondsPtr is Seconds for an optional figure.
func SecondsPtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := Seconds(*v)
	return &r
}

// Share rounds a share (0 to 1) to whole percent.
func Share(v float64) float64 { return math.Round(v*100) / 100 }

// Day and Hour are the grains filters are rounded to.
const (
	Day  = int64(24 * time.Hour)
	Hour = int64(time.Hour)
)

// Coarsen widens the filters a reader asked for to whole days (time
// frames) and whole hours (case durations), so that the views a reader
// can ask for differ by whole days' or hours' worth of cases, not by
// one chosen case; and a top-variants filter keeps only variants of at
// least k cases, so that top n and top n+1 do not differ by one case. It
// reports whether anything changed.
func Coarsen(filters []mining.Filter, k int) ([]mining.Filter, bool) {
	out := make([]mining.Filter, len(filters))
	changed := false
	for i, f := range filters {
		switch f := f.(type) {
		case mining.TimeFrame:
			c := f
			if f.From > math.MinInt64+Day {
				c.From = floorTo(f.From, Day)
			}
			if f.To < math.MaxInt64-Day {
				c.To = floorTo(f.To, Day) + Day - 1
			}
			changed = changed || c != f
			out[i] = c
		case mining.DurationRange:
			c := f
			c.Min = floorTo(f.Min, Hour)
			if f.Max != mining.NoMaxDuration && f.Max < math.MaxInt64-Hour {
				c.Max = floorTo(f.Max, Hour) + Hour - 1
			}
			changed = changed || c != f
			out[i] = c
		case mining.TopVariants:
			c := f
			c.MinCases = max(f.MinCases, k)
			changed = changed || c != f
			out[i] = c
		default:
			out[i] = f
		}
	}
	return out, changed
}

func floorTo(v, grain int64) int64 {
	q := v / grain
	if v%grain != 0 && v < 0 {
		q--
	}
	return q * grain
}

// Withheld says what an answer left out for being too small.
type Withheld struct {
	// K is the smallest group shown.
	K int `json:"k"`
	// Coarsened tells that the filters were widened to whole days and
	// hours.
	Coarsened bool `json:"filters_coarsened,omitempty"`
	// The counts of groups left out, by kind.
	Variants   int `json:"variants,omitempty"`
	Activities int `json:"activities,omitempty"`
	Paths      int `json:"paths,omitempty"`
	Bins       int `json:"bins,omitempty"`
	Buckets    int `json:"buckets,omitempty"`
	Rows       int `json:"rows,omitempty"`
	// Cases counts the cases in withheld variants (with noise).
	Cases int `json:"cases,omitempty"`
	// Note says it in words.
	Note string `json:"note"`
}

// Note writes w's note: what a reader sees and why.
func (w *Withheld) note() {
	w.Note = "figures describe groups of at least " + strconv.Itoa(w.K) + " cases; counts carry a little noise and durations are rounded, so that no single case can be told apart"
}

// people is the guard's count of people per group, when it counts people.
type people struct {
	ofCase       []int64 // the person of each case of the view
	activities   map[string]int
	paths        map[[2]string]int
	starts, ends map[string]int
}

// CountPeople makes the guard show a group only when the cases in it
// belong to at least k people: person[c] is whom case c of the view
// belongs to. Recordings need it: one person may record many times, and k
// recordings of one recorder are that recorder's work. It returns a
// TooFewError when the whole view holds fewer than k people.
func (g *Guard) CountPeople(view *eventlog.Log, person []int64) error {
	p := &people{ofCase: person, activities: map[string]int{}, paths: map[[2]string]int{}, starts: map[string]int{}, ends: map[string]int{}}
	seen := map[string]map[int64]bool{}
	add := func(key string, who int64) bool {
		if seen[key] == nil {
			seen[key] = map[int64]bool{}
		}
		if seen[key][who] {
			return false
		}
		seen[key][who] = true
		return true
	}
	all := map[int64]bool{}
	for c := range view.CaseIDs {
		who := person[c]
		all[who] = true
		lo, hi := view.Events(c)
		if add("s\x00"+view.ActivityName(lo), who) {
			p.starts[view.ActivityName(lo)]++
		}
		if add("e\x00"+view.ActivityName(hi-1), who) {
			p.ends[view.ActivityName(hi-1)]++
		}
		for e := lo; e < hi; e++ {
			a := view.ActivityName(e)
			if add("a\x00"+a, who) {
				p.activities[a]++
			}
			if e > lo {
				prev := view.ActivityName(e - 1)
				if add("p\x00"+prev+"\x00"+a, who) {
					p.paths[[2]string{prev, a}]++
				}
			}
		}
	}
	if len(all) < g.k {
		return &TooFewError{K: g.k}
	}
	g.people = p
	return nil
}

// variant counts the people of a variant's cases.
func (p *people) variant(cases []int32) int {
	who := map[int64]bool{}
	for _, c := range cases {
		who[p.ofCase[c]] = true
	}
	return len(who)
}

package inductive

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// randomOrder is a log of 2,000 cases of 20 events each, every event one
// of n activities at random: no cut holds, so the miner goes through all
// its fall-throughs, the worst it can be asked.
func randomOrder(n int) *eventlog.Log {
	r := rand.New(rand.NewPCG(1, 2))
	b := eventlog.NewBuilder()
	l := b.Log()
	for c := range 2000 {
		cs := b.NewCase(fmt.Sprint(c))
		for j := range 20 {
			b.Event(cs, l.Activities.ID(fmt.Sprint("a", r.IntN(n))), int64(j), eventlog.None, eventlog.None)
		}
	}
	return b.Finish()
}

// BenchmarkRandomOrder: IM on logs of 200, 300 and 500 activities in
// random order, what bounds the server's mining to 300 activities.
func BenchmarkRandomOrder(b *testing.B) {
	for _, n := range []int{200, 300, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			l := randomOrder(n)
			for b.Loop() {
				Discover(l, 0)
			}
		})
	}
}

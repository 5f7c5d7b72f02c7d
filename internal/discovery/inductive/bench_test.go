package inductive

import (
	"fmt"
	"testing"

	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkRandomOrder: IM on logs of 200, 300 and 500 activities in
// random order (2,000 cases of 20 events), what bounds the server's
// mining to 300 activities.
func BenchmarkRandomOrder(b *testing.B) {
	for _, n := range []int{200, 300, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			l := testlog.RandomOrder(n, 2000, 20, 1)
			for b.Loop() {
				Discover(l, 0)
			}
		})
	}
}

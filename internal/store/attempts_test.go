package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSignInCountingBesideCleanup: counting attempts while the cleanup
// drops old counts, on many keys at once, never fails (no row vanishing
// between making and reading it, no deadlock).
func TestSignInCountingBesideCleanup(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 400)
			for g := range 20 {
				wg.Go(func() {
					for i := range 20 {
						keys := []string{fmt.Sprint("user:", (g+i)%5), fmt.Sprint("ip:", (g*i)%3)}
						// Every count older than a nanosecond is dropped.
						_, err := s.CountSignIn(context.Background(), time.Now, keys, time.Nanosecond, func(time.Time, []SignInCount) time.Duration { return 0 })
						if err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

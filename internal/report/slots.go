package report

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
)

// SlotWait is how long a request waits for a mining slot before it is
// told to come back; a variable for the tests, which wait less.
var SlotWait = 5 * time.Second

// Mine runs heavy model work (mining a model, replaying a log on one)
// in one of the server's mining slots: a model cannot be stopped once
// its mining starts, so the slots bound how much of the machine requests
// can take. A caller holds at most miningPerCaller of them at once: its
// further requests wait for its own to finish, and a free slot goes to
// someone else meanwhile. A request that finds none free within SlotWait
// is told to come back.
func (e *Engine) Mine(ctx context.Context, work func() error) error {
	deadline := time.Now().Add(SlotWait)
	if own, done := e.callerSlots(ctx); own != nil {
		defer done()
		releaseOwn, err := TakeSlot(ctx, own.slots, SlotWait, "")
		var e *response.Error
		if errors.As(err, &e) {
			e.Status = http.StatusTooManyRequests
			e.Message = fmt.Sprintf("your other model work is still running (at most %d at once for one person): try again when it has finished", cap(own.slots))
		}
		if err != nil {
			return err
		}
		defer releaseOwn()
	}
	release, err := TakeSlot(ctx, e.mining, max(0, time.Until(deadline)), "every mining slot is busy: try again in a few seconds")
	if err != nil {
		return err
	}
	defer release()
	return work()
}

// callerSlots are the mining slots one caller may hold at once, and how
// many of its requests use them (to forget them with the last).
type callerSlots struct {
	slots chan struct{}
	users int
}

// miningPerCaller is how many mining slots one caller may hold at once:
// half the server's, at least one, so that one person looping over heavy
// models leaves the other slots to everyone else.
func miningPerCaller(slots int) int { return max(1, slots/2) }

// callerSlots are the mining slots of the request's caller, a signed-in
// user (every route that mines has one; work without one is not limited
// here); done forgets them when no request of that user needs them any
// more.
func (e *Engine) callerSlots(ctx context.Context) (*callerSlots, func()) {
	u, ok := request.User(ctx)
	if !ok {
		return nil, nil
	}
	who := u.ID
	e.minersMu.Lock()
	defer e.minersMu.Unlock()
	if e.miners == nil {
		e.miners = map[access.ID]*callerSlots{}
	}
	c := e.miners[who]
	if c == nil {
		c = &callerSlots{slots: make(chan struct{}, miningPerCaller(cap(e.mining)))}
		e.miners[who] = c
	}
	c.users++
	return c, func() {
		e.minersMu.Lock()
		defer e.minersMu.Unlock()
		if c.users--; c.users == 0 {
			delete(e.miners, who)
		}
	}
}

// TakeSlot takes one of slots within wait, or answers busy (503 with
// Retry-After) with msg, or the request's end.
func TakeSlot(ctx context.Context, slots chan struct{}, wait time.Duration, msg string) (release func(), err error) {
	if ctx.Err() == nil {
		// A free slot is taken whatever the wait left (select would
		// choose at random between it and a timer already run out).
		select {
		case slots <- struct{}{}:
			return func() { <-slots }, nil
		default:
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		e := response.Errorf(http.StatusServiceUnavailable, "busy", msg)
		e.RetryAfter = 5
		return nil, e
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

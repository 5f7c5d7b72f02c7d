// Package generate makes event logs: synthetic logs of common business
// processes (purchase to pay, order to cash, invoice handling, expense
// claims) from small built-in models, for demos and first steps without
// third-party data, and large copies of real logs for benchmarks.
//
// P2P has a loop of its own; the other processes are descriptions
// (Process: steps with their roles, times and the chances of deviating)
// that one function, Process.Log, plays. A description also knows the
// process as intended (Process.Intended), which its logs deviate from.
package generate

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
)

// Options shape a generated log.
type Options struct {
	Cases int
	Seed  uint64
	// Begin is when the first case starts.
	Begin time.Time
}

// begin is Begin, or a Monday morning in January 2026 when it is unset.
func (o Options) begin() time.Time {
	if o.Begin.IsZero() {
		return time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	return o.Begin
}

// The purchase-to-pay model: who does what and how long it takes. P2P
// keeps its own loop rather than a Process: many tests count on the exact
// log it makes of a seed, and a Process draws its numbers in another order.
type p2pStep struct {
	activity string
	role     string
	work     time.Duration // mean working time; zero makes an instant (system) event
	wait     time.Duration // mean wait before the step
}

var p2pRoles = map[string][]string{
	"requester": {"Anna", "Bram", "Chloé", "Dario", "Elif"},
	"manager":   {"Frida", "Gustav"},
	"buyer":     {"Hana", "Ivo", "Jonas"},
	"warehouse": {"Kemal", "Lena"},
	"accounts":  {"Mira", "Noah", "Oskar"},
	"system":    {"SAP"},
}

// P2P generates a purchase-to-pay log. Manual steps are recorded as
// lifecycle start/complete pairs, system steps as single events; some cases
// are rejected, some are sent back for changes, and goods and invoice
// arrive in either order.
func P2P(o Options) *eventlog.Log {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	b := eventlog.NewBuilder()
	l := b.Log()
	start, complete := l.Lifecycles.ID("start"), l.Lifecycles.ID("complete")
	exp := func(mean time.Duration) int64 {
		return int64(rng.ExpFloat64() * float64(mean))
	}
	for i := range o.Cases {
		c := b.NewCase(fmt.Sprintf("PR-%06d", i+1))
		b.CaseAttr(c, eventlog.Attr{Key: "amount", Value: eventlog.FloatValue(float64(50+rng.IntN(20000)) + float64(rng.IntN(100))/100)})
		b.CaseAttr(c, eventlog.Attr{Key: "department", Value: eventlog.StringValue([]string{"Sales", "R&D", "Operations", "Finance"}[rng.IntN(4)])})
		t := o.begin().UnixNano() + int64(i)*int64(37*time.Minute) + exp(20*time.Minute)
		do := func(s p2pStep) {
			t += exp(s.wait)
			people := p2pRoles[s.role]
			res := l.Resources.ID(people[rng.IntN(len(people))])
			act := l.Activities.ID(s.activity)
			if s.work == 0 {
				b.Event(c, act, t, res, complete)
				return
			}
			b.Event(c, act, t, res, start)
			t += exp(s.work)
			b.Event(c, act, t, res, complete)
		}
		do(p2pStep{"Create Purchase Requisition", "requester", 15 * time.Minute, 0})
		for {
			do(p2pStep{"Approve Purchase Requisition", "manager", 10 * time.Minute, 20 * time.Hour})
			r := rng.Float64()
			if r < 0.06 {
				do(p2pStep{"Reject Purchase Requisition", "manager", 0, time.Hour})
				goto done
			}
			if r < 0.18 {
				do(p2pStep{"Change Purchase Requisition", "requester", 20 * time.Minute, 8 * time.Hour})
				continue
			}
			break
		}
		do(p2pStep{"Create Purchase Order", "buyer", 25 * time.Minute, 10 * time.Hour})
		do(p2pStep{"Send Purchase Order", "system", 0, 30 * time.Minute})
		if rng.Float64() < 0.7 {
			do(p2pStep{"Receive Goods", "warehouse", 20 * time.Minute, 5 * 24 * time.Hour})
			do(p2pStep{"Receive Invoice", "accounts", 0, 2 * 24 * time.Hour})
		} else {
			do(p2pStep{"Receive Invoice", "accounts", 0, 3 * 24 * time.Hour})
			do(p2pStep{"Receive Goods", "warehouse", 20 * time.Minute, 3 * 24 * time.Hour})
		}
		if rng.Float64() < 0.15 {
			do(p2pStep{"Clear Invoice Block", "accounts", 40 * time.Minute, 2 * 24 * time.Hour})
		}
		do(p2pStep{"Pay Invoice", "system", 0, 7 * 24 * time.Hour})
	done:
	}
	l.Meta.Attrs = append(l.Meta.Attrs, eventlog.Attr{Key: "concept:name", Value: eventlog.StringValue("procmine purchase-to-pay (synthetic)")})
	return b.Finish()
}

// Replicate returns a log made of n copies of l, each with fresh case ids
// (the copy number appended) and its times shifted past the previous copy,
// so that the result has the shape of the real log at n times its size.
// Extra attributes are not copied.
func Replicate(l *eventlog.Log, n int) *eventlog.Log {
	var span int64
	if l.Timed && l.NumEvents() > 0 {
		first, last := l.Start[0], l.End[0]
		for e := range l.Act {
			first, last = min(first, l.Start[e]), max(last, l.End[e])
		}
		span = last - first + int64(time.Hour)
	}
	events := l.NumEvents() * n
	out := &eventlog.Log{
		Activities: l.Activities, Resources: l.Resources, Lifecycles: l.Lifecycles,
		CaseIDs:     make([]string, 0, l.NumCases()*n),
		CaseOffsets: make([]int32, 1, l.NumCases()*n+1),
		Act:         make([]int32, 0, events),
		End:         make([]int64, 0, events),
		Res:         make([]int32, 0, events),
		Timed:       l.Timed,
		Merged:      l.Merged,
		Meta:        l.Meta,
	}
	if l.Life != nil {
		out.Life = make([]int32, 0, events)
	}
	var start []int64
	if l.HasStarts() {
		start = make([]int64, 0, events)
	}
	for k := range n {
		shift := int64(k) * span
		for c, id := range l.CaseIDs {
			out.CaseIDs = append(out.CaseIDs, fmt.Sprintf("%s#%d", id, k+1))
			lo, hi := l.Events(c)
			out.Act = append(out.Act, l.Act[lo:hi]...)
			out.Res = append(out.Res, l.Res[lo:hi]...)
			if out.Life != nil {
				out.Life = append(out.Life, l.Life[lo:hi]...)
			}
			for e := lo; e < hi; e++ {
				out.End = append(out.End, shiftTime(l.End[e], shift))
				if start != nil {
					start = append(start, shiftTime(l.Start[e], shift))
				}
			}
			out.CaseOffsets = append(out.CaseOffsets, int32(len(out.Act)))
		}
	}
	out.Start = out.End
	if start != nil {
		out.Start = start
	}
	return out
}

func shiftTime(t, by int64) int64 {
	if t == eventlog.NoTime {
		return t
	}
	return t + by
}

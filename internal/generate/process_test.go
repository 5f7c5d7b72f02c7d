package generate

import (
	"context"
	"slices"
	"testing"

	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/petrinet"
)

var processes = []struct {
	name    string
	process func() *Process
	// activities are some the log must have: those of the process's name.
	activities []string
	// required is a step of the intended process (an approval, a check)
	// that some cases leave out and yet complete with last.
	required, last string
}{
	{"order to cash", OrderToCash, []string{"Receive Customer Order", "Check Credit", "Confirm Order", "Ship Goods", "Create Invoice", "Receive Payment"},
		"Check Credit", "Receive Payment"},
	{"invoice handling", InvoiceHandling, []string{"Receive Invoice", "Check Invoice Data", "Match Purchase Order", "Approve Invoice", "Post Invoice", "Pay Invoice"},
		"Approve Invoice", "Pay Invoice"},
	{"expense claims", ExpenseClaims, []string{"Submit Expense Claim", "Approve Expense Claim", "Check Receipts", "Reimburse Employee"},
		"Approve Expense Claim", "Reimburse Employee"},
}

// TestProcesses: each process's log is the same for the same seed, has
// the activities its name promises, and looks like real data: work done
// twice, cases that leave out a required step, many variants, several
// people per role, case attributes, and a few cases that take many times
// as long as most.
func TestProcesses(t *testing.T) {
	for _, tt := range processes {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.process()
			a, b, c := p.Log(Options{Cases: 500, Seed: 3}), p.Log(Options{Cases: 500, Seed: 3}), p.Log(Options{Cases: 500, Seed: 4})
			for _, l := range []interface{ Validate() error }{a, b, c} {
				if err := l.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			if fingerprint(a) != fingerprint(b) {
				t.Error("the same seed gave different logs")
			}
			if fingerprint(a) == fingerprint(c) {
				t.Error("different seeds gave the same log")
			}
			if a.NumCases() != 500 || a.Lifecycles.Len() != 2 || !a.Timed {
				t.Errorf("%d cases, %d lifecycle values, timed %v", a.NumCases(), a.Lifecycles.Len(), a.Timed)
			}
			l := a.Instances()
			for _, act := range tt.activities {
				if _, ok := l.Activities.Lookup(act); !ok {
					t.Errorf("no %q in %v", act, l.Activities.Names())
				}
			}
			var rework, unapproved int
			for c := range l.CaseIDs {
				lo, hi := l.Events(c)
				seen := map[string]bool{}
				for e := lo; e < hi; e++ {
					if seen[l.ActivityName(e)] {
						rework++
						break
					}
					seen[l.ActivityName(e)] = true
				}
				if seen[tt.last] && !seen[tt.required] {
					unapproved++
				}
				if n := len(l.CaseAttrs.Of(int32(c))); n != len(p.Attrs) {
					t.Fatalf("case %s has %d attributes, want %d", l.CaseIDs[c], n, len(p.Attrs))
				}
			}
			if rework == 0 {
				t.Error("no case does an activity twice")
			}
			if unapproved == 0 {
				t.Errorf("every case that reaches %q has %q", tt.last, tt.required)
			}
			if n := len(mining.Variants(l)); n < 10 {
				t.Errorf("%d variants", n)
			}
			if l.Resources.Len() < len(p.Roles)+2 {
				t.Errorf("resources %v", l.Resources.Names())
			}
			d := mining.CaseDurations(l)
			slices.Sort(d)
			if median, longest := d[len(d)/2], d[len(d)-1]; longest < 5*median {
				t.Errorf("the longest case takes %v, the median %v: no very slow case", longest, median)
			}
		})
	}
}

// TestIntended: the intended process is what the process does without
// its deviations; the log with them does not fit it.
func TestIntended(t *testing.T) {
	for _, tt := range processes {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.process()
			net := petrinet.FromTree(p.Intended())
			res, err := conformance.Replay(context.Background(), p.Log(Options{Cases: 500, Seed: 3}).Instances(), net)
			if err != nil {
				t.Fatal(err)
			}
			if res.LogFitness >= 1 || res.FittingTraces == res.Traces || len(res.Deviating()) == 0 {
				t.Errorf("the log fits its intended process: fitness %v, %d of %d traces fit", res.LogFitness, res.FittingTraces, res.Traces)
			}
			if res.LogFitness < 0.85 || res.PercentageOfFittingTraces < 50 {
				t.Errorf("most cases should follow the intended process: fitness %v, %v%% of traces fit", res.LogFitness, res.PercentageOfFittingTraces)
			}
			// The same process without its deviations: required steps
			// always, unplanned ones never, in order, done once.
			for i := range p.Steps {
				s := &p.Steps[i]
				switch s.Kind {
				case Required:
					s.Skip = 0
				case Unplanned:
					s.Skip = 1
				}
				s.Late, s.Redo = 0, 0
			}
			res, err = conformance.Replay(context.Background(), p.Log(Options{Cases: 500, Seed: 3}).Instances(), net)
			if err != nil {
				t.Fatal(err)
			}
			if res.FittingTraces != res.Traces {
				t.Errorf("without deviations, %d of %d traces fit: %+v", res.FittingTraces, res.Traces, res.Deviating())
			}
		})
	}
}

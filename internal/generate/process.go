package generate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/processtree"
)

// Process describes a business process that logs are generated from: its
// steps in the order its designers intended, who does each and how long it
// takes, and how often real cases depart from the design. One function,
// Log, plays every description, so that a new process is a table of
// steps, not another loop.
type Process struct {
	// Name is the generated log's concept:name.
	Name string
	// CaseID formats a case's number, from 1, into its id ("SO-%06d").
	CaseID string
	// Every is the time between the starts of two cases, on average.
	Every time.Duration
	Steps []Step
	// Roles are the people, or systems, who can do each role's steps.
	// The first step of a role in a case picks one of them, and the
	// case's later steps of that role go to the same one.
	Roles map[string][]string
	Attrs []Attribute
	// Slow is the share of cases that stall once, before a step drawn at
	// random, for Stall and an exponential time of mean Stall/2 more: the
	// case that waited weeks for a document or a decision.
	Slow  float64
	Stall time.Duration
}

// Kind says how a step belongs to the process as intended.
type Kind uint8

const (
	// Required steps are in every case of the intended process: a case
	// that skips one deviates from it.
	Required Kind = iota
	// Optional steps are in some cases of the intended process and not
	// in others.
	Optional
	// Unplanned steps are not in the intended process: a case that takes
	// one deviates from it.
	Unplanned
)

// Step is one activity of a process.
type Step struct {
	Activity string
	Role     string
	Work     time.Duration // mean working time; zero makes an instant (system) event
	Wait     time.Duration // mean wait before the step
	Kind     Kind
	// Skip is the chance that a case leaves the step out.
	Skip float64
	// Ends makes the step the last of a case that takes it: a rejection
	// or a cancellation.
	Ends bool
	// Late is the chance that the step is done after the step that
	// follows it in the case instead of before.
	Late float64
	// Redo is the chance, each time the step is done, that it has to be
	// done again: after Fix when there is one (the work is sent back and
	// corrected), else straight away.
	Redo float64
	Fix  *Step
}

// Attribute is a case attribute and the values it takes.
type Attribute struct {
	Key string
	// Values are drawn from, each as likely as the others. Without them
	// the attribute is an amount from Min to Max, in cents, small amounts
	// more often than large ones (uniform on a logarithmic scale).
	Values   []string
	Min, Max float64
}

func (a Attribute) draw(rng *rand.Rand) eventlog.Attr {
	if len(a.Values) > 0 {
		return eventlog.Attr{Key: a.Key, Value: eventlog.StringValue(a.Values[rng.IntN(len(a.Values))])}
	}
	amount := a.Min * math.Pow(a.Max/a.Min, rng.Float64())
	return eventlog.Attr{Key: a.Key, Value: eventlog.FloatValue(math.Round(amount*100) / 100)}
}

// Log generates a log of the process. Manual steps are recorded as
// lifecycle start/complete pairs, system steps (no working time) as single
// events. The same options give the same log.
func (p *Process) Log(o Options) *eventlog.Log {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	b := eventlog.NewBuilder()
	l := b.Log()
	start, complete := l.Lifecycles.ID("start"), l.Lifecycles.ID("complete")
	exp := func(mean time.Duration) int64 {
		return int64(rng.ExpFloat64() * float64(mean))
	}
	for i := range o.Cases {
		c := b.NewCase(fmt.Sprintf(p.CaseID, i+1))
		for _, a := range p.Attrs {
			b.CaseAttr(c, a.draw(rng))
		}
		path := p.path(rng)
		stall := -1
		if rng.Float64() < p.Slow && len(path) > 1 {
			stall = 1 + rng.IntN(len(path)-1)
		}
		t := o.begin().UnixNano() + int64(i)*int64(p.Every) + exp(p.Every/2)
		who := map[string]int32{} // the resource of each role in this case
		do := func(s *Step) {
			t += exp(s.Wait)
			res, ok := who[s.Role]
			if !ok {
				people := p.Roles[s.Role]
				res = l.Resources.ID(people[rng.IntN(len(people))])
				who[s.Role] = res
			}
			act := l.Activities.ID(s.Activity)
			if s.Work == 0 {
				b.Event(c, act, t, res, complete)
				return
			}
			b.Event(c, act, t, res, start)
			t += exp(s.Work)
			b.Event(c, act, t, res, complete)
		}
		for k, s := range path {
			if k == stall {
				t += int64(p.Stall) + exp(p.Stall/2)
			}
			do(s)
			for rng.Float64() < s.Redo {
				if s.Fix != nil {
					do(s.Fix)
				}
				do(s)
			}
		}
	}
	l.Meta.Attrs = append(l.Meta.Attrs, eventlog.Attr{Key: "concept:name", Value: eventlog.StringValue(p.Name)})
	return b.Finish()
}

// path draws the steps a case takes, in the order it takes them: every
// step it does not skip, up to the first that ends it, and now and then a
// step put after the one that follows it.
func (p *Process) path(rng *rand.Rand) []*Step {
	var path []*Step
	for i := range p.Steps {
		s := &p.Steps[i]
		if rng.Float64() < s.Skip {
			continue
		}
		path = append(path, s)
		if s.Ends {
			break
		}
	}
	for i := 0; i+1 < len(path); i++ {
		// A step is not moved past the one that ends the case.
		if !path[i+1].Ends && rng.Float64() < path[i].Late {
			path[i], path[i+1] = path[i+1], path[i]
			i++ // the step moved forward stays there
		}
	}
	return path
}

// Intended is the process as its designers meant it, as a process tree:
// the required steps in order, each optional one that may be left out,
// and a step that ends the case as the alternative to all that follow
// it. What else a generated log does (a required step skipped, a step out
// of order, an unplanned step, rework) deviates from it, so that the
// tree, as a reference model, shows those cases as deviations.
func (p *Process) Intended() *processtree.Tree {
	return intended(p.Steps)
}

func intended(steps []Step) *processtree.Tree {
	var seq []*processtree.Tree
	for i, s := range steps {
		if s.Kind == Unplanned {
			continue
		}
		t := processtree.Leaf(s.Activity)
		if s.Ends {
			seq = append(seq, processtree.Node(processtree.Xor, t, intended(steps[i+1:])))
			break
		}
		if s.Kind == Optional {
			t = processtree.Node(processtree.Xor, t, processtree.Silent())
		}
		seq = append(seq, t)
	}
	switch len(seq) {
	case 0:
		return processtree.Silent()
	case 1:
		return seq[0]
	}
	return processtree.Node(processtree.Sequence, seq...)
}

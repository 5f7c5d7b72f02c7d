// Package petrinet is the Petri net: places, transitions (labelled with
// an activity, or silent), the arcs between them, and the markings a run
// starts from and ends in. It converts process trees into nets, the form
// token replay and other tools work on, and reads and writes PNML, the
// standard exchange format (the place/transition net type PM4Py and ProM
// use).
package petrinet

import (
	"fmt"

	"github.com/procmine/procmine/internal/processtree"
)

// Place holds tokens.
type Place struct {
	ID   string
	Name string
}

// Transition fires, moving tokens; Label is its activity, empty for a
// silent transition.
type Transition struct {
	ID    string
	Label string
}

// Silent tells whether the transition stands for no activity.
func (t Transition) Silent() bool { return t.Label == "" }

// Arc joins a place to a transition or a transition to a place.
type Arc struct {
	Source, Target string
}

// Marking is a number of tokens per place id.
type Marking map[string]int

// Net is a Petri net with its initial and final marking.
type Net struct {
	Places      []Place
	Transitions []Transition
	Arcs        []Arc
	Initial     Marking
	Final       Marking
	// FinalAtLeast says that a run has ended when the final marking's
	// places hold at least its tokens, not exactly them: a BPMN process
	// ends when every path has reached an end event, however many did.
	// (PNML cannot say it; a net read from PNML has it false.)
	FinalAtLeast bool
}

// FromTree converts a process tree into a net that allows the same runs:
// one token in the source place, one in the sink at the end. Activities
// become labelled transitions; tau, the splits and joins of parallels and
// the entries and exits of loops become silent ones, and those of them
// that only pass a token on are fused away, as PM4Py does.
func FromTree(t *processtree.Tree) *Net {
	b := &builder{n: &Net{}}
	source, sink := b.place(), b.place()
	b.add(t, source, sink)
	b.n.Initial, b.n.Final = Marking{source: 1}, Marking{sink: 1}
	b.n.Reduce()
	return b.n
}

type builder struct {
	n            *Net
	places, trns int
}

func (b *builder) place() string {
	b.places++
	id := fmt.Sprintf("p%d", b.places)
	b.n.Places = append(b.n.Places, Place{ID: id, Name: id})
	return id
}

func (b *builder) transition(label string, from, to []string) {
	b.trns++
	id := fmt.Sprintf("t%d", b.trns)
	b.n.Transitions = append(b.n.Transitions, Transition{ID: id, Label: label})
	for _, p := range from {
		b.n.Arcs = append(b.n.Arcs, Arc{Source: p, Target: id})
	}
	for _, p := range to {
		b.n.Arcs = append(b.n.Arcs, Arc{Source: id, Target: p})
	}
}

// add builds the net of t between the places in and out.
func (b *builder) add(t *processtree.Tree, in, out string) {
	switch t.Op {
	case processtree.Activity:
		b.transition(t.Label, []string{in}, []string{out})
	case processtree.Tau:
		b.transition("", []string{in}, []string{out})
	case processtree.Sequence:
		from := in
		for i, c := range t.Children {
			to := out
			if i < len(t.Children)-1 {
				to = b.place()
			}
			b.add(c, from, to)
			from = to
		}
	case processtree.Xor:
		for _, c := range t.Children {
			b.add(c, in, out)
		}
	case processtree.Parallel:
		ins, outs := make([]string, len(t.Children)), make([]string, len(t.Children))
		for i := range t.Children {
			ins[i], outs[i] = b.place(), b.place()
		}
		b.transition("", []string{in}, ins)
		for i, c := range t.Children {
			b.add(c, ins[i], outs[i])
		}
		b.transition("", outs, []string{out})
	case processtree.Loop:
		// in -> enter -> [do] -> exit -> out, and back through any redo.
		start, end := b.place(), b.place()
		b.transition("", []string{in}, []string{start})
		b.add(t.Children[0], start, end)
		for _, redo := range t.Children[1:] {
			b.add(redo, end, start)
		}
		b.transition("", []string{end}, []string{out})
	}
}

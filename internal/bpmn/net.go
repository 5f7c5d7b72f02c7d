package bpmn

import (
	"fmt"

	"github.com/procmine/procmine/internal/petrinet"
)

// Net converts the process into a Petri net with the usual semantics of
// BPMN: each sequence flow is a place; a start event puts a token on each
// of its outgoing flows, an end event takes one from any of its incoming
// flows into the sink; a task takes a token from any incoming flow and
// puts one on every outgoing flow (a task without a name is silent); an
// exclusive gateway passes a token from any incoming to any outgoing
// flow; a parallel gateway waits for all incoming flows and fills all
// outgoing ones. The run has ended when the sink holds a token from every
// path that reached an end event (FinalAtLeast). Silent transitions that
// only pass tokens on are fused away.
func (m *Model) Net() *petrinet.Net {
	n := &petrinet.Net{Initial: petrinet.Marking{"source": 1}, Final: petrinet.Marking{"sink": 1}, FinalAtLeast: true}
	n.Places = append(n.Places, petrinet.Place{ID: "source", Name: "source"}, petrinet.Place{ID: "sink", Name: "sink"})
	for _, f := range m.Flows {
		n.Places = append(n.Places, petrinet.Place{ID: "flow:" + f.ID, Name: f.ID})
	}
	in, out := map[string][]string{}, map[string][]string{}
	for _, f := range m.Flows {
		out[f.Source] = append(out[f.Source], "flow:"+f.ID)
		in[f.Target] = append(in[f.Target], "flow:"+f.ID)
	}
	trans := 0
	transition := func(label string, from, to []string) {
		trans++
		id := fmt.Sprintf("t%d", trans)
		n.Transitions = append(n.Transitions, petrinet.Transition{ID: id, Label: label})
		for _, p := range from {
			n.Arcs = append(n.Arcs, petrinet.Arc{Source: p, Target: id})
		}
		for _, p := range to {
			n.Arcs = append(n.Arcs, petrinet.Arc{Source: id, Target: p})
		}
	}
	// inner is a place of the node's own, where its incoming flows meet.
	inner := func(id string) string {
		p := "node:" + id
		n.Places = append(n.Places, petrinet.Place{ID: p, Name: id})
		for _, f := range in[id] {
			transition("", []string{f}, []string{p})
		}
		return p
	}
	for _, nd := range m.Nodes {
		switch nd.Kind {
		case StartEvent:
			transition("", []string{"source"}, out[nd.ID])
		case EndEvent:
			for _, f := range in[nd.ID] {
				transition("", []string{f}, []string{"sink"})
			}
		case Task:
			from := in[nd.ID]
			if len(from) != 1 {
				from = []string{inner(nd.ID)}
			}
			transition(nd.Name, from, out[nd.ID])
		case ExclusiveGateway:
			p := inner(nd.ID)
			for _, f := range out[nd.ID] {
				transition("", []string{p}, []string{f})
			}
		case ParallelGateway:
			transition("", in[nd.ID], out[nd.ID])
		}
	}
	n.Reduce()
	return n
}

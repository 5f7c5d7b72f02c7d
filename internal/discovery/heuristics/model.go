package heuristics

import (
	"fmt"
	"slices"

	"github.com/procmine/procmine/internal/bpmn"
)

// The start and the end of the process stand in the graph as two more
// activities, before every start activity and after every end activity.
const (
	begin = int32(-1)
	end   = int32(-2)
)

// model builds the BPMN of the dependency graph: a task per activity; a
// split after an activity with several successors, exclusive between its
// groups and parallel within a group; the same for joins before an
// activity with several predecessors; a flow for every edge.
func (c *counts) model(names []string, succ, pred map[int32][]int32, o Options) *bpmn.Model {
	m := &bpmn.Model{}
	ids := 0
	node := func(k bpmn.Kind, name string) string {
		ids++
		id := fmt.Sprintf("node_%d", ids)
		m.Nodes = append(m.Nodes, bpmn.Node{ID: id, Kind: k, Name: name})
		return id
	}
	flow := func(from, to string) {
		m.Flows = append(m.Flows, bpmn.Flow{ID: fmt.Sprintf("flow_%d", len(m.Flows)+1), Source: from, Target: to})
	}
	for _, a := range c.acts {
		if c.start[a] > 0 {
			succ[begin] = append(succ[begin], a)
			pred[a] = append(pred[a], begin)
		}
		if c.end[a] > 0 {
			succ[a] = append(succ[a], end)
			pred[end] = append(pred[end], a)
		}
	}
	task := map[int32]string{}
	task[begin] = node(bpmn.StartEvent, "")
	for _, a := range c.acts {
		task[a] = node(bpmn.Task, names[a])
	}
	task[end] = node(bpmn.EndEvent, "")

	// outPort[a][b] is where the flow from a to b leaves; inPort[b][a]
	// where it arrives.
	outPort, inPort := map[int32]map[int32]string{}, map[int32]map[int32]string{}
	side := func(a int32, others []int32, outgoing bool) map[int32]string {
		port := map[int32]string{}
		var b *binding
		switch {
		case len(others) == 1:
			b = &binding{act: others[0]}
		case a == begin || a == end:
			b = &binding{} // start and end activities are alternatives
			for _, x := range others {
				b.kids = append(b.kids, &binding{act: x})
			}
		default:
			b = c.bind(a, others, outgoing, o)
		}
		link := func(from, to string) {
			if outgoing {
				flow(from, to)
			} else {
				flow(to, from)
			}
		}
		var place func(b *binding, at string)
		place = func(b *binding, at string) {
			if b.kids == nil {
				port[b.act] = at
				return
			}
			k := bpmn.ExclusiveGateway
			if b.and {
				k = bpmn.ParallelGateway
			}
			g := node(k, "")
			link(at, g)
			for _, kid := range b.kids {
				place(kid, g)
			}
		}
		place(b, task[a])
		return port
	}
	all := append([]int32{begin}, c.acts...)
	all = append(all, end)
	for _, a := range all {
		slices.Sort(succ[a])
		slices.Sort(pred[a])
		if len(succ[a]) > 0 {
			outPort[a] = side(a, succ[a], true)
		}
		if len(pred[a]) > 0 {
			inPort[a] = side(a, pred[a], false)
		}
	}
	for _, a := range all {
		for _, b := range succ[a] {
			flow(outPort[a][b], inPort[b][a])
		}
	}
	return m
}

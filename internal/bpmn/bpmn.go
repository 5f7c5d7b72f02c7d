// Package bpmn is the BPMN 2.0 process model as the field's modelers
// exchange it: a start and an end event, tasks, exclusive and parallel
// gateways and the sequence flows between them. It converts process trees
// into BPMN, lays the diagram out (BPMN diagram interchange, so that
// modelers open it as drawn), writes and reads BPMN 2.0 XML, and converts
// a BPMN process into a Petri net for token replay.
package bpmn

import (
	"fmt"

	"github.com/procmine/procmine/internal/processtree"
)

// Kind is what a node is.
type Kind uint8

const (
	StartEvent Kind = iota
	EndEvent
	Task
	ExclusiveGateway
	ParallelGateway
)

var kindElement = [...]string{
	StartEvent:       "startEvent",
	EndEvent:         "endEvent",
	Task:             "task",
	ExclusiveGateway: "exclusiveGateway",
	ParallelGateway:  "parallelGateway",
}

// Node is an event, a task or a gateway.
type Node struct {
	ID   string
	Kind Kind
	Name string // a task's activity
}

// Flow is a sequence flow from one node to another.
type Flow struct {
	ID             string
	Source, Target string
}

// Model is one BPMN process.
type Model struct {
	Nodes []Node
	Flows []Flow
}

// FromTree converts a process tree into BPMN: activities become tasks,
// exclusive choices and loops exclusive gateways, parallels parallel
// gateways; tau becomes a flow that goes around. Every node has one way in
// and one way out but the gateways, so nothing merges unseen.
func FromTree(t *processtree.Tree) *Model {
	b := &builder{m: &Model{}}
	start := b.node(StartEvent, "")
	in, out := b.add(t)
	end := b.node(EndEvent, "")
	b.link(start, in, out, end)
	return b.m
}

type builder struct {
	m            *Model
	nodes, flows int
}

func (b *builder) node(k Kind, name string) string {
	b.nodes++
	id := fmt.Sprintf("%s_%d", kindElement[k], b.nodes)
	b.m.Nodes = append(b.m.Nodes, Node{ID: id, Kind: k, Name: name})
	return id
}

func (b *builder) flow(from, to string) {
	b.flows++
	b.m.Flows = append(b.m.Flows, Flow{ID: fmt.Sprintf("flow_%d", b.flows), Source: from, Target: to})
}

// link joins from to a fragment (in, out) and it to to; an empty fragment
// (in == "") is a flow from from to to.
func (b *builder) link(from, in, out, to string) {
	if in == "" {
		b.flow(from, to)
		return
	}
	b.flow(from, in)
	b.flow(out, to)
}

// add builds t and returns the node it is entered by and the one it is
// left from; both are "" when t does nothing (tau, or only taus).
func (b *builder) add(t *processtree.Tree) (in, out string) {
	switch t.Op {
	case processtree.Activity:
		task := b.node(Task, t.Label)
		return task, task
	case processtree.Sequence:
		for _, c := range t.Children {
			cin, cout := b.add(c)
			switch {
			case cin == "":
			case in == "":
				in, out = cin, cout
			default:
				b.flow(out, cin)
				out = cout
			}
		}
		return in, out
	case processtree.Xor, processtree.Parallel:
		k := ExclusiveGateway
		if t.Op == processtree.Parallel {
			k = ParallelGateway
		}
		split := b.node(k, "")
		join := b.node(k, "")
		for _, c := range t.Children {
			cin, cout := b.add(c)
			b.link(split, cin, cout, join)
		}
		return split, join
	case processtree.Loop:
		// entry -> do -> exit, and exit -> redo -> entry; the loop is
		// left from exit.
		entry := b.node(ExclusiveGateway, "")
		exit := b.node(ExclusiveGateway, "")
		din, dout := b.add(t.Children[0])
		b.link(entry, din, dout, exit)
		for _, redo := range t.Children[1:] {
			rin, rout := b.add(redo)
			b.link(exit, rin, rout, entry)
		}
		return entry, exit
	}
	return "", ""
}

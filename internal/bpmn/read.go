package bpmn

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxElements bounds the nodes and flows read.
const maxElements = 100_000

// Read reads the process of a BPMN 2.0 XML file: its events, tasks (of
// any type: user, service, manual…), exclusive and parallel gateways and
// sequence flows. Intermediate events pass the flow on, as a gateway with
// one way in and out does. What token replay cannot follow (inclusive and
// event-based gateways, sub-processes, boundary events, several processes
// with flows) is refused with the element named. name is used in errors.
func Read(r io.Reader, name string) (*Model, error) {
	d := xml.NewDecoder(r)
	var (
		m         Model
		processes int
		inProcess int // 1 inside a process element (its children are skipped whole)
		ids       = map[string]bool{}
		sawDefs   bool
	)
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not BPMN XML: %v", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !sawDefs {
				if t.Name.Local != "definitions" {
					return nil, fmt.Errorf("%s: line %d: a BPMN file starts with <definitions>, not <%s>", name, line(), t.Name.Local)
				}
				sawDefs = true
				continue
			}
			if t.Name.Local == "process" && inProcess == 0 {
				processes++
				inProcess = 1
				continue
			}
			if inProcess == 0 {
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("%s: not BPMN XML: %v", name, err)
				}
				continue
			}
			n, flow, err := element(t, name, line())
			if err != nil {
				return nil, err
			}
			if n == nil && flow == nil {
				// Documentation, extensions, lanes and the like.
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("%s: not BPMN XML: %v", name, err)
				}
				continue
			}
			id := attr(t, "id")
			if id == "" {
				return nil, fmt.Errorf("%s: line %d: <%s> without an id", name, line(), t.Name.Local)
			}
			if ids[id] {
				return nil, fmt.Errorf("%s: line %d: two elements with id %q", name, line(), id)
			}
			ids[id] = true
			if len(ids) > maxElements {
				return nil, fmt.Errorf("%s: more than %d nodes and flows", name, maxElements)
			}
			if n != nil {
				n.ID = id
				m.Nodes = append(m.Nodes, *n)
			} else {
				flow.ID = id
				m.Flows = append(m.Flows, *flow)
			}
			// Children (incoming, outgoing, documentation) say nothing
			// the flows do not.
			if err := d.Skip(); err != nil {
				return nil, fmt.Errorf("%s: not BPMN XML: %v", name, err)
			}
		case xml.EndElement:
			if inProcess > 0 {
				inProcess--
			}
		}
	}
	if !sawDefs {
		return nil, fmt.Errorf("%s: not BPMN XML: no <definitions>", name)
	}
	if processes == 0 || len(m.Nodes) == 0 {
		return nil, errors.New(name + ": the file has no process with nodes")
	}
	if processes > 1 {
		return nil, fmt.Errorf("%s: the file has %d processes; procmine compares a log with one", name, processes)
	}
	return &m, m.check(name)
}

// element reads a flow node or a sequence flow; both nil for what is not
// one and does not matter.
func element(t xml.StartElement, name string, line int) (*Node, *Flow, error) {
	local := t.Name.Local
	switch {
	case local == "sequenceFlow":
		return nil, &Flow{Source: attr(t, "sourceRef"), Target: attr(t, "targetRef")}, nil
	case local == "startEvent":
		return &Node{Kind: StartEvent}, nil, nil
	case local == "endEvent":
		return &Node{Kind: EndEvent}, nil, nil
	case local == "intermediateThrowEvent" || local == "intermediateCatchEvent":
		return &Node{Kind: ExclusiveGateway}, nil, nil
	case local == "task" || strings.HasSuffix(local, "Task") || local == "callActivity":
		return &Node{Kind: Task, Name: attr(t, "name")}, nil, nil
	case local == "exclusiveGateway":
		return &Node{Kind: ExclusiveGateway}, nil, nil
	case local == "parallelGateway":
		return &Node{Kind: ParallelGateway}, nil, nil
	case local == "inclusiveGateway" || local == "eventBasedGateway" || local == "complexGateway" ||
		local == "subProcess" || local == "adHocSubProcess" || local == "transaction" || local == "boundaryEvent":
		return nil, nil, fmt.Errorf("%s: line %d: <%s> is not supported: procmine replays processes of events, tasks, exclusive and parallel gateways", name, line, local)
	}
	return nil, nil, nil
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// check makes sure every flow joins two nodes of the process and that it
// starts and ends somewhere.
func (m *Model) check(name string) error {
	nodes := map[string]Kind{}
	for _, n := range m.Nodes {
		nodes[n.ID] = n.Kind
	}
	for _, f := range m.Flows {
		s, okS := nodes[f.Source]
		t, okT := nodes[f.Target]
		switch {
		case !okS || !okT:
			return fmt.Errorf("%s: sequence flow %q from %q to %q must join two nodes of the process", name, f.ID, f.Source, f.Target)
		case t == StartEvent:
			return fmt.Errorf("%s: sequence flow %q leads into start event %q", name, f.ID, f.Target)
		case s == EndEvent:
			return fmt.Errorf("%s: sequence flow %q leaves end event %q", name, f.ID, f.Source)
		}
	}
	starts, ends := 0, 0
	for _, n := range m.Nodes {
		switch n.Kind {
		case StartEvent:
			starts++
		case EndEvent:
			ends++
		}
	}
	if starts == 0 || ends == 0 {
		return fmt.Errorf("%s: the process needs a start event and an end event", name)
	}
	in, out := map[string]int{}, map[string]int{}
	for _, f := range m.Flows {
		out[f.Source]++
		in[f.Target]++
	}
	for _, n := range m.Nodes {
		// A node nothing leads to never runs; one that leads nowhere
		// swallows the run: neither can a log be compared with.
		if n.Kind != StartEvent && in[n.ID] == 0 {
			return fmt.Errorf("%s: %s %q has no incoming sequence flow", name, kindElement[n.Kind], n.ID)
		}
		if n.Kind != EndEvent && out[n.ID] == 0 {
			return fmt.Errorf("%s: %s %q has no outgoing sequence flow", name, kindElement[n.Kind], n.ID)
		}
	}
	return nil
}

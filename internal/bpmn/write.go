package bpmn

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/procmine/procmine/internal/dot"
)

// The sizes modelers draw BPMN elements at, in points (pixels).
var size = [...][2]float64{
	StartEvent:       {36, 36},
	EndEvent:         {36, 36},
	Task:             {100, 80},
	ExclusiveGateway: {50, 50},
	ParallelGateway:  {50, 50},
}

const (
	nsModel = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	nsDI    = "http://www.omg.org/spec/BPMN/20100524/DI"
	nsDC    = "http://www.omg.org/spec/DD/20100524/DC"
	nsDDI   = "http://www.omg.org/spec/DD/20100524/DI"
)

// The models laid out are bounded: a layout cannot be cancelled, holds
// the one Graphviz instance of the process, and grows fast with the flows
// (heuristics' BenchmarkLayout: a dense model of 541 flows takes 10–11 s
// on the project's machine, 499 flows 6–8 s, BPIC 2020's model of 532
// flows 4–5 s), so its size is what keeps it short.
const (
	maxLayoutNodes = 500
	maxLayoutFlows = 550
)

// TooLargeError is a model too large to lay out, with its size.
type TooLargeError struct{ Nodes, Flows int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the model has %d nodes and %d flows; at most %d and %d are laid out: raise the miner's thresholds (noise, dependency) for a smaller model, or take it as PNML", e.Nodes, e.Flows, maxLayoutNodes, maxLayoutFlows)
}

// drawable says why a model is too large to lay out (*TooLargeError), or
// nil.
func drawable(m *Model) error {
	if len(m.Nodes) > maxLayoutNodes || len(m.Flows) > maxLayoutFlows {
		return &TooLargeError{Nodes: len(m.Nodes), Flows: len(m.Flows)}
	}
	return nil
}

// Write writes the model as BPMN 2.0 XML with its diagram, laid out left
// to right by Graphviz.
func Write(ctx context.Context, w io.Writer, m *Model) error {
	l, err := layout(ctx, m)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	in, out := map[string][]string{}, map[string][]string{}
	for _, f := range m.Flows {
		out[f.Source] = append(out[f.Source], f.ID)
		in[f.Target] = append(in[f.Target], f.ID)
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="%s" xmlns:bpmndi="%s" xmlns:dc="%s" xmlns:di="%s" id="definitions" targetNamespace="https://procmine.org/bpmn" exporter="procmine">
<process id="process" isExecutable="false">
`, nsModel, nsDI, nsDC, nsDDI)
	for _, n := range m.Nodes {
		fmt.Fprintf(&b, `<%s id="%s"`, kindElement[n.Kind], esc(n.ID))
		if n.Name != "" {
			fmt.Fprintf(&b, ` name="%s"`, esc(n.Name))
		}
		b.WriteString(">")
		for _, f := range in[n.ID] {
			fmt.Fprintf(&b, "<incoming>%s</incoming>", esc(f))
		}
		for _, f := range out[n.ID] {
			fmt.Fprintf(&b, "<outgoing>%s</outgoing>", esc(f))
		}
		fmt.Fprintf(&b, "</%s>\n", kindElement[n.Kind])
	}
	for _, f := range m.Flows {
		fmt.Fprintf(&b, `<sequenceFlow id="%s" sourceRef="%s" targetRef="%s"/>`+"\n", esc(f.ID), esc(f.Source), esc(f.Target))
	}
	b.WriteString("</process>\n<bpmndi:BPMNDiagram id=\"diagram\"><bpmndi:BPMNPlane id=\"plane\" bpmnElement=\"process\">\n")
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
	for _, n := range m.Nodes {
		box := l.Nodes[n.ID]
		marker := ""
		if n.Kind == ExclusiveGateway {
			marker = ` isMarkerVisible="true"`
		}
		fmt.Fprintf(&b, `<bpmndi:BPMNShape id="%s_di" bpmnElement="%s"%s><dc:Bounds x="%s" y="%s" width="%s" height="%s"/></bpmndi:BPMNShape>`+"\n",
			esc(n.ID), esc(n.ID), marker, num(box.X-box.W/2), num(box.Y-box.H/2), num(box.W), num(box.H))
	}
	for _, f := range m.Flows {
		pts := l.Edges[f.ID]
		fmt.Fprintf(&b, `<bpmndi:BPMNEdge id="%s_di" bpmnElement="%s">`, esc(f.ID), esc(f.ID))
		for _, p := range pts {
			fmt.Fprintf(&b, `<di:waypoint x="%s" y="%s"/>`, num(p.X), num(p.Y))
		}
		b.WriteString("</bpmndi:BPMNEdge>\n")
	}
	b.WriteString("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</definitions>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// esc escapes text for XML, in elements and attributes alike.
func esc(s string) string {
	var e bytes.Buffer
	xml.EscapeText(&e, []byte(s))
	return e.String()
}

// layout places the nodes with Graphviz's dot, left to right, each at
// the size modelers draw it, for a model not too large to lay out. The
// layout knows nodes and flows by their index, so that no id needs
// quoting for Graphviz; they come back keyed by id, every flow with two
// points at least.
func layout(ctx context.Context, m *Model) (*dot.Layout, error) {
	if err := drawable(m); err != nil {
		return nil, err
	}
	var src bytes.Buffer
	src.WriteString("digraph bpmn {\nrankdir=LR; nodesep=0.4; ranksep=0.5; splines=polyline; mclimit=0.3; nslimit=3; nslimit1=3; searchsize=20;\nnode [fixedsize=true, label=\"\"];\n")
	index := map[string]int{}
	for i, n := range m.Nodes {
		index[n.ID] = i
		shape := "box"
		switch n.Kind {
		case StartEvent, EndEvent:
			shape = "circle"
		case ExclusiveGateway, ParallelGateway:
			shape = "diamond"
		}
		sz := size[n.Kind]
		fmt.Fprintf(&src, "n%d [shape=%s, width=%g, height=%g];\n", i, shape, sz[0]/72, sz[1]/72)
	}
	for i, f := range m.Flows {
		fmt.Fprintf(&src, "n%d -> n%d [id=f%d];\n", index[f.Source], index[f.Target], i)
	}
	src.WriteString("}\n")
	l, err := dot.Lay(ctx, src.Bytes())
	if err != nil {
		return nil, err
	}
	byID := &dot.Layout{Width: l.Width, Height: l.Height, Nodes: map[string]dot.Box{}, Edges: map[string][]dot.Point{}}
	for i, n := range m.Nodes {
		byID.Nodes[n.ID] = l.Nodes[fmt.Sprintf("n%d", i)]
	}
	for i, f := range m.Flows {
		pts := l.Edges[fmt.Sprintf("f%d", i)]
		if len(pts) < 2 {
			s, t := byID.Nodes[f.Source], byID.Nodes[f.Target]
			pts = []dot.Point{{X: s.X, Y: s.Y}, {X: t.X, Y: t.Y}}
		}
		byID.Edges[f.ID] = pts
	}
	return byID, nil
}

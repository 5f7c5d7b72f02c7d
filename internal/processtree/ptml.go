package processtree

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding/htmlindex"
)

// maxNodes bounds the nodes of a PTML file read: far more than any model
// people draw, far less than what would strain memory.
const maxNodes = 100_000

// ReadPTML reads a process tree from PTML: nodes (manualTask and
// automaticTask leaves, the latter silent; sequence, xor, and, xorLoop
// operators) and parentsNode edges from parent to child, in child order.
// A loop's third child, its exit, must be silent: that is the loop of
// this package. name is used in error messages.
func ReadPTML(r io.Reader, name string) (*Tree, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label) // PM4Py writes ISO-8859-1
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(in), nil
	}
	type node struct {
		tree   *Tree
		loop   bool
		parent bool
	}
	nodes := map[string]*node{}
	var order []string
	var edges [][2]string
	root := ""
	fail := func(format string, args ...any) error {
		line, _ := d.InputPos()
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail("not a PTML file: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(key string) string {
			for _, a := range se.Attr {
				if a.Name.Local == key {
					return a.Value
				}
			}
			return ""
		}
		var t *Tree
		loop := false
		switch se.Name.Local {
		case "ptml":
			continue
		case "processTree":
			if root != "" {
				return nil, fail("more than one processTree")
			}
			if root = attr("root"); root == "" {
				return nil, fail("processTree has no root")
			}
			continue
		case "parentsNode":
			src, dst := attr("sourceId"), attr("targetId")
			if src == "" || dst == "" {
				return nil, fail("parentsNode needs sourceId and targetId")
			}
			edges = append(edges, [2]string{src, dst})
			continue
		case "manualTask":
			t = Leaf(attr("name"))
			if t.Label == "" {
				return nil, fail("a manualTask has no name")
			}
		case "automaticTask":
			t = Silent()
		case "sequence":
			t = Node(Sequence)
		case "xor":
			t = Node(Xor)
		case "and":
			t = Node(Parallel)
		case "xorLoop":
			t, loop = Node(Loop), true
		default:
			return nil, fail("<%s> is not a process-tree node this reader knows (manualTask, automaticTask, sequence, xor, and, xorLoop)", se.Name.Local)
		}
		id := attr("id")
		if id == "" {
			return nil, fail("<%s> has no id", se.Name.Local)
		}
		if nodes[id] != nil {
			return nil, fail("two nodes with id %q", id)
		}
		if len(nodes) >= maxNodes {
			return nil, fail("more than %d nodes", maxNodes)
		}
		nodes[id] = &node{tree: t, loop: loop}
		order = append(order, id)
	}
	if root == "" || nodes[root] == nil {
		return nil, fmt.Errorf("%s: no processTree, or its root is not one of its nodes", name)
	}
	for _, e := range edges {
		p, c := nodes[e[0]], nodes[e[1]]
		if p == nil || c == nil {
			return nil, fmt.Errorf("%s: parentsNode %s -> %s names a node that is not there", name, e[0], e[1])
		}
		if p.tree.Op == Activity || p.tree.Op == Tau {
			return nil, fmt.Errorf("%s: task %s has children", name, e[0])
		}
		if c.parent || e[1] == root {
			return nil, fmt.Errorf("%s: node %s has more than one parent", name, e[1])
		}
		c.parent = true
		p.tree.Children = append(p.tree.Children, c.tree)
	}
	// Every node has at most one parent and the root none, so from the
	// root there is no cycle; nodes not reached are refused.
	seen := 0
	var walk func(*Tree)
	walk = func(t *Tree) {
		seen++
		for _, c := range t.Children {
			walk(c)
		}
	}
	walk(nodes[root].tree)
	if seen != len(nodes) {
		return nil, fmt.Errorf("%s: %d nodes are not under the root", name, len(nodes)-seen)
	}
	for _, id := range order {
		n := nodes[id]
		switch {
		case n.tree.Op != Activity && n.tree.Op != Tau && len(n.tree.Children) == 0:
			return nil, fmt.Errorf("%s: operator %s has no children", name, id)
		case n.loop && len(n.tree.Children) != 3:
			return nil, fmt.Errorf("%s: loop %s has %d children; PTML loops have three (do, redo, exit)", name, id, len(n.tree.Children))
		case n.loop && n.tree.Children[2].Op != Tau:
			return nil, fmt.Errorf("%s: loop %s has an exit that is not silent, which this reader does not take", name, id)
		case n.loop:
			n.tree.Children = n.tree.Children[:2]
		}
	}
	return nodes[root].tree, nil
}

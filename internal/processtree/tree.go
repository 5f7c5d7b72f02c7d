// Package processtree is the process tree: a block-structured model whose
// leaves are activities (or tau, the silent step) and whose inner nodes
// say how their children run: one after the other (sequence), one of them
// (exclusive choice), all of them interleaved (parallel), or the first,
// then any number of times one of the others and the first again (loop).
//
// Trees print in the notation PM4Py uses, ->( 'a', X( 'b', tau ) ), and
// read from and write to PTML, the XML format PM4Py and ProM store them in.
package processtree

import (
	"slices"
	"strings"
)

// Op is what a node is.
type Op uint8

const (
	Activity Op = iota // a leaf: Label is the activity
	Tau                // a leaf: the silent step
	Sequence           // ->: the children in order
	Xor                // X: one of the children
	Parallel           // +: all children, interleaved
	Loop               // *: the first child, then any number of times one of the others and the first again
)

var symbols = [...]string{Sequence: "->", Xor: "X", Parallel: "+", Loop: "*"}

// Tree is a node and, through Children, the tree below it.
type Tree struct {
	Op       Op
	Label    string // of an Activity
	Children []*Tree
}

// Leaf is an activity.
func Leaf(label string) *Tree { return &Tree{Op: Activity, Label: label} }

// Silent is tau.
func Silent() *Tree { return &Tree{Op: Tau} }

// Node is an operator over children.
func Node(op Op, children ...*Tree) *Tree { return &Tree{Op: op, Children: children} }

// String writes the tree as PM4Py does: ->( 'a', X( 'b', tau ) ).
func (t *Tree) String() string {
	var b strings.Builder
	t.write(&b, false)
	return b.String()
}

// Canonical writes the tree with the children of the operators whose order
// does not matter (exclusive choice, parallel, the redo parts of a loop)
// sorted, so that two trees that mean the same write the same.
func (t *Tree) Canonical() string {
	var b strings.Builder
	t.write(&b, true)
	return b.String()
}

func (t *Tree) write(b *strings.Builder, canonical bool) {
	switch t.Op {
	case Activity:
		b.WriteString("'" + t.Label + "'")
		return
	case Tau:
		b.WriteString("tau")
		return
	}
	parts := make([]string, len(t.Children))
	for i, c := range t.Children {
		var cb strings.Builder
		c.write(&cb, canonical)
		parts[i] = cb.String()
	}
	if canonical {
		switch t.Op {
		case Xor, Parallel:
			slices.Sort(parts)
		case Loop:
			if len(parts) > 1 {
				slices.Sort(parts[1:])
			}
		}
	}
	b.WriteString(symbols[t.Op] + "( " + strings.Join(parts, ", ") + " )")
}

// Fold flattens an operator directly under the same operator, where that
// changes nothing of what the tree allows (sequence, exclusive choice,
// parallel): ->( 'a', ->( 'b', 'c' ) ) becomes ->( 'a', 'b', 'c' ). Loops
// stay as they are. It changes t and returns it.
func (t *Tree) Fold() *Tree {
	for _, c := range t.Children {
		c.Fold()
	}
	if t.Op != Sequence && t.Op != Xor && t.Op != Parallel {
		return t
	}
	var flat []*Tree
	for _, c := range t.Children {
		if c.Op == t.Op {
			flat = append(flat, c.Children...)
		} else {
			flat = append(flat, c)
		}
	}
	t.Children = flat
	return t
}

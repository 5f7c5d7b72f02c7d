package processtree

import (
	"fmt"
	"strings"
)

// Parse reads a tree written in PM4Py's notation, as String writes it:
// ->( 'a', X( 'b', tau ) ). Labels cannot hold a quote.
func Parse(s string) (*Tree, error) {
	p := &parser{s: s}
	t, err := p.tree()
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.errorf("text after the tree")
		}
	}
	return t, err
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("process tree, at character %d: %s", p.i+1, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) tree() (*Tree, error) {
	p.space()
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "'"):
		end := strings.IndexByte(rest[1:], '\'')
		if end < 0 {
			return nil, p.errorf("a label without its closing quote")
		}
		p.i += end + 2
		return Leaf(rest[1 : end+1]), nil
	case strings.HasPrefix(rest, "tau"):
		p.i += 3
		return Silent(), nil
	}
	var op Op
	switch {
	case strings.HasPrefix(rest, "->"):
		op, p.i = Sequence, p.i+2
	case strings.HasPrefix(rest, "X"):
		op, p.i = Xor, p.i+1
	case strings.HasPrefix(rest, "+"):
		op, p.i = Parallel, p.i+1
	case strings.HasPrefix(rest, "*"):
		op, p.i = Loop, p.i+1
	default:
		return nil, p.errorf("expected 'label', tau, ->, X, + or *")
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, p.errorf("expected (")
	}
	p.i++
	n := Node(op)
	for {
		c, err := p.tree()
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, c)
		p.space()
		if p.i >= len(p.s) {
			return nil, p.errorf("the tree ends inside an operator")
		}
		if p.s[p.i] == ')' {
			p.i++
			return n, nil
		}
		if p.s[p.i] != ',' {
			return nil, p.errorf("expected , or )")
		}
		p.i++
	}
}

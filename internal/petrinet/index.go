package petrinet

import "errors"

// MaxNodes bounds the nets procmine replays and aligns, in places and
// transitions together: what one request may make the server walk.
const MaxNodes = 5000

// Indexed is a net by position, the form token replay and alignment walk:
// places and transitions are numbered in the net's order.
type Indexed struct {
	Places int
	// IDs and Labels are the transitions' ids and labels ("" for a
	// silent one); ByLabel lists the transitions of each label.
	IDs     []string
	Labels  []string
	ByLabel map[string][]int32
	// Pre and Post are the places each transition takes tokens from and
	// puts them in, one entry per arc.
	Pre, Post [][]int32
	// Initial and Final are the markings' tokens per place.
	Initial, Final []int32
}

// Index numbers the net's places and transitions and resolves its arcs
// and markings, refusing an arc or a marking that names what the net
// does not have.
func (n *Net) Index() (*Indexed, error) {
	x := &Indexed{Places: len(n.Places), ByLabel: map[string][]int32{},
		Pre: make([][]int32, len(n.Transitions)), Post: make([][]int32, len(n.Transitions))}
	place := map[string]int32{}
	for i, p := range n.Places {
		place[p.ID] = int32(i)
	}
	trans := map[string]int32{}
	for i, t := range n.Transitions {
		trans[t.ID] = int32(i)
		x.IDs = append(x.IDs, t.ID)
		x.Labels = append(x.Labels, t.Label)
		if t.Label != "" {
			x.ByLabel[t.Label] = append(x.ByLabel[t.Label], int32(i))
		}
	}
	for _, a := range n.Arcs {
		if p, ok := place[a.Source]; ok {
			if t, ok := trans[a.Target]; ok {
				x.Pre[t] = append(x.Pre[t], p)
				continue
			}
		}
		if t, ok := trans[a.Source]; ok {
			if p, ok := place[a.Target]; ok {
				x.Post[t] = append(x.Post[t], p)
				continue
			}
		}
		return nil, errors.New("an arc of the net does not join one of its places and one of its transitions")
	}
	var err error
	if x.Initial, err = markingOf(n.Initial, place, "initial"); err != nil {
		return nil, err
	}
	if x.Final, err = markingOf(n.Final, place, "final"); err != nil {
		return nil, err
	}
	return x, nil
}

func markingOf(m Marking, place map[string]int32, which string) ([]int32, error) {
	v := make([]int32, len(place))
	for id, k := range m {
		p, ok := place[id]
		if !ok {
			return nil, errors.New("the " + which + " marking names a place the net does not have")
		}
		v[p] = int32(k)
	}
	return v, nil
}

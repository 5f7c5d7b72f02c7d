package petrinet

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The PNML of a place/transition net, as PM4Py and ProM write it: silent
// transitions carry ProM's tool-specific mark "$invisible$", and the final
// marking follows the page.

const ptnet = "http://www.pnml.org/version-2009/grammar/pnmlcoremodel"

type xmlText struct {
	Text string `xml:"text"`
}

type xmlPNML struct {
	XMLName xml.Name `xml:"pnml"`
	Net     struct {
		ID    string `xml:"id,attr"`
		Type  string `xml:"type,attr"`
		Pages []struct {
			ID          string          `xml:"id,attr"`
			Places      []xmlPlace      `xml:"place"`
			Transitions []xmlTransition `xml:"transition"`
			Arcs        []xmlArc        `xml:"arc"`
		} `xml:"page"`
		FinalMarkings struct {
			Markings []struct {
				Places []struct {
					IDRef string `xml:"idref,attr"`
					Text  string `xml:"text"`
				} `xml:"place"`
			} `xml:"marking"`
		} `xml:"finalmarkings"`
	} `xml:"net"`
}

type xmlPlace struct {
	ID      string   `xml:"id,attr"`
	Name    *xmlText `xml:"name"`
	Initial *xmlText `xml:"initialMarking"`
}

type xmlTransition struct {
	ID    string    `xml:"id,attr"`
	Name  *xmlText  `xml:"name"`
	Tools []xmlTool `xml:"toolspecific"`
}

type xmlTool struct {
	Activity string `xml:"activity,attr"`
}

type xmlArc struct {
	ID          string   `xml:"id,attr"`
	Source      string   `xml:"source,attr"`
	Target      string   `xml:"target,attr"`
	Inscription *xmlText `xml:"inscription"`
}

// maxNodes bounds the places and transitions read; maxTokens the tokens
// a marking puts in a place.
const (
	maxNodes  = 200_000
	maxTokens = 1_000_000
)

// WritePNML writes the net as PNML.
func WritePNML(w io.Writer, n *Net) error {
	var b strings.Builder
	esc := func(s string) string {
		var e strings.Builder
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	b.WriteString(xml.Header)
	b.WriteString(`<pnml>` + "\n" + `<net id="net1" type="` + ptnet + `">` + "\n" + `<page id="n0">` + "\n")
	for _, p := range n.Places {
		fmt.Fprintf(&b, `<place id="%s"><name><text>%s</text></name>`, esc(p.ID), esc(p.Name))
		if k := n.Initial[p.ID]; k > 0 {
			fmt.Fprintf(&b, `<initialMarking><text>%d</text></initialMarking>`, k)
		}
		b.WriteString("</place>\n")
	}
	for _, t := range n.Transitions {
		if t.Silent() {
			fmt.Fprintf(&b, `<transition id="%s"><name><text>tau</text></name><toolspecific tool="ProM" version="6.4" activity="$invisible$" localNodeID="%s"/></transition>`+"\n", esc(t.ID), esc(t.ID))
			continue
		}
		fmt.Fprintf(&b, `<transition id="%s"><name><text>%s</text></name></transition>`+"\n", esc(t.ID), esc(t.Label))
	}
	for i, a := range n.Arcs {
		fmt.Fprintf(&b, `<arc id="a%d" source="%s" target="%s"/>`+"\n", i+1, esc(a.Source), esc(a.Target))
	}
	b.WriteString("</page>\n<finalmarkings><marking>")
	for _, p := range n.Places {
		if k := n.Final[p.ID]; k > 0 {
			fmt.Fprintf(&b, `<place idref="%s"><text>%d</text></place>`, esc(p.ID), k)
		}
	}
	b.WriteString("</marking></finalmarkings>\n</net>\n</pnml>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// ReadPNML reads a place/transition net from PNML: every page's places,
// transitions and arcs, the initial marking and the first final marking.
// A transition is silent when ProM's mark says so, or when it has no name.
// Every arc must join a place and a transition. name is used in errors.
func ReadPNML(r io.Reader, name string) (*Net, error) {
	var doc xmlPNML
	d := xml.NewDecoder(r)
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not a PNML file: %v", name, err)
	}
	if doc.Net.Type != "" && doc.Net.Type != ptnet && !strings.Contains(doc.Net.Type, "ptnet") {
		return nil, fmt.Errorf("%s: a net of type %q; procmine reads place/transition nets", name, doc.Net.Type)
	}
	n := &Net{Initial: Marking{}, Final: Marking{}}
	kind := map[string]byte{}
	add := func(id string, k byte) error {
		if id == "" {
			return fmt.Errorf("%s: a place or transition without an id", name)
		}
		if kind[id] != 0 {
			return fmt.Errorf("%s: two nodes with id %q", name, id)
		}
		if len(kind) >= maxNodes {
			return fmt.Errorf("%s: more than %d places and transitions", name, maxNodes)
		}
		kind[id] = k
		return nil
	}
	count := func(where string, t *xmlText) (int, error) {
		if t == nil {
			return 0, nil
		}
		k, err := strconv.Atoi(strings.TrimSpace(t.Text))
		if err != nil || k < 0 {
			return 0, fmt.Errorf("%s: %s: %q is not a number of tokens", name, where, t.Text)
		}
		if k > maxTokens {
			return 0, fmt.Errorf("%s: %s: %d tokens; a place may hold at most %d", name, where, k, maxTokens)
		}
		return k, nil
	}
	for _, page := range doc.Net.Pages {
		for _, p := range page.Places {
			if err := add(p.ID, 'p'); err != nil {
				return nil, err
			}
			pl := Place{ID: p.ID, Name: p.ID}
			if p.Name != nil {
				pl.Name = p.Name.Text
			}
			k, err := count("place "+p.ID, p.Initial)
			if err != nil {
				return nil, err
			}
			if k > 0 {
				n.Initial[p.ID] = k
			}
			n.Places = append(n.Places, pl)
		}
		for _, t := range page.Transitions {
			if err := add(t.ID, 't'); err != nil {
				return nil, err
			}
			tr := Transition{ID: t.ID}
			silent := slices.ContainsFunc(t.Tools, func(x xmlTool) bool { return x.Activity == "$invisible$" })
			if t.Name != nil && !silent {
				tr.Label = t.Name.Text
			}
			n.Transitions = append(n.Transitions, tr)
		}
	}
	arcs := map[Arc]bool{}
	for _, page := range doc.Net.Pages {
		for _, a := range page.Arcs {
			ks, kt := kind[a.Source], kind[a.Target]
			if ks == 0 || kt == 0 || ks == kt {
				return nil, fmt.Errorf("%s: arc %q from %q to %q must join a place and a transition of the net", name, a.ID, a.Source, a.Target)
			}
			if a.Inscription != nil {
				if w := strings.TrimSpace(a.Inscription.Text); w != "1" {
					return nil, fmt.Errorf("%s: arc %q carries %q tokens; procmine reads nets whose arcs carry one token each", name, a.ID, w)
				}
			}
			arc := Arc{Source: a.Source, Target: a.Target}
			if arcs[arc] {
				return nil, fmt.Errorf("%s: arc %q from %q to %q repeats another; procmine reads nets whose arcs carry one token each", name, a.ID, a.Source, a.Target)
			}
			arcs[arc] = true
			n.Arcs = append(n.Arcs, arc)
		}
	}
	if len(doc.Net.FinalMarkings.Markings) > 0 {
		for _, p := range doc.Net.FinalMarkings.Markings[0].Places {
			if kind[p.IDRef] != 'p' {
				return nil, fmt.Errorf("%s: the final marking names %q, which is not a place", name, p.IDRef)
			}
			k, err := count("final marking of "+p.IDRef, &xmlText{Text: p.Text})
			if err != nil {
				return nil, err
			}
			if k > 0 {
				n.Final[p.IDRef] = k
			}
		}
	}
	if len(n.Places) == 0 {
		return nil, errors.New(name + ": the net has no place")
	}
	return n, nil
}

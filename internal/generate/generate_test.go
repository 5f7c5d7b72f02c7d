package generate

import (
	"slices"
	"testing"
)

func TestP2PIsDeterministicAndValid(t *testing.T) {
	a := P2P(Options{Cases: 200, Seed: 3})
	b := P2P(Options{Cases: 200, Seed: 3})
	c := P2P(Options{Cases: 200, Seed: 4})
	for _, l := range []interface{ Validate() error }{a, b, c} {
		if err := l.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(a.Act, b.Act) || !slices.Equal(a.End, b.End) {
		t.Error("the same seed gave different logs")
	}
	if slices.Equal(a.End, c.End) {
		t.Error("different seeds gave the same log")
	}
	if a.NumCases() != 200 || a.Lifecycles.Len() != 2 || !a.Timed {
		t.Errorf("%d cases, %d lifecycle values, timed %v", a.NumCases(), a.Lifecycles.Len(), a.Timed)
	}
}

func TestReplicate(t *testing.T) {
	src := P2P(Options{Cases: 50, Seed: 1})
	big := Replicate(src, 3)
	if err := big.Validate(); err != nil {
		t.Fatal(err)
	}
	if big.NumCases() != 150 || big.NumEvents() != 3*src.NumEvents() {
		t.Fatalf("%d cases, %d events", big.NumCases(), big.NumEvents())
	}
	if big.CaseIDs[50] != src.CaseIDs[0]+"#2" {
		t.Errorf("copy case id %q", big.CaseIDs[50])
	}
	lo, _ := big.Events(50)
	if big.End[lo] <= src.End[len(src.End)-1] {
		t.Error("the second copy does not start after the first ends")
	}
	for c := range src.CaseIDs {
		if big.CaseDuration(c+100) != src.CaseDuration(c) {
			t.Fatalf("case %d: duration changed by the copy", c)
		}
	}
}

package names

import "testing"

func TestKeyAndCheck(t *testing.T) {
	same := [][2]string{
		{"Process Mining Application", "process mining application"},
		{"Process Mining Application", "Ｐｒｏｃｅｓｓ Mining Application"}, // full-width
		{"Straße", "STRASSE"},
		{"ﬁnance", "finance"}, // ligature
		{"Alice", "alice"},
	}
	for _, p := range same {
		if !Same(p[0], p[1]) {
			t.Errorf("%q and %q are not the same name", p[0], p[1])
		}
	}
	if Same("alice", "alicia") {
		t.Error("different names compare the same")
	}
	for _, bad := range []string{"Process Mining Application\u200b", "a\u200db", "\u202eevil", "a\tb", "a\u00a0b", "a\u3000b", "x\ufe0f", "\u3164", "a\u034fb", "a\u2028b", "\U000E0041"} {
		if Check("name", bad) == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	for _, good := range []string{"Sales North", "Équipe Nord", "営業", "R&D – team 2", "Ünit"} {
		if err := Check("name", good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

// TestKeyAsAPageShowsIt: runs of spaces, spaces at the ends and Unicode
// dashes read on a page like one space, nothing and a hyphen.
func TestKeyAsAPageShowsIt(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"System  Administrator", "System Administrator"},
		{" Basic User ", "Basic User"},
		{"Sales\u2010East", "Sales-East"},
		{"Sales\u2014East", "Sales-East"},
		{"Sales\u2212East", "sales-east"},
	} {
		if !Same(c.a, c.b) {
			t.Errorf("%q and %q are not the same name (%q, %q)", c.a, c.b, Key(c.a), Key(c.b))
		}
	}
	if Same("Sales East", "Sales-East") {
		t.Error("a hyphen and a space, which a reader tells apart, are the same name")
	}
}

package erasure

import (
	"testing"

	"github.com/procmine/procmine/internal/privacy"
)

func TestProtectLeavesRoleNamesWhole(t *testing.T) {
	erase := Protect(privacy.NameEraser("maker"), []string{"Maker Team"})
	for _, c := range []struct{ in, want string }{
		{"business unit 1, roles Environment Maker, System Customizer", "business unit 1, roles Environment Maker, System Customizer"},
		{"added maker to Maker Team", "added [erased] to Maker Team"},
		{"maker uploaded maker.csv", "[erased] uploaded [erased].csv"},
		{"ENVIRONMENT MAKER granted to maker", "ENVIRONMENT MAKER granted to [erased]"},
	} {
		got, changed := erase(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("%q: got %q (%v), want %q", c.in, got, changed, c.want)
		}
	}
}

func TestEraseTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tokens := map[string]bool{}
	for _, tok := range privacy.Pseudonyms(key, "Sara Lind") {
		tokens[tok] = true
	}
	sara := privacy.Pseudonyms(key, "sara lind ")[7] // the name kind; case and spaces folded
	other := privacy.Pseudonyms(key, "Ahmed Khan")[7]
	for _, c := range []struct{ in, want string }{
		{sara, "[erased]"},
		{"call " + sara + " and " + other + "[", "call [erased] and " + other + "["},
		{other, other},
		{"[", "["},
	} {
		if got, _ := eraseTokens(c.in, tokens); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

package auth

import (
	"errors"
	"strings"
	"testing"
)

var cheap = Params{Time: 1, Memory: 8 * 1024, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Errorf("hash %q", h)
	}
	if err := CheckPassword("correct horse", h); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := CheckPassword("correct horsE", h); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: %v", err)
	}
	h2, _ := HashPassword("correct horse", cheap)
	if h2 == h {
		t.Error("two hashes of one password share a salt")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=1$!!$AAAA"} {
		if err := CheckPassword("x", bad); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, _ := NewToken("pm_")
	b, _ := NewToken("pm_")
	if a == b || !strings.HasPrefix(a, "pm_") || len(a) != 3+43 {
		t.Errorf("tokens %q %q", a, b)
	}
	first := Digest(a)
	if first == Digest(b) || len(first) != 64 || first != Digest(a) {
		t.Error("digests")
	}
}

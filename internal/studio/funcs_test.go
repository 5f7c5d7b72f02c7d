package studio

import "testing"

func TestCount(t *testing.T) {
	count := plural
	for n, want := range map[int]string{0: "0 cases", 1: "1 case", 2: "2 cases", 1434: "1,434 cases", 262200: "262,200 cases", 1234567: "1,234,567 cases", -1200: "-1,200 cases"} {
		if got := count(n, "case", "cases"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

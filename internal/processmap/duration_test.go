package processmap

import (
	"math"
	"testing"
)

// TestDuration: every duration reads in the unit that suits it, with at
// most one decimal and three significant digits, across each unit's boundaries.
func TestDuration(t *testing.T) {
	const min, hour, day, year = 60, 3600, 86400, 365 * 86400
	for _, tt := range []struct {
		sec  float64
		want string
	}{
		{0, "0 s"},
		{math.Copysign(0, -1), "0 s"},
		{1e-9, "0.000001 ms"},
		{0.0001234, "0.1 ms"},
		{0.00004, "0.04 ms"},
		{0.0008, "0.8 ms"},
		{0.00078, "0.8 ms"}, // never "0.00078 s"
		{0.0125, "12.5 ms"},
		{0.78, "780 ms"},
		{0.9994, "999 ms"},
		{0.9996, "1 s"}, // 999.6 ms rounds to 1000 ms, which is 1 s
		{1, "1 s"},
		{9.876, "9.9 s"},
		{9.96, "10 s"},
		{42, "42 s"},
		{45.26, "45.3 s"},
		{59.94, "59.9 s"},
		{59.96, "1 min"},
		{60, "1 min"},
		{600, "10 min"},
		{750, "12.5 min"},
		{59.98 * min, "1 h"},
		{hour, "1 h"},
		{5400, "1.5 h"},
		{3.2 * hour, "3.2 h"},
		{35.9 * hour, "35.9 h"},
		{47.94 * hour, "47.9 h"},
		{47.96 * hour, "2 d"}, // 48.0 h is two days
		{2 * day, "2 d"},
		{3 * day, "3 d"},
		{4.734 * day, "4.7 d"},
		{123.4 * day, "123 d"},
		{364.9 * day, "1 y"},
		{year, "1 y"},
		{2.1 * year, "2.1 y"},
		{1234.5 * year, "1230 y"},
		{-45, "-45 s"},
		{-0.00078, "-0.8 ms"},
		{-3 * day, "-3 d"},
		{math.NaN(), "–"},
		{math.Inf(1), "∞"},
		{math.Inf(-1), "-∞"},
	} {
		if got := Duration(tt.sec); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

// TestShown: shown is the number Duration writes, in seconds.
func TestShown(t *testing.T) {
	for _, tt := range []struct{ sec, want float64 }{
		{0, 0}, {0.00078, 0.0008}, {0.9996, 1}, {45.26, 45.3}, {59.96, 60}, {750, 750}, {751, 750}, {760, 762}, {47.96 * 3600, 2 * 86400}, {-45.26, -45.3},
	} {
		if got := shown(tt.sec); math.Abs(got-tt.want) > 1e-9*math.Abs(tt.want) {
			t.Errorf("shown(%v) = %v, want %v", tt.sec, got, tt.want)
		}
	}
}

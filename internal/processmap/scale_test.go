package processmap

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// luminance is a colour's relative luminance (WCAG 2).
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if len(hex) != 7 || hex[0] != '#' || err != nil {
		t.Fatalf("%q is not a colour #rrggbb", hex)
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		c := float64(v>>(16-8*i)&0xff) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

// TestPalette: the scale runs from light to dark with no two colours
// alike, and every colour stands out from white as lines must (3:1,
// WCAG 1.4.11), so the fastest paths do not fade away.
func TestPalette(t *testing.T) {
	prev := 2.0
	for _, c := range palette {
		l := luminance(t, c)
		if contrast := 1.05 / (l + 0.05); contrast < 3 {
			t.Errorf("%s: contrast %.2f:1 on white, want 3:1 or more", c, contrast)
		}
		if prev/l < 1.3 {
			t.Errorf("%s is not clearly darker than the colour before it (luminance %.3f after %.3f)", c, l, prev)
		}
		prev = l
	}
	if slices.Contains(palette[:], colourUnscaled) {
		t.Errorf("the colour of arrows without a duration, %s, is on the scale", colourUnscaled)
	}
}

// TestBreaks: the classes are runs of the sorted figures, none empty, and
// a wide gap falls between two classes.
func TestBreaks(t *testing.T) {
	for _, tt := range []struct {
		ys   []float64
		k    int
		want []int
	}{
		{[]float64{1, 2, 3, 1000, 1001}, 2, []int{3, 5}},
		{[]float64{1, 2, 3, 1000, 1001}, 1, []int{5}},
		{[]float64{1, 2, 3, 1000, 1001}, 5, []int{1, 2, 3, 4, 5}},
		{[]float64{1, 1.1, 5, 5.1, 9, 9.1}, 3, []int{2, 4, 6}},
		{[]float64{0, 10}, 2, []int{1, 2}},
	} {
		if got := breaks(tt.ys, tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("breaks(%v, %d) = %v, want %v", tt.ys, tt.k, got, tt.want)
		}
	}
}

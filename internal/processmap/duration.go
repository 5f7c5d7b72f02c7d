package processmap

import (
	"math"
	"strconv"
)

// A unit a duration is written in: its length in seconds, and the value
// from which the next unit takes over.
type unit struct {
	name    string
	seconds float64
	below   float64
}

// units run from the shortest up. Hours go on to 48 before days take
// over, as they always have: "35.9 h" reads better than "1.5 d" for a
// wait of a day and a half, and labels of up to two days keep their form.
var units = []unit{
	{"ms", 1e-3, 1000},
	{"s", 1, 60},
	{"min", 60, 60},
	{"h", 3600, 48},
	{"d", 86400, 365},
	{"y", 365 * 86400, math.Inf(1)},
}

// Duration renders seconds for a label, in the unit that reads best, to
// one decimal at most and three significant digits at most: "0.8 ms",
// "780 ms", "45 s", "12.5 min", "3.2 h", "35.9 h", "4.7 d", "2.1 y". A
// fraction of a millisecond keeps one significant digit ("0.04 ms"). Zero
// is "0 s", a negative duration (a wait where activities overlap) has a
// minus sign, and NaN, which no figure should be, is "–".
func Duration(sec float64) string {
	switch {
	case math.IsNaN(sec):
		return "–"
	case sec < 0:
		return "-" + Duration(-sec)
	case math.IsInf(sec, 1):
		return "∞"
	case sec == 0:
		return "0 s"
	}
	v, u := inUnit(sec)
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + u.name
}

// shown is the duration Duration writes for sec, in seconds: sec rounded
// as Duration rounds it in its unit. The colour scale compares the
// figures a reader sees, so that two edges labelled alike look alike.
func shown(sec float64) float64 {
	if math.IsNaN(sec) || math.IsInf(sec, 0) || sec == 0 {
		return sec
	}
	if sec < 0 {
		return -shown(-sec)
	}
	v, u := inUnit(sec)
	return v * u.seconds
}

// inUnit is a positive, finite sec rounded (figure) in the first unit
// where the rounded value stays below the next unit: 59.97 s rounds to
// 60.0 s, which is 1 min, not "60 s" or "0.999 min".
func inUnit(sec float64) (float64, unit) {
	for _, u := range units {
		raw := sec / u.seconds
		if raw >= u.below {
			continue
		}
		if v := figure(raw); v < u.below {
			return v, u
		}
		// Rounding reached the next unit: the figure is the bound
		// itself, written in the next unit (and rounded only once).
		sec = u.below * u.seconds
	}
	panic("unreachable: the last unit has no bound")
}

// figure rounds a value for a label: one significant digit below 1, one
// decimal below 100, three significant digits from there. Rounding goes
// through the printed form, so that no binary leftover (0.780000001)
// reaches the label.
func figure(v float64) float64 {
	var s string
	switch {
	case v < 1:
		s = strconv.FormatFloat(v, 'g', 1, 64)
	case v < 100:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

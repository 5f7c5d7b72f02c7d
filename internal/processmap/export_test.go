package processmap

// What the tests outside the package (perf_test.go) check the DOT against.
var (
	Palette        = palette[:]
	ColourUnscaled = colourUnscaled
)

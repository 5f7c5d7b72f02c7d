package processmap_test

import (
	"bytes"
	"cmp"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// drawing is what a reader sees of a map's DOT: the label of each
// activity, each arrow with its label and colour, and the legend's rows.
type drawing struct {
	nodes  map[string]string // id → label
	arrows []arrow
	legend []legendRow // nil without a legend
}

type arrow struct{ from, to, label, colour, tooltip string }

type legendRow struct{ colour, text string }

var (
	nodeLine  = regexp.MustCompile(`^  (n\d+) \[label="((?:[^"\\]|\\.)*)"`)
	arrowLine = regexp.MustCompile(`^  (\S+) -> (\S+) \[(.*)\];$`)
	attr      = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
	rowLine   = regexp.MustCompile(`<TD BGCOLOR="(#[0-9a-f]{6})"[^>]*></TD><TD[^>]*><FONT[^>]*>([^<]*)</FONT>`)
)

func parse(t *testing.T, m *processmap.Map) drawing {
	t.Helper()
	var buf bytes.Buffer
	if err := processmap.WriteDOT(&buf, m); err != nil {
		t.Fatal(err)
	}
	d := drawing{nodes: map[string]string{}}
	inLegend := false
	for line := range strings.Lines(buf.String()) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.Contains(line, "label=<"):
			inLegend, d.legend = true, []legendRow{}
		case inLegend && line == "  >];":
			inLegend = false
		case inLegend:
			if r := rowLine.FindStringSubmatch(line); r != nil {
				d.legend = append(d.legend, legendRow{r[1], r[2]})
			}
		case nodeLine.MatchString(line):
			r := nodeLine.FindStringSubmatch(line)
			d.nodes[r[1]] = r[2]
		case arrowLine.MatchString(line):
			r := arrowLine.FindStringSubmatch(line)
			a := arrow{from: r[1], to: r[2]}
			for _, kv := range attr.FindAllStringSubmatch(r[3], -1) {
				switch kv[1] {
				case "label":
					a.label = kv[2]
				case "color":
					a.colour = kv[2]
				case "tooltip":
					a.tooltip = kv[2]
				}
			}
			d.arrows = append(d.arrows, a)
		}
	}
	return d
}

// paths are the arrows between activities, without those from the start
// and to the end.
func (d drawing) paths() []arrow {
	var ps []arrow
	for _, a := range d.arrows {
		if a.from != "start" && a.to != "end" {
			ps = append(ps, a)
		}
	}
	return ps
}

// TestPerformanceView: the performance view of the running example
// names its activities without counts, labels every path with its mean
// duration in a colour of the scale, slower paths in darker colours, and
// has a legend whose rows span exactly the labels drawn in each colour.
func TestPerformanceView(t *testing.T) {
	l := testlog.Read(t, "xes/running-example.xes")
	m, err := processmap.Build(l, processmap.Options{View: processmap.Performance, Activities: 1, Paths: 1})
	if err != nil {
		t.Fatal(err)
	}
	d := parse(t, m)
	if len(d.nodes) != len(m.Nodes) {
		t.Fatalf("%d activities drawn, want %d", len(d.nodes), len(m.Nodes))
	}
	bareCount := regexp.MustCompile(`(^|\\n)\d+(\\n|$)`)
	for id, label := range d.nodes {
		if bareCount.MatchString(label) {
			t.Errorf("%s is labelled with a count: %q", id, label)
		}
	}
	checkScale(t, m, d)
	if len(d.legend) != len(processmap.Palette) {
		t.Errorf("legend %v: want a row for each of the %d colours", d.legend, len(processmap.Palette))
	}
	for _, a := range d.arrows {
		if (a.from == "start" || a.to == "end") && (a.label != "" || a.colour != processmap.ColourUnscaled) {
			t.Errorf("%s -> %s has no duration but is drawn with %q in %s", a.from, a.to, a.label, a.colour)
		}
	}

	// The frequency view keeps its counts and has no legend.
	m.View = processmap.Frequency
	f := parse(t, m)
	if f.legend != nil || !bareCount.MatchString(f.nodes["n0"]) {
		t.Errorf("frequency view: legend %v, first activity %q", f.legend, f.nodes["n0"])
	}
}

// checkScale checks the colours of a map's performance drawing against
// the figures it shows: every labelled path in a colour of the palette,
// never lighter than a faster one, and the legend made of those labels
// only.
func checkScale(t *testing.T, m *processmap.Map, d drawing) {
	t.Helper()
	mean := map[[2]string]float64{}
	for _, e := range m.Edges {
		if e.Mean != nil {
			mean[[2]string{e.Source, e.Target}] = *e.Mean
		}
	}
	name := map[string]string{}
	for i, n := range m.Nodes {
		name["n"+strconv.Itoa(i)] = n.Activity
	}
	type drawn struct {
		sec    float64
		label  string
		colour int
	}
	var ds []drawn
	byColour := map[string][]string{}
	for _, a := range d.paths() {
		sec, ok := mean[[2]string{name[a.from], name[a.to]}]
		if !ok {
			if a.label != "" || a.colour != processmap.ColourUnscaled {
				t.Errorf("%s -> %s has no mean but is drawn with %q in %s", a.from, a.to, a.label, a.colour)
			}
			continue
		}
		if a.label != processmap.Duration(sec) {
			t.Errorf("%s -> %s: label %q, want its mean %q", a.from, a.to, a.label, processmap.Duration(sec))
		}
		i := slices.Index(processmap.Palette, a.colour)
		if i < 0 {
			t.Errorf("%s -> %s: colour %q is not on the scale", a.from, a.to, a.colour)
			continue
		}
		ds = append(ds, drawn{sec, a.label, i})
		byColour[a.colour] = append(byColour[a.colour], a.label)
	}
	slices.SortFunc(ds, func(a, b drawn) int { return cmp.Compare(a.sec, b.sec) })
	for i := 1; i < len(ds); i++ {
		if ds[i].colour < ds[i-1].colour {
			t.Errorf("a path of %s is lighter (colour %d) than one of %s (colour %d)", ds[i].label, ds[i].colour, ds[i-1].label, ds[i-1].colour)
		}
	}
	if len(ds) > 0 && (ds[0].colour != 0 || ds[len(ds)-1].colour != len(processmap.Palette)-1) {
		t.Errorf("the fastest path has colour %d and the slowest %d: want the ends of the scale", ds[0].colour, ds[len(ds)-1].colour)
	}
	// Each row of the legend spans the labels of its colour: from the
	// fastest to the slowest of them, which are figures the map shows.
	for _, r := range d.legend {
		labels := byColour[r.colour]
		if len(labels) == 0 {
			t.Errorf("legend row %q: no path in %s", r.text, r.colour)
			continue
		}
		for _, bound := range strings.Split(r.text, " – ") {
			if !slices.Contains(labels, bound) {
				t.Errorf("legend row %q: %q is not the label of a path in %s (%v)", r.text, bound, r.colour, labels)
			}
		}
	}
	if len(d.legend) > 0 && len(byColour) != len(d.legend) {
		t.Errorf("%d colours drawn, %d in the legend", len(byColour), len(d.legend))
	}
}

func ptr(v float64) *float64 { return &v }

// withheldMap is a reader's map as disclosure control leaves it: two
// paths with their rounded means, one whose mean and median were withheld
// (one case made half its transitions), and one with a median but no
// mean; no minimum, maximum or total anywhere.
func withheldMap() *processmap.Map {
	return &processmap.Map{View: processmap.Performance, Timed: true,
		Nodes: []processmap.Node{{Activity: "Receive", Count: 40, Cases: 40}, {Activity: "Check", Count: 30, Cases: 30}, {Activity: "Approve", Count: 20, Cases: 20}, {Activity: "Escalate", Count: 9, Cases: 9}},
		Edges: []processmap.Edge{
			{Source: "Approve", Target: "Escalate", Count: 9, Cases: 9},
			{Source: "Check", Target: "Approve", Count: 20, Cases: 20, Mean: ptr(7200)},
			{Source: "Check", Target: "Escalate", Count: 6, Cases: 6, Median: ptr(1e6)},
			{Source: "Receive", Target: "Check", Count: 30, Cases: 30, Mean: ptr(45)},
		},
		Start: map[string]int{"Receive": 40}, End: map[string]int{"Approve": 11, "Escalate": 9}}
}

// TestLegendShowsOnlyShownFigures: the scale and its legend are made from
// the means the map shows and from nothing else. A path whose mean
// disclosure control withheld is grey and unlabelled; the legend is the
// same as if the path were not on the map at all; and with fewer than two
// distinct durations shown there is no legend.
func TestLegendShowsOnlyShownFigures(t *testing.T) {
	m := withheldMap()
	d := parse(t, m)
	checkScale(t, m, d)
	want := []legendRow{{processmap.Palette[0], "45 s"}, {processmap.Palette[len(processmap.Palette)-1], "2 h"}}
	if !slices.Equal(d.legend, want) {
		t.Errorf("legend %v, want %v", d.legend, want)
	}
	for _, a := range d.paths() {
		if (a.to == "n3") != strings.HasSuffix(a.tooltip, "no duration shown") {
			t.Errorf("%s -> %s: tooltip %q", a.from, a.to, a.tooltip)
		}
	}
	shownOnly := withheldMap()
	shownOnly.Edges = slices.DeleteFunc(shownOnly.Edges, func(e processmap.Edge) bool { return e.Mean == nil })
	if l := parse(t, shownOnly).legend; !slices.Equal(l, d.legend) {
		t.Errorf("the withheld paths change the legend: %v, without them %v", d.legend, l)
	}

	for _, tt := range []struct {
		name  string
		means []*float64
	}{
		{"no mean shown", []*float64{nil, nil}},
		{"one mean", []*float64{ptr(45), nil}},
		{"two means that read alike", []*float64{ptr(45), ptr(45.04)}},
	} {
		m := withheldMap()
		m.Edges[1].Mean, m.Edges[3].Mean = tt.means[0], tt.means[1]
		d := parse(t, m)
		if d.legend != nil {
			t.Errorf("%s: legend %v", tt.name, d.legend)
		}
		for _, a := range d.paths() {
			if a.label != "" && a.colour != "" {
				t.Errorf("%s: %s -> %s labelled %q is coloured %s with no scale", tt.name, a.from, a.to, a.label, a.colour)
			}
		}
	}
}

// TestPerformanceOddDurations: zero and negative means (activities that
// overlap) take the fastest colours, in order, and the legend writes them.
func TestPerformanceOddDurations(t *testing.T) {
	m := withheldMap()
	m.Edges[0].Mean, m.Edges[1].Mean, m.Edges[2].Mean, m.Edges[3].Mean = ptr(-5), ptr(0), ptr(3), ptr(86400)
	d := parse(t, m)
	checkScale(t, m, d)
	if len(d.legend) != 4 || d.legend[0].text != "-5 s" || d.legend[1].text != "0 s" {
		t.Errorf("legend %v", d.legend)
	}
}

// TestUntimedPerformanceView: a log without timestamps has no durations;
// its performance map is drawn with counts, as the command line says.
func TestUntimedPerformanceView(t *testing.T) {
	m := withheldMap()
	m.Timed = false
	for i := range m.Edges {
		m.Edges[i].Mean, m.Edges[i].Median = nil, nil
	}
	d := parse(t, m)
	if d.legend != nil || d.nodes["n0"] != `Receive\n40` || d.arrows[0].label != "40" {
		t.Errorf("untimed performance map: legend %v, %q, first arrow %+v", d.legend, d.nodes["n0"], d.arrows[0])
	}
}

// TestReaderPerformanceMap: a report reader's map of a real log, through
// disclosure control, is drawn with a legend made of the labels the reader
// sees, as is the map of one who may see everything.
func TestReaderPerformanceMap(t *testing.T) {
	l := testlog.Read(t, "xes/08_receipt.xes.gz")
	for _, reader := range []bool{false, true} {
		m, err := processmap.Build(l, processmap.Options{View: processmap.Performance, Activities: 1, Paths: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		if reader {
			g, err := disclosure.New(disclosure.DefaultK, []byte("key"), "version 1", "instances", l)
			if err != nil {
				t.Fatal(err)
			}
			g.Map(m, &disclosure.Withheld{K: disclosure.DefaultK})
		}
		d := parse(t, m)
		if len(d.legend) != len(processmap.Palette) {
			t.Errorf("reader %v: legend %v", reader, d.legend)
		}
		checkScale(t, m, d)
	}
}

// TestPerformanceSVG lays out the performance map of a real log: the
// legend's title, rows and colours reach the SVG, and the paths are drawn
// in the scale's colours.
func TestPerformanceSVG(t *testing.T) {
	l := testlog.Read(t, "xes/08_receipt.xes.gz")
	m, err := processmap.Build(l, processmap.Options{View: processmap.Performance, Activities: 1, Paths: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := processmap.WriteSVG(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"Mean time between activities", "darker is slower", "Confirmation of receipt"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	for _, c := range processmap.Palette {
		if !strings.Contains(svg, `fill="`+c+`"`) || !strings.Contains(svg, `stroke="`+c+`"`) {
			t.Errorf("%s is not both a legend swatch and a path colour in the SVG", c)
		}
	}
}

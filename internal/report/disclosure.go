package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/conformance/align"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/store"
)

// Reader is what disclosure control needs to answer a report reader: one
// who may read a process's reports but not its raw data (a Process Mining
// User, a viewer, a contributor). Those who may read raw data have none.
type Reader struct {
	K         int
	key       []byte
	scope     string
	query     string
	coarsened bool
}

// ReaderFor prepares disclosure control for a caller without raw-data
// rights on a version: the environment's group size and key, the caller's
// filters widened to whole days and hours, and refused when they name an
// activity or a variant the reader is not shown (Vocabulary). rawEvents
// tells the view of the data the filters apply to (raw events or activity
// instances).
func (e *Engine) ReaderFor(r *http.Request, entry *Entry, rawEvents bool, filters []mining.Filter) (*Reader, []mining.Filter, error) {
	// The question the noise is drawn for is the filters in a canonical
	// form: rewordings that keep the same cases for free (a name given
	// twice, a date before the log begins, a maximum beyond its longest
	// case) ask the same question, so that they cannot be averaged.
	var canonical func([]mining.Filter) []mining.Filter
	if len(filters) > 0 {
		voc, err := e.Vocabulary(r, entry, rawEvents)
		if err != nil {
			return nil, nil, err
		}
		if err := voc.Check(filters); err != nil {
			return nil, nil, err
		}
		canonical = voc.canonical
	}
	return e.readerFor(r, strconv.FormatInt(int64(entry.version), 10), ViewName(rawEvents), filters, canonical)
}

// canonical writes coarsened filters so that those keeping the same
// cases for an evident reason are written alike: lists sorted without
// repeats, a repeated filter once, a time frame or duration bound beyond
// the view's own dropped, top variants no more than the view has. They
// keep what the filters kept.
func (v *Vocabulary) canonical(filters []mining.Filter) []mining.Filter {
	set := func(names []string) []string {
		out := slices.Clone(names)
		slices.Sort(out)
		return slices.Compact(out)
	}
	out := []mining.Filter{}
	seen := map[string]bool{}
	for _, f := range filters {
		switch c := f.(type) {
		case mining.Endpoints:
			c.Start, c.End = set(c.Start), set(c.End)
			f = c
		case mining.Attribute:
			c.Values = set(c.Values)
			f = c
		case mining.VariantSet:
			keys := make([]string, len(c.Seqs))
			for i, seq := range c.Seqs {
				keys[i] = variantKey(seq)
			}
			keys = set(keys)
			c.Seqs = make([][]string, len(keys))
			for i, k := range keys {
				json.Unmarshal([]byte(k), &c.Seqs[i])
			}
			f = c
		case mining.TimeFrame:
			if c.From <= v.first {
				c.From = math.MinInt64
			}
			if c.To >= v.last {
				c.To = math.MaxInt64
			}
			if c.From == math.MinInt64 && c.To == math.MaxInt64 {
				continue // the whole log, in every mode
			}
			f = c
		case mining.DurationRange:
			c.Min = max(c.Min, 0)
			if c.Max >= v.longest {
				c.Max = mining.NoMaxDuration
			}
			if c.Min == 0 && c.Max == mining.NoMaxDuration {
				continue
			}
			f = c
		case mining.TopVariants:
			c.K = min(c.K, v.nvariants)
			f = c
		}
		key := fmt.Sprintf("%#v", f)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, f)
	}
	return out
}

// Vocabulary is what a reader is shown of a version's activities and
// variants with no filter: the activities of at least k cases (those the
// map keeps for a reader) and the variants the guard shows (Variants,
// asked with no filter). A reader's filters, and the saved views offered
// to a reader, may name these only. Naming another, whether the version
// lacks it or withholds it, is refused alike: a reader can neither probe
// for a rare name nor reword a question for free (exclude-variant of a
// sequence no case follows changed the noise's question, not the cases,
// so that averaging took the noise away).
type Vocabulary struct {
	activities map[string]bool
	variants   map[string]bool // by variantKey
	k          int             // the group size it was made for
	// What canonical needs of the view: its first and last time, its
	// longest case, its number of variants.
	first, last, longest int64
	nvariants            int
}

// variantKey is a variant's JSON: names may hold any character, so that a
// joined key would let two sequences collide (a name with a NUL in it
// passed for two shown activities).
func variantKey(seq []string) string {
	b, _ := json.Marshal(seq)
	return string(b)
}

// Vocabulary is the reader's vocabulary of a version's view, computed
// once per version, view and group size.
func (e *Engine) Vocabulary(r *http.Request, entry *Entry, rawEvents bool) (*Vocabulary, error) {
	view := ViewName(rawEvents)
	rd, _, err := e.readerFor(r, strconv.FormatInt(int64(entry.version), 10), view, nil, nil)
	if err != nil {
		return nil, err
	}
	return Keep(e, entry, fmt.Sprintf("reader-vocabulary?view=%s&k=%d", view, rd.K), func(v *Vocabulary) int64 {
		return int64(64 * (len(v.activities) + len(v.variants)))
	}, func() (*Vocabulary, error) {
		l := entry.View(rawEvents)
		v := &Vocabulary{activities: map[string]bool{}, variants: map[string]bool{}, k: rd.K}
		cases := make([]int, l.Activities.Len())
		seen := make([]int, l.Activities.Len())
		for c := range l.CaseIDs {
			lo, hi := l.Events(c)
			for _, a := range l.Act[lo:hi] {
				if seen[a] != c+1 {
					seen[a] = c + 1
					cases[a]++
				}
			}
		}
		v.first, v.last = math.MaxInt64, math.MinInt64
		if l.Timed {
			for e := range l.Act {
				v.first, v.last = min(v.first, l.Start[e]), max(v.last, l.End[e])
			}
			for c := range l.CaseIDs {
				v.longest = max(v.longest, l.CaseDuration(c))
			}
		}
		all := mining.Variants(l)
		v.nvariants = len(all)
		g, withheld, err := rd.Guard(l)
		if err != nil {
			return v, nil // too small for a reader: nothing may be named
		}
		// An activity of at least k cases, on the exact count (the floor
		// under the map's noisy decision): a name near k that the map
		// happens to hide is accepted, which tells the reader it exists
		// (docs/security.md, known limits).
		for a, n := range cases {
			if n >= rd.K {
				v.activities[l.Activities.Name(int32(a))] = true
			}
		}
		for _, x := range g.Variants(all, withheld) {
			v.variants[variantKey(x.Activities)] = true
		}
		return v, nil
	})
}

// Variant tells whether a reader's filters may name the variant seq.
func (v *Vocabulary) Variant(seq []string) bool { return v.variants[variantKey(seq)] }

// Check refuses filters that name an activity or a variant outside the
// vocabulary, with one answer whatever the reason.
func (v *Vocabulary) Check(filters []mining.Filter) error {
	refuse := func(what string) error {
		return response.Errorf(http.StatusUnprocessableEntity, "not_shown",
			fmt.Sprintf("filters may name only the activities and variants the reports show you: %s is not one of them", what))
	}
	acts := func(names ...string) error {
		for _, n := range names {
			if !v.activities[n] {
				return refuse(strconv.Quote(n))
			}
		}
		return nil
	}
	for _, f := range filters {
		var err error
		switch f := f.(type) {
		case mining.Endpoints:
			if err = acts(f.Start...); err == nil {
				err = acts(f.End...)
			}
		case mining.Follows:
			err = acts(f.A, f.B)
		case mining.Attribute:
			if f.Key == "concept:name" {
				err = acts(f.Values...)
			}
		case mining.VariantSet:
			for _, seq := range f.Seqs {
				if !v.variants[variantKey(seq)] {
					err = refuse("the variant " + strings.Join(seq, " → "))
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readerFor prepares a reader on a version (or on recordings, which have
// none): the filters coarsened, then written in canonical form when
// canonical is given (ReaderFor), and the question the noise is drawn for
// made of them, in one way whatever the filters are.
func (e *Engine) readerFor(r *http.Request, version, view string, filters []mining.Filter, canonical func([]mining.Filter) []mining.Filter) (*Reader, []mining.Filter, error) {
	p, key, err := e.policy(r.Context(), request.Environment(r))
	if err != nil {
		return nil, nil, err
	}
	filters, coarsened := disclosure.Coarsen(filters, p.K())
	if canonical != nil {
		filters = canonical(filters)
	}
	// The question, for the noise's second layer: the filters as they
	// apply, whatever words asked for them (Coarsen gives an empty list,
	// never nil, so that no filter and filters that all fall away are
	// the same question).
	query := fmt.Sprintf("%s %#v", view, filters)
	return &Reader{K: p.K(), key: key, scope: "version " + version, query: query, coarsened: coarsened}, filters, nil
}

// Guard checks a view for the reader: nil for those who may read raw
// data, a refusal when the view has fewer than k cases.
func (rd *Reader) Guard(l *eventlog.Log) (*disclosure.Guard, *disclosure.Withheld, error) {
	if rd == nil {
		return nil, nil, nil
	}
	g, err := disclosure.New(rd.K, rd.key, rd.scope, rd.query, l)
	if err != nil {
		return nil, nil, rd.Refusal(err)
	}
	return g, &disclosure.Withheld{K: rd.K, Coarsened: rd.coarsened}, nil
}

// Refusal is the answer to a view the guard refuses.
func (rd *Reader) Refusal(err error) error {
	var few *disclosure.TooFewError
	if errors.As(err, &few) {
		return response.Errorf(http.StatusUnprocessableEntity, "too_few_cases", few.Error())
	}
	return err
}

// Asking is the reader for a question that goes beyond the filters (the
// model a view is replayed on): the same figure under two models must get
// noise of its own under each, or their difference would be exact.
func (rd *Reader) Asking(what string) *Reader {
	if rd == nil {
		return nil
	}
	c := *rd
	c.query += " " + what
	return &c
}

// ReplayQuestion names what a view is replayed on, for asking: the mined
// model with its settings, or the reference model as it stands.
func ReplayQuestion(mn Miner, ref *store.ReferenceModel) string {
	if ref != nil {
		return fmt.Sprintf("replayed on reference %d/%d", ref.Updated.UnixNano(), ref.Size)
	}
	return "replayed on discovered " + MinerQuery(mn).Encode()
}

// ReaderMiner is the miner a reader's model is mined with: the algorithm
// asked for, with its default thresholds. A miner compares its thresholds
// with exact counts of the view, so a reader moving one would read the
// ratio of two counts where it flips the model.
func ReaderMiner(mn Miner) Miner {
	d, _ := MinerFrom(url.Values{"algorithm": {mn.Algorithm}})
	return d
}

// MinCases is the smallest group a map's graph keeps for the reader
// (processmap.NewGraphOf): k, or 0 for those who may read raw data.
func (rd *Reader) MinCases() int {
	if rd == nil {
		return 0
	}
	return rd.K
}

// CacheKey tells answers for readers of different group sizes apart.
func (rd *Reader) CacheKey() string {
	if rd == nil {
		return "raw"
	}
	return fmt.Sprintf("k=%d", rd.K)
}

// KPIs are the key figures of a view: exact for those who may read raw
// data, through the guard for others.
func KPIs(l *eventlog.Log, g *disclosure.Guard) map[string]any {
	rework := mining.ComputeRework(l)
	dfg := mining.ComputeDFG(l)
	activities := 0
	for a, n := range dfg.ActEvents {
		if n > 0 && (g == nil || g.Enough("activity\x00"+dfg.Activities[a], dfg.ActCases[a])) {
			activities++
		}
	}
	variants := len(mining.Variants(l))
	out := map[string]any{
		"cases": l.NumCases(), "events": l.NumEvents(), "activities": activities, "variants": variants,
		"rework_share": rework.ReworkShare, "self_loop_share": rework.SelfLoopShare,
		"mean_case_duration_seconds": nil, "median_case_duration_seconds": nil,
	}
	d := mining.Summarize(mining.CaseDurations(l))
	if g == nil {
		if d != nil && l.Timed {
			out["mean_case_duration_seconds"], out["median_case_duration_seconds"] = d.Mean, d.Median
		}
		return out
	}
	cases := g.Count("cases", l.NumCases())
	out["cases"], out["events"], out["variants"] = cases, g.Amount("events", l.NumEvents()), g.Amount("variants", variants)
	out["activities"] = g.Amount("activities-shown", activities)
	out["rework_share"] = disclosure.Share(float64(g.Amount("rework-cases", rework.CasesWithRework)) / float64(cases))
	out["self_loop_share"] = disclosure.Share(float64(g.Amount("self-loop-cases", rework.CasesWithSelfLoop)) / float64(cases))
	if d != nil && l.Timed {
		out["mean_case_duration_seconds"] = disclosure.Seconds(d.Mean)
		if g.AtLeast("median-cases", l.NumCases(), 2*g.K()) { // a median of few is one case's figure
			out["median_case_duration_seconds"] = disclosure.Seconds(d.Median)
		}
	}
	return out
}

// GuardedMap is a map as a reader receives it, with what was left out.
type GuardedMap struct {
	*processmap.Map
	Disclosure *disclosure.Withheld `json:"disclosure,omitempty"`
}

// GuardMap passes a map through the guard (nothing when g is nil).
func GuardMap(m *processmap.Map, g *disclosure.Guard, w *disclosure.Withheld) GuardedMap {
	if g == nil {
		return GuardedMap{Map: m}
	}
	g.Map(m, w)
	return GuardedMap{Map: m, Disclosure: w}
}

// Histogram is the case-duration histogram of a view; a reader's spans
// the k-th shortest to the k-th longest case, has round bin edges, and no
// bin of fewer than k cases.
func Histogram(l *eventlog.Log, g *disclosure.Guard, w *disclosure.Withheld) []mining.Bin {
	if g == nil {
		return mining.Histogram(mining.CaseDurations(l), HistogramBins)
	}
	ds := mining.CaseDurations(l)
	if !g.AtLeast("histogram", len(ds), 2*g.K()) {
		return []mining.Bin{}
	}
	bins := mining.CoarseHistogram(ds, HistogramBins, g.K())
	g.Bins(bins, w)
	return bins
}

// DurationHistogram is Histogram on the duration ladder
// (mining.LadderHistogram), whose bins show the shape of a skewed
// distribution: the studio's chart. A reader's follows the same rules.
func DurationHistogram(l *eventlog.Log, g *disclosure.Guard, w *disclosure.Withheld) []mining.Bin {
	ds := mining.CaseDurations(l)
	if g == nil {
		return mining.LadderHistogram(ds, 0)
	}
	if !g.AtLeast("histogram", len(ds), 2*g.K()) {
		return []mining.Bin{}
	}
	bins := mining.LadderHistogram(ds, g.K())
	g.Bins(bins, w)
	return bins
}

// Timeline is the events-over-time series of a view in at most n
// buckets; a reader's has buckets of a day or more, none with fewer than
// k cases in progress.
func Timeline(l *eventlog.Log, n int, g *disclosure.Guard, w *disclosure.Withheld) (string, []mining.Bucket) {
	if g == nil {
		return mining.EventsOverTime(l, n)
	}
	bucket, series := mining.EventsOverTimeBy(l, n, "day")
	return bucket, g.Timeline(bucket, series, w)
}

// Variants is the variants of a view; a reader's are those of at least
// k cases.
func Variants(l *eventlog.Log, g *disclosure.Guard, w *disclosure.Withheld) (vs []*mining.Variant, total int) {
	vs = mining.Variants(l)
	if g == nil {
		return vs, len(vs)
	}
	return g.Variants(vs, w), g.Amount("variants", len(vs))
}

// ModelView is the view a model is mined from, or replayed on, for the
// caller: a reader gets only the behaviour at least k cases share (see
// disclosure.Guard.Common), with the guard of the whole view.
func ModelView(l *eventlog.Log, rd *Reader) (*eventlog.Log, *disclosure.Guard, error) {
	g, _, err := rd.Guard(l)
	if err != nil || g == nil {
		return l, nil, err
	}
	common := g.Common(l)
	if common.NumCases() == 0 {
		// The same refusal as a view of too few cases: a sentence of its
		// own would tell that the view's paths are all rarer than k.
		return nil, nil, rd.Refusal(&disclosure.TooFewError{K: rd.K})
	}
	return common, g, nil
}

// GuardReplay passes a replay's figures through the guard: counts with
// noise, and shares and fitness computed from them, to hundredths. Every deviation it reports
// comes from variants of at least k cases (ModelView).
func GuardReplay(res *conformance.Result, g *disclosure.Guard) {
	if g == nil {
		return
	}
	fitness := res.AverageTraceFitness * float64(res.Traces) // summed over traces
	res.Traces = g.Count("replay-traces", res.Traces)
	res.FittingTraces = min(res.Traces, g.Amount("replay-fitting", res.FittingTraces))
	res.Produced, res.Consumed = g.Amount("replay-produced", res.Produced), g.Amount("replay-consumed", res.Consumed)
	res.Missing, res.Remaining = g.Amount("replay-missing", res.Missing), g.Amount("replay-remaining", res.Remaining)
	// The shares are computed from the counts shown, not rounded from the
	// exact ones: a rounded exact share pins the exact counts behind it.
	res.PercentageOfFittingTraces = math.Round(100 * float64(res.FittingTraces) / float64(max(res.Traces, 1)))
	if res.Consumed > 0 && res.Produced > 0 {
		res.LogFitness = disclosure.Share(0.5*(1-min(1, float64(res.Missing)/float64(res.Consumed))) + 0.5*(1-min(1, float64(res.Remaining)/float64(res.Produced))))
	} else {
		res.LogFitness = disclosure.Share(res.LogFitness)
	}
	// The mean of a few traces' fitness moves by a whole trace's part: it
	// is the noisy sum over the traces shown.
	res.AverageTraceFitness = disclosure.Share(max(0, min(1, g.Sum("replay-fitness-sum", fitness)/float64(res.Traces))))
	for i := range res.Activities {
		d := &res.Activities[i]
		a := "\x00" + d.Activity
		d.Events, d.UnfitEvents, d.Cases = g.Amount("replay-events"+a, d.Events), g.Amount("replay-unfit"+a, d.UnfitEvents), g.Amount("replay-cases"+a, d.Cases)
		d.Missing, d.Remaining = g.Amount("replay-missing"+a, d.Missing), g.Amount("replay-remaining"+a, d.Remaining)
	}
	for a, n := range res.NotInModel {
		res.NotInModel[a] = g.Amount("replay-absent\x00"+a, n)
	}
}

// The bounds of one request's alignments: the states a variant's search
// may visit (the caller may ask fewer, or up to AlignBudgetMax), all the
// variants' together, and the precision's prefix search. Past them the
// figures say what was not computed. Layers over a net's numbered
// markings (see align.Options) have bounds of their own, in numbered
// states, which cost some thirty times less: 2 million for one variant
// (34 MB) and 100 million for the request's alignments and again for its
// precision, about 6 s of one core each (BPI Challenge 2012, all its
// variants: 75 million and 51 million).
const (
	AlignBudget     = 100_000
	AlignBudgetMax  = 1_000_000
	alignTotal      = 5_000_000
	layerBudget     = 2_000_000
	layerTotal      = 100_000_000
	precisionBudget = 2_000_000
)

// Align aligns the view's variants against the model (the mined one, or
// the reference model ref) within a request's bounds, in a mining slot,
// and gives the figures as the caller may receive them (g: the view's
// guard from ModelView, nil for exact figures). model names which model,
// for the answer. progress, when not nil, is told how many variants are
// aligned, of how many, from any goroutine (a job reports it).
func (e *Engine) Align(ctx context.Context, l *eventlog.Log, g *disclosure.Guard, mn Miner, ref *store.ReferenceModel, model string, budget int, progress func(done, total int)) (*Alignments, error) {
	var sum *align.Summary
	var prec *align.Precision
	err := e.Mine(ctx, func() error {
		_, net, err := mn.ModelFor(l, ref)
		if err != nil {
			return err
		}
		a, err := align.New(ctx, net)
		if err != nil {
			return ReplayError(err)
		}
		var traces []align.Trace
		for _, v := range mining.Variants(l) {
			traces = append(traces, align.Trace{Activities: v.Activities, Cases: v.Cases})
		}
		if sum, err = a.Log(ctx, traces, align.Options{Budget: budget, Total: alignTotal, LayerBudget: layerBudget, LayerTotal: layerTotal, Workers: 1, Progress: progress}); err != nil {
			return ReplayError(err)
		}
		pb := precisionBudget
		if a.Numbered() {
			pb = layerTotal
		}
		prec, err = a.Precision(ctx, traces, pb)
		if errors.Is(err, align.ErrBudget) {
			prec, err = nil, nil
		}
		if err != nil {
			return ReplayError(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var w *disclosure.Withheld
	if g != nil {
		w = &disclosure.Withheld{K: g.K()}
	}
	return GuardAlignments(model, sum, prec, g, w), nil
}

// Alignments are alignment-based conformance figures as the caller may
// receive them.
type Alignments struct {
	Method              string               `json:"method"`
	Model               string               `json:"model"`
	LogFitness          *float64             `json:"log_fitness"`
	AverageTraceFitness float64              `json:"average_trace_fitness"`
	FittingShare        float64              `json:"fitting_share"`
	Cases               int                  `json:"cases"`
	NotComputedCases    int                  `json:"not_computed_cases"`
	Deviations          []align.Deviation    `json:"deviations"`
	Precision           *float64             `json:"precision"`
	EscapingEdges       []align.EscapingEdge `json:"escaping_edges,omitempty"`
	Disclosure          *disclosure.Withheld `json:"disclosure,omitempty"`
}

// GuardAlignments passes alignment figures through the guard (nil: exact
// figures). The view is ModelView's, so every case is of a variant of at
// least k cases. A reader gets the cases and fitting cases with noise,
// the average trace fitness as a noisy sum over cases (each adds at most
// 1), no log fitness (one case's costs move it by more than the noise),
// deviations only of k cases or more with noisy counts and no move counts
// (a case with many moves would make them), and precision from noisy
// sums of allowed and escaping activities, without the escaping edges.
func GuardAlignments(model string, s *align.Summary, p *align.Precision, g *disclosure.Guard, w *disclosure.Withheld) *Alignments {
	out := &Alignments{Method: "alignments", Model: model, Deviations: []align.Deviation{}}
	if g == nil {
		lf := s.LogFitness
		out.LogFitness, out.AverageTraceFitness, out.FittingShare = &lf, s.AverageTraceFitness, s.FittingShare
		out.Cases, out.NotComputedCases = s.Cases, s.NotComputedCases
		if s.Deviations != nil {
			out.Deviations = s.Deviations
		}
		if p != nil {
			v := p.Value
			out.Precision, out.EscapingEdges = &v, p.Edges
		}
		return out
	}
	fitting := int(math.Round(s.FittingShare * float64(s.Cases)))
	out.Cases = g.Count("align-cases", s.Cases)
	out.NotComputedCases = g.Amount("align-not-computed", s.NotComputedCases)
	out.FittingShare = disclosure.Share(float64(min(out.Cases, g.Amount("align-fitting", fitting))) / float64(max(out.Cases, 1)))
	out.AverageTraceFitness = disclosure.Share(max(0, min(1, g.Sum("align-fitness-sum", s.AverageTraceFitness*float64(s.Cases))/float64(max(out.Cases, 1)))))
	for _, d := range s.Deviations {
		label := "align-deviation\x00" + d.Kind + "\x00" + d.Activity
		if !g.Enough(label, d.Cases) {
			w.Rows++
			continue
		}
		out.Deviations = append(out.Deviations, align.Deviation{Activity: d.Activity, Kind: d.Kind, Cases: g.Count(label, d.Cases)})
	}
	if p != nil && p.Allowed > 0 {
		allowed := g.Amount("align-allowed", p.Allowed)
		escaping := min(g.Amount("align-escaping", p.Escaping), allowed)
		v := disclosure.Share(1 - float64(escaping)/float64(max(allowed, 1)))
		out.Precision = &v
	}
	out.Disclosure = g.Done(w)
	return out
}

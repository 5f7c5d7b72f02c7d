package report

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/compare"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/mining/filterspec"
	"github.com/procmine/procmine/internal/rootcause"
)

// Cohort is one side of a comparison: the source's view under the
// request's own filters and the cohort's (query, filter parameters as a
// query string, named name in messages), and for a reader its guard and
// what it withholds. A reader's cohort goes through the rules of every
// reader's view: no filters on attribute values, filters coarsened, too
// few cases refused.
func (e *Engine) Cohort(r *http.Request, src *Source, query, name string) (*eventlog.Log, *disclosure.Guard, *disclosure.Withheld, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, nil, nil, response.Invalid("%s: the cohort's filters cannot be read as a query string: %v", name, err)
	}
	for k := range q {
		if !slices.Contains(filterspec.Params, k) {
			return nil, nil, nil, response.Invalid("%s: %q is not a filter parameter (%s)", name, k, strings.Join(filterspec.Params, ", "))
		}
	}
	spec, err := filterspec.FromQuery(q)
	var own []mining.Filter
	if err == nil {
		spec.Prefix, spec.Clock = name+".", src.Clock
		own, err = spec.Filters()
	}
	var fe *filterspec.Error
	if errors.As(err, &fe) {
		return nil, nil, nil, response.Invalid("%s", fe.Msg)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if spec.ReadsValues() && !src.RawOK {
		return nil, nil, nil, response.Errorf(http.StatusForbidden, "forbidden", "filters on attribute values need access to the process's data; filter by activity, time or duration instead")
	}
	if spec.TouchesLifecycle() && !src.RawEvents {
		return nil, nil, nil, response.Invalid("%s: filters on lifecycle:transition need raw-events=true", name)
	}
	all := append(slices.Clone(src.Asked), own...)
	if src.Reader == nil {
		l, err := mining.ApplyContext(src.ctx, src.Entry.View(src.RawEvents), all...)
		return l, nil, nil, err
	}
	rd, coarse, err := e.ReaderFor(r, src.Entry, src.RawEvents, all)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := mining.ApplyContext(src.ctx, src.Entry.View(src.RawEvents), coarse...)
	if err != nil {
		return nil, nil, nil, err
	}
	g, w, err := rd.Guard(l)
	return l, g, w, err
}

// Comparison is a comparison as the caller may receive it.
type Comparison struct {
	*compare.Result
	Disclosure *disclosure.Withheld `json:"disclosure,omitempty"`
}

// Compare compares the source's view under cohort a's filters with it
// under b's (query strings of filter parameters), through disclosure
// control for a reader.
func (e *Engine) Compare(r *http.Request, src *Source, a, b string) (*Comparison, error) {
	la, ga, withheld, err := e.Cohort(r, src, a, "a")
	if err != nil {
		return nil, err
	}
	lb, gb, _, err := e.Cohort(r, src, b, "b")
	if err != nil {
		return nil, err
	}
	k := 1
	if ga != nil {
		k = ga.K()
	}
	res, err := compare.Compare(r.Context(), la, lb, compare.Options{MinCases: k, Clock: src.Clock})
	var few *compare.ErrTooFew
	if errors.As(err, &few) {
		return nil, response.Errorf(http.StatusUnprocessableEntity, "too_few_cases", few.Error())
	}
	if err != nil {
		return nil, err
	}
	out := &Comparison{Result: res}
	if ga != nil {
		disclosure.Comparison(ga, gb, res, withheld)
		out.Disclosure = ga.Done(withheld)
	}
	return out, nil
}

// RootCauses is a root-cause analysis as the caller may receive it.
type RootCauses struct {
	*rootcause.Result
	Disclosure *disclosure.Withheld `json:"disclosure,omitempty"`
}

// RootCause finds what goes with the outcome in the source's view; a
// reader gets it over activities only, through disclosure control, and
// learns neither the counts of a view too small for it nor whether a rare
// activity exists.
func (e *Engine) RootCause(src *Source, o rootcause.Outcome, opt rootcause.Options) (*RootCauses, error) {
	run := opt
	run.Clock = src.Clock
	if src.Reader != nil {
		run.MinCases, run.ActivitiesOnly, run.Factors = src.Reader.K, true, rootcause.MaxFactors
		// A reader's threshold is whole hours, as its duration filters
		// are: thresholds a minute apart would tell which cases lie
		// between them.
		if o.Kind == "duration" {
			o.Threshold = max(o.Threshold.Truncate(time.Hour), time.Hour)
			o.Text = "duration>" + strconv.Itoa(int(o.Threshold.Hours())) + "h"
		}
	}
	l, err := src.Log()
	if err != nil {
		return nil, err
	}
	// The outcome is part of the question: two outcomes that select the
	// same cases still answer differently, so that comparing answers
	// for equality does not tell whether a case crossed the threshold.
	g, withheld, err := src.Reader.Asking("root-cause " + o.Text).Guard(l)
	if err != nil {
		return nil, err
	}
	res, err := rootcause.Analyze(src.ctx, l, o, run)
	var few *rootcause.TooFewError
	switch {
	case g != nil && (errors.As(err, &few) || errors.Is(err, rootcause.ErrNoActivity)):
		return nil, src.Reader.Refusal(&disclosure.TooFewError{K: g.K()})
	case errors.As(err, &few):
		return nil, response.Errorf(http.StatusUnprocessableEntity, "too_few_cases", few.Error())
	case errors.Is(err, rootcause.ErrNoActivity):
		return nil, response.Invalid("outcome: %v", err)
	case err != nil:
		if src.ctx.Err() != nil {
			return nil, err
		}
		return nil, response.Invalid("%v", err)
	}
	out := &RootCauses{Result: res}
	if g != nil {
		// The outcome's noise is named by the cases that have it.
		mac := sha256.New()
		var n [8]byte
		for c, has := range res.Outcomes() {
			if has {
				binary.LittleEndian.PutUint64(n[:], uint64(len(l.CaseIDs[c])))
				mac.Write(n[:])
				mac.Write([]byte(l.CaseIDs[c]))
			}
		}
		if err := g.RootCause(res, hex.EncodeToString(mac.Sum(nil)), max(opt.Factors, 1), withheld); err != nil {
			return nil, src.Reader.Refusal(err)
		}
		out.Disclosure = g.Done(withheld)
	}
	return out, nil
}

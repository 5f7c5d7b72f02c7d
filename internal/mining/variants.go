package mining

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/procmine/procmine/internal/eventlog"
)

// Variant is a distinct sequence of activities and the cases that follow it.
type Variant struct {
	Activities []string `json:"activities"`
	Cases      int      `json:"cases"`
	// Share is Cases divided by all cases.
	Share float64 `json:"share"`
	// MeanDuration is the mean case duration in seconds, nil when untimed.
	MeanDuration *float64 `json:"mean_duration_seconds,omitempty"`

	seq   []int32
	first int     // index of the first case with this variant
	sum   float64 // summed durations, ns
	// CaseIndexes are the cases of this variant, in log order.
	CaseIndexes []int32 `json:"-"`
}

// Seq is the variant's activities, by id.
func (v *Variant) Seq() []int32 { return v.seq }

// Variants groups cases by their activity sequence, most frequent first;
// ties are broken by the order in which variants first occur in the log.
func Variants(l *eventlog.Log) []*Variant {
	index := map[string]*Variant{}
	var list []*Variant
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		seq := l.Act[lo:hi]
		v, ok := index[seqKey(seq)]
		if !ok {
			v = &Variant{seq: seq, first: c}
			index[string(seqBytes(seq))] = v
			list = append(list, v)
		}
		v.Cases++
		v.CaseIndexes = append(v.CaseIndexes, int32(c))
		if l.Timed {
			v.sum += float64(l.CaseDuration(c))
		}
	}
	slices.SortStableFunc(list, func(a, b *Variant) int {
		return cmp.Compare(b.Cases, a.Cases)
	})
	for _, v := range list {
		v.Activities = make([]string, len(v.seq))
		for i, a := range v.seq {
			v.Activities[i] = l.Activities.Name(a)
		}
		v.Share = float64(v.Cases) / float64(l.NumCases())
		if l.Timed {
			m := v.sum / float64(v.Cases) / 1e9
			v.MeanDuration = &m
		}
	}
	return list
}

// seqBytes views a sequence of activity ids as bytes, to key a map.
func seqBytes(seq []int32) []byte {
	if len(seq) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&seq[0])), 4*len(seq))
}

// TraceKey is a sequence of activity ids as a string, four bytes an id,
// to key a map of traces with (a copy: it may be kept).
func TraceKey(seq []int32) string { return string(seqBytes(seq)) }

// seqKey returns a string key for a lookup; the compiler does not allocate
// for a map index by string(bytes).
func seqKey(seq []int32) string { return unsafe.String(unsafe.SliceData(seqBytes(seq)), 4*len(seq)) }

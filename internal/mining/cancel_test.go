package mining

import (
	"context"
	"errors"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// counting is a filter that counts its passes and keeps everything; with
// cancel, the first pass ends the context, as a client going away while
// the filters run.
type counting struct {
	passes *int
	cancel context.CancelFunc
}

func (f counting) Apply(l *eventlog.Log) *eventlog.Log {
	*f.passes++
	if f.cancel != nil {
		f.cancel()
	}
	return l
}

// TestAttack4DroppedReportStopsWorking: a report's filters ran to the end
// after its client went away (eight requests dropped after 50 ms still
// burned 30 CPU-seconds). ApplyContext stops before the next filter once
// the context ends, and says why.
func TestAttack4DroppedReportStopsWorking(t *testing.T) {
	l := logOf(t, sample...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	passes := 0
	filters := []Filter{Follows{A: "a", B: "c"}, counting{passes: &passes, cancel: cancel}}
	for range 99 {
		filters = append(filters, Follows{A: "a", B: "b", Exclude: true}, counting{passes: &passes})
	}
	out, err := ApplyContext(ctx, l, filters...)
	if !errors.Is(err, context.Canceled) || out != nil {
		t.Errorf("filters whose context ended: %v, %v", out, err)
	}
	if passes != 1 {
		t.Errorf("%d filter passes after the context ended, want none", passes-1)
	}
	passes = 0
	done, err := ApplyContext(context.Background(), l, filters[2:]...)
	if err != nil || passes != 99 || done.NumCases() != Apply(l, filters[2:]...).NumCases() {
		t.Errorf("with a live context: %d passes, %v", passes, err)
	}
}

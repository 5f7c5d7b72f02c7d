package xes

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
)

// SameLog fails the test unless a and b hold the same cases and events,
// with the same times, resources, lifecycles and attributes.
func SameLog(t *testing.T, a, b *eventlog.Log) {
	t.Helper()
	if a.NumCases() != b.NumCases() || a.NumEvents() != b.NumEvents() {
		t.Fatalf("%d cases %d events, then %d cases %d events", a.NumCases(), a.NumEvents(), b.NumCases(), b.NumEvents())
	}
	for c := range a.CaseIDs {
		if a.CaseIDs[c] != b.CaseIDs[c] {
			t.Fatalf("case %d: id %q, then %q", c, a.CaseIDs[c], b.CaseIDs[c])
		}
		if !reflect.DeepEqual(a.CaseAttrs.Of(int32(c)), b.CaseAttrs.Of(int32(c))) {
			t.Fatalf("case %q: attributes %+v, then %+v", a.CaseIDs[c], a.CaseAttrs.Of(int32(c)), b.CaseAttrs.Of(int32(c)))
		}
	}
	for e := range a.Act {
		if a.ActivityName(e) != b.ActivityName(e) || a.End[e] != b.End[e] || a.Start[e] != b.Start[e] ||
			a.ResourceName(e) != b.ResourceName(e) || a.LifecycleName(e) != b.LifecycleName(e) {
			t.Fatalf("event %d: %q %d %d %q %q, then %q %d %d %q %q", e,
				a.ActivityName(e), a.Start[e], a.End[e], a.ResourceName(e), a.LifecycleName(e),
				b.ActivityName(e), b.Start[e], b.End[e], b.ResourceName(e), b.LifecycleName(e))
		}
		if !reflect.DeepEqual(a.EventAttrs.Of(int32(e)), b.EventAttrs.Of(int32(e))) {
			t.Fatalf("event %d: attributes %+v, then %+v", e, a.EventAttrs.Of(int32(e)), b.EventAttrs.Of(int32(e)))
		}
	}
}

// roundTrip writes l as XES, reads it back and checks nothing changed.
func roundTrip(t *testing.T, l *eventlog.Log) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, l); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf, "back.xes", Options{})
	if err != nil {
		t.Fatalf("cannot read what was written: %v\n%s", err, buf.Bytes())
	}
	SameLog(t, l, back)
}

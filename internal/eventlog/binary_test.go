package eventlog

import (
	"reflect"
	"testing"
)

func TestBinaryRoundTrip(t *testing.T) {
	l := build(
		event{c: "2", act: "x", life: "start", t: 5},
		event{c: "1", act: "b", t: 20},
		event{c: "2", act: "x", life: "complete", t: 7},
	)
	l.CaseAttrs.Add(0, Attr{Key: "k", Value: IntValue(3), Children: []Attr{{Key: "c", Value: StringValue("v")}}})
	l.EventAttrs.Add(1, Attr{Key: "cost", Value: FloatValue(2.5)})
	data, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Log
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.CaseIDs, l.CaseIDs) || !reflect.DeepEqual(back.Act, l.Act) || !reflect.DeepEqual(back.End, l.End) ||
		back.HasStarts() || back.LifecycleName(0) != "start" || back.ActivityName(2) != "b" {
		t.Errorf("round trip changed the log")
	}
	if v, _ := back.CaseAttrs.Get(0, "k"); v.Num != 3 || len(back.CaseAttrs.Of(0)[0].Children) != 1 {
		t.Errorf("case attribute %+v", back.CaseAttrs.Of(0))
	}
	if v, _ := back.EventAttrs.Get(1, "cost"); v.Float() != 2.5 {
		t.Errorf("event attribute %v", v)
	}
	if err := back.UnmarshalBinary(data[:len(data)/2]); err == nil {
		t.Error("a cut encoding decoded")
	}
}

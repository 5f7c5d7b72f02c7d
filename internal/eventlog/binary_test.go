package eventlog

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"strconv"
	"testing"
)

// sample is a small log with something in every part of the stored form:
// starts of their own, lifecycles, a resource, nested case and event
// attributes of several kinds, metadata and a warning.
func sample() *Log {
	l := build(
		event{c: "2", act: "x", life: "start", t: 5},
		event{c: "1", act: "b", t: 20},
		event{c: "2", act: "x", life: "complete", t: 7},
	)
	l.Start = append([]int64(nil), l.End...)
	l.Start[0] = 1
	l.Res[1] = l.Resources.ID("Ann")
	l.CaseAttrs.Add(0, Attr{Key: "k", Value: IntValue(3), Children: []Attr{{Key: "c", Value: StringValue("v"), Children: []Attr{{Key: "d", Value: BoolValue(true)}}}}})
	l.CaseAttrs.Add(1, Attr{Key: "k", Value: StringValue("")})
	l.EventAttrs.Add(1, Attr{Key: "cost", Value: FloatValue(2.5)})
	l.EventAttrs.Add(2, Attr{Key: "cost", Value: FloatValue(-1)})
	l.Meta = Meta{Attrs: []Attr{{Key: "concept:name", Value: StringValue("sample")}},
		Extensions:  []Extension{{Name: "Concept", Prefix: "concept", URI: "http://www.xes-standard.org/concept.xesext"}},
		Globals:     []Global{{Scope: "trace", Attrs: []Attr{{Key: "concept:name", Value: StringValue("UNKNOWN")}}}, {Scope: "event"}},
		Classifiers: []Classifier{{Name: "Activity", Keys: "concept:name"}}}
	l.Warnings = []string{"a warning"}
	return l
}

// same reports whether two logs hold the same: dictionaries, columns,
// attributes, metadata and flags.
func same(a, b *Log) bool {
	return reflect.DeepEqual(a.Activities.Names(), b.Activities.Names()) && reflect.DeepEqual(a.Resources.Names(), b.Resources.Names()) &&
		reflect.DeepEqual(a.Lifecycles.Names(), b.Lifecycles.Names()) && reflect.DeepEqual(a.CaseIDs, b.CaseIDs) &&
		reflect.DeepEqual(a.CaseOffsets, b.CaseOffsets) && reflect.DeepEqual(a.Act, b.Act) && reflect.DeepEqual(a.End, b.End) &&
		reflect.DeepEqual(a.Start, b.Start) && reflect.DeepEqual(a.Res, b.Res) && reflect.DeepEqual(a.Life, b.Life) &&
		a.HasStarts() == b.HasStarts() && reflect.DeepEqual(a.CaseAttrs, b.CaseAttrs) && reflect.DeepEqual(a.EventAttrs, b.EventAttrs) &&
		reflect.DeepEqual(a.Meta, b.Meta) && a.Timed == b.Timed && a.Merged == b.Merged && reflect.DeepEqual(a.Warnings, b.Warnings)
}

// marshalVersion1 is MarshalBinary as procmine wrote it before the
// columnar form: stored versions in databases are still in it.
func marshalVersion1(l *Log) []byte {
	s := stored{Version: 1, Activities: l.Activities.Names(), Resources: l.Resources.Names(), Lifecycle: l.Lifecycles.Names(),
		CaseIDs: l.CaseIDs, CaseOffsets: l.CaseOffsets, CaseAttrOwners: l.CaseAttrs.owner, CaseAttrs: l.CaseAttrs.attrs,
		Act: l.Act, End: l.End, Res: l.Res, Life: l.Life, EventAttrOwners: l.EventAttrs.owner, EventAttrs: l.EventAttrs.attrs,
		Meta: l.Meta, Timed: l.Timed, Merged: l.Merged, Warnings: l.Warnings}
	if l.HasStarts() {
		s.Start = l.Start
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TestStoredFormKeepsEverything: the columnar form gives back every part
// of the log, encodes the decoded log to the same bytes, and a log
// stored in the gob form of before reads the same.
func TestStoredFormKeepsEverything(t *testing.T) {
	// sample, and a log whose starts are its ends (the stored form
	// keeps one column of times for both).
	plain := build(event{c: "2", act: "x", life: "start", t: 5}, event{c: "1", act: "b", t: 20}, event{c: "2", act: "x", life: "complete", t: 7})
	plain.CaseAttrs.Add(0, Attr{Key: "k", Value: IntValue(3)})
	var back, old Log
	for _, l := range []*Log{sample(), plain} {
		data, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := back.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if !same(l, &back) {
			t.Errorf("the round trip changed the log:\n%+v\n%+v", l, &back)
		}
		if again, _ := back.MarshalBinary(); !bytes.Equal(again, data) {
			t.Error("the decoded log encodes to other bytes")
		}
		if err := old.UnmarshalBinary(marshalVersion1(l)); err != nil || !same(l, &old) {
			t.Errorf("a log stored in version 1: %v", err)
		}
		v2, _ := marshalForm(l, true)
		if err := old.UnmarshalBinary(v2); err != nil || !same(l, &old) || len(v2) <= len(data) {
			t.Errorf("a log stored in version 2 (%d bytes, now %d): %v", len(v2), len(data), err)
		}
	}
	// Ids at the edges of what one and two bytes hold keep their value.
	wide := build(event{c: "1", act: "a", t: 1}, event{c: "1", act: "b", t: 2})
	for i := range 70000 {
		wide.Resources.ID(strconv.Itoa(i))
	}
	for _, res := range [][2]int32{{254, None}, {65534, 255}, {65535, 0}} {
		wide.Res[0], wide.Res[1] = res[0], res[1]
		enc, _ := wide.MarshalBinary()
		if err := old.UnmarshalBinary(enc); err != nil || old.Res[0] != res[0] || old.Res[1] != res[1] {
			t.Errorf("resource ids %v: %v, %v", res, err, old.Res)
		}
	}
	data, _ := sample().MarshalBinary()
	// A cut or lengthened encoding, and one whose ids leave their
	// dictionary, are refused.
	for i := len(columnarMagic); i < len(data); i++ {
		if err := back.UnmarshalBinary(data[:i]); err == nil {
			t.Fatalf("cut at %d of %d bytes: decoded", i, len(data))
		}
	}
	if err := back.UnmarshalBinary(append(bytes.Clone(data), 0)); err == nil {
		t.Error("a byte after the log: decoded")
	}
	bad := sample()
	bad.Act[0] = 7
	if enc, _ := bad.MarshalBinary(); back.UnmarshalBinary(enc) == nil {
		t.Error("an activity id outside the dictionary: decoded")
	}
}

// FuzzUnmarshalBinary: whatever the bytes, decoding returns an error or a
// log that validates and encodes to a form that decodes to the same;
// never a panic or an allocation past the input's size.
func FuzzUnmarshalBinary(f *testing.F) {
	data, _ := sample().MarshalBinary()
	f.Add(data)
	f.Add(marshalVersion1(sample()))
	v2, _ := marshalForm(sample(), true)
	f.Add(v2)
	small, _ := build(event{c: "1", act: "a", t: 1}).MarshalBinary()
	f.Add(small)
	f.Fuzz(func(t *testing.T, data []byte) {
		var l Log
		if err := l.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Log
		if err := back.UnmarshalBinary(again); err != nil || !same(&l, &back) {
			t.Fatalf("a decoded log does not round-trip: %v", err)
		}
	})
}

// TestAppendBinary: BinarySize is the stored form's length, and
// AppendBinary writes the stored form after what b holds, into b's own
// memory when b has room for it.
func TestAppendBinary(t *testing.T) {
	var many []event
	for i := range 70000 { // ids of more than one byte, and of more than two
		many = append(many, event{c: fmt.Sprint(i % 9000), act: fmt.Sprint("a", i%300), life: []string{"start", "complete"}[i%2], t: int64(i)})
	}
	for name, l := range map[string]*Log{"sample": sample(), "small": build(event{c: "1", act: "a", t: 1}), "many": build(many...)} {
		data, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		n, err := l.BinarySize()
		if err != nil || n != len(data) {
			t.Errorf("%s: BinarySize %d, %v; the stored form is %d bytes", name, n, err, len(data))
		}
		prefix := []byte("room")
		b := make([]byte, len(prefix), len(prefix)+n)
		copy(b, prefix)
		out, err := l.AppendBinary(b)
		if err != nil || !bytes.Equal(out[:len(prefix)], prefix) || !bytes.Equal(out[len(prefix):], data) {
			t.Errorf("%s: AppendBinary does not append the stored form (%v)", name, err)
		}
		if &out[0] != &b[0] {
			t.Errorf("%s: AppendBinary copied a buffer that had room", name)
		}
	}
}

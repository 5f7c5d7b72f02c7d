package eventlog

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// binaryVersion is the version of the gob encoding procmine stored logs
// in before the columnar form (columnar.go); such logs are still read.
const binaryVersion = 1

// stored is a Log as version 1 encoded it (gob over its columns).
type stored struct {
	Version                          int
	Activities, Resources, Lifecycle []string
	CaseIDs                          []string
	CaseOffsets                      []int32
	CaseAttrOwners                   []int32
	CaseAttrs                        []Attr
	Act                              []int32
	End                              []int64
	Start                            []int64 // nil when starts alias ends
	Res, Life                        []int32
	EventAttrOwners                  []int32
	EventAttrs                       []Attr
	Meta                             Meta
	Timed, Merged                    bool
	Warnings                         []string
}

// MarshalBinary encodes the log in its stored form: its columns as they
// are in memory (see columnar.go).
func (l *Log) MarshalBinary() ([]byte, error) { return marshalColumnar(l) }

// UnmarshalBinary decodes MarshalBinary's output, or the gob encoding of
// procmine before it, and checks it.
func (l *Log) UnmarshalBinary(data []byte) error {
	if bytes.HasPrefix(data, columnarMagic) || bytes.HasPrefix(data, columnarMagic2) {
		if err := unmarshalColumnar(l, data); err != nil {
			*l = Log{}
			return err
		}
		return l.Validate()
	}
	var s stored
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return fmt.Errorf("eventlog: stored log: %w", err)
	}
	if s.Version != binaryVersion {
		return fmt.Errorf("eventlog: stored log version %d, this procmine reads %d", s.Version, binaryVersion)
	}
	dict := func(names []string) *Dict {
		d := NewDict()
		for _, n := range names {
			d.ID(n)
		}
		return d
	}
	*l = Log{
		Activities: dict(s.Activities), Resources: dict(s.Resources), Lifecycles: dict(s.Lifecycle),
		CaseIDs: s.CaseIDs, CaseOffsets: s.CaseOffsets,
		CaseAttrs: AttrTable{owner: s.CaseAttrOwners, attrs: s.CaseAttrs},
		Act:       s.Act, End: s.End, Start: s.Start, Res: s.Res, Life: s.Life,
		EventAttrs: AttrTable{owner: s.EventAttrOwners, attrs: s.EventAttrs},
		Meta:       s.Meta, Timed: s.Timed, Merged: s.Merged, Warnings: s.Warnings,
	}
	if l.Start == nil {
		l.Start = l.End
	}
	if l.CaseOffsets == nil {
		l.CaseOffsets = []int32{0}
	}
	return l.Validate()
}

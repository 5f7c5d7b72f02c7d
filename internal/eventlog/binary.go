package eventlog

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// binaryVersion is bumped when the encoding changes.
const binaryVersion = 1

// stored is the Log as encoded: columns and dictionaries as they are, so
// that loading a stored log is copying, never parsing.
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

// MarshalBinary encodes the log compactly (encoding/gob over its columns).
func (l *Log) MarshalBinary() ([]byte, error) {
	s := stored{
		Version:    binaryVersion,
		Activities: l.Activities.Names(), Resources: l.Resources.Names(), Lifecycle: l.Lifecycles.Names(),
		CaseIDs: l.CaseIDs, CaseOffsets: l.CaseOffsets,
		CaseAttrOwners: l.CaseAttrs.owner, CaseAttrs: l.CaseAttrs.attrs,
		Act: l.Act, End: l.End, Res: l.Res, Life: l.Life,
		EventAttrOwners: l.EventAttrs.owner, EventAttrs: l.EventAttrs.attrs,
		Meta: l.Meta, Timed: l.Timed, Merged: l.Merged, Warnings: l.Warnings,
	}
	if l.HasStarts() {
		s.Start = l.Start
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes MarshalBinary's output and checks it.
func (l *Log) UnmarshalBinary(data []byte) error {
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

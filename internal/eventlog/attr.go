package eventlog

import (
	"iter"
	"math"
	"slices"
	"strconv"
)

// Kind is the type of an attribute value, after the XES standard's types.
type Kind uint8

// The attribute kinds. List and Container hold their members as children.
const (
	KindString Kind = iota
	KindDate
	KindInt
	KindFloat
	KindBool
	KindID
	KindList
	KindContainer
)

var kindNames = [...]string{"string", "date", "int", "float", "boolean", "id", "list", "container"}

// String returns the XES element name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// KindOf maps an XES element name to a Kind.
func KindOf(name string) (Kind, bool) {
	for i, n := range kindNames {
		if n == name {
			return Kind(i), true
		}
	}
	return 0, false
}

// Value is one typed attribute value. Str holds strings and ids; Num holds
// dates (Unix nanoseconds), ints, booleans (0 or 1) and floats (as their
// IEEE 754 bits).
type Value struct {
	Kind Kind
	Str  string
	Num  int64
}

// StringValue, IntValue, FloatValue, BoolValue and DateValue build values.
func StringValue(s string) Value { return Value{Kind: KindString, Str: s} }

// IntValue returns an int value.
func IntValue(n int64) Value { return Value{Kind: KindInt, Num: n} }

// FloatValue returns a float value.
func FloatValue(f float64) Value { return Value{Kind: KindFloat, Num: int64(math.Float64bits(f))} }

// BoolValue returns a boolean value.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: KindBool, Num: 1}
	}
	return Value{Kind: KindBool}
}

// DateValue returns a date value from Unix nanoseconds.
func DateValue(ns int64) Value { return Value{Kind: KindDate, Num: ns} }

// Float returns the value of a float attribute.
func (v Value) Float() float64 { return math.Float64frombits(uint64(v.Num)) }

// String renders the value as text, the way it is written to XES and CSV.
func (v Value) String() string {
	switch v.Kind {
	case KindDate:
		return FormatTime(v.Num)
	case KindInt:
		return strconv.FormatInt(v.Num, 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.Num != 0)
	case KindList, KindContainer:
		return ""
	default:
		return v.Str
	}
}

// ParseValue reads the text of an attribute of the given kind.
func ParseValue(k Kind, s string) (Value, error) {
	switch k {
	case KindDate:
		ns, ok := ParseTime(s)
		if !ok {
			return Value{}, strconv.ErrSyntax
		}
		return DateValue(ns), nil
	case KindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Value{}, err
		}
		return IntValue(n), nil
	case KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return Value{}, err
		}
		return FloatValue(f), nil
	case KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Value{}, err
		}
		return BoolValue(b), nil
	case KindList, KindContainer:
		return Value{Kind: k}, nil
	default:
		return Value{Kind: k, Str: s}, nil
	}
}

// Attr is a named attribute. XES allows attributes inside attributes (meta
// attributes, lists and containers); they are kept as Children.
type Attr struct {
	Key      string
	Value    Value
	Children []Attr
}

// AttrTable holds the extra attributes of events or cases: the ones the
// model has no column for. It is sparse: owners without extras cost nothing.
// Owner indexes are ascending.
type AttrTable struct {
	owner []int32
	attrs []Attr
}

// Add appends an attribute of owner, which must not be less than the last
// owner added.
func (t *AttrTable) Add(owner int32, a Attr) {
	t.owner = append(t.owner, owner)
	t.attrs = append(t.attrs, a)
}

// grow makes room for n more attributes.
func (t *AttrTable) grow(n int) {
	t.owner = slices.Grow(t.owner, n)
	t.attrs = slices.Grow(t.attrs, n)
}

// trim drops the slack capacity that appending left.
func (t *AttrTable) trim() {
	if cap(t.attrs) > len(t.attrs)+len(t.attrs)/16 {
		t.owner = slices.Clone(t.owner)
		t.attrs = slices.Clone(t.attrs)
	}
}

// Len is the number of attributes stored.
func (t *AttrTable) Len() int { return len(t.attrs) }

// ownedWithin reports whether every attribute has an owner, below n, in
// ascending order.
func (t *AttrTable) ownedWithin(n int) bool {
	if len(t.owner) != len(t.attrs) {
		return false
	}
	for i, o := range t.owner {
		if o < 0 || int(o) >= n || i > 0 && o < t.owner[i-1] {
			return false
		}
	}
	return true
}

// Of returns the attributes of owner. The result must not be modified.
func (t *AttrTable) Of(owner int32) []Attr {
	lo, hi := t.span(owner)
	return t.attrs[lo:hi]
}

// Get returns owner's attribute named key.
func (t *AttrTable) Get(owner int32, key string) (Value, bool) {
	for _, a := range t.Of(owner) {
		if a.Key == key {
			return a.Value, true
		}
	}
	return Value{}, false
}

func (t *AttrTable) span(owner int32) (int, int) {
	// Binary search for the first index with owner >= owner.
	lo, hi := 0, len(t.owner)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.owner[m] < owner {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(t.owner) && t.owner[end] == owner {
		end++
	}
	return lo, end
}

// All yields every attribute with its owner, in owner order.
func (t *AttrTable) All() iter.Seq2[int32, Attr] {
	return func(yield func(int32, Attr) bool) {
		for i, a := range t.attrs {
			if !yield(t.owner[i], a) {
				return
			}
		}
	}
}

// Keys returns the distinct attribute keys in first-seen order.
func (t *AttrTable) Keys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, a := range t.attrs {
		if !seen[a.Key] {
			seen[a.Key] = true
			keys = append(keys, a.Key)
		}
	}
	return keys
}

// remap returns a table whose owners are renumbered by newIndex (-1 drops
// the owner's attributes), kept in ascending owner order.
func (t *AttrTable) remap(newIndex func(old int32) int32, owners int) AttrTable {
	if len(t.attrs) == 0 {
		return AttrTable{}
	}
	// Counting sort by new owner keeps each owner's attributes in order.
	counts := make([]int32, owners+1)
	news := make([]int32, len(t.owner))
	for i, o := range t.owner {
		n := newIndex(o)
		news[i] = n
		if n >= 0 {
			counts[n+1]++
		}
	}
	for i := 1; i <= owners; i++ {
		counts[i] += counts[i-1]
	}
	total := counts[owners]
	out := AttrTable{owner: make([]int32, total), attrs: make([]Attr, total)}
	for i, n := range news {
		if n < 0 {
			continue
		}
		p := counts[n]
		counts[n]++
		out.owner[p] = n
		out.attrs[p] = t.attrs[i]
	}
	return out
}

// Retype gives each string attribute the kind that kind returns for its
// key, where its text parses as one (a reader of untyped text learns the
// types only once it has read every value).
func (t *AttrTable) Retype(kind func(key string) Kind) {
	for i := range t.attrs {
		a := &t.attrs[i]
		if a.Value.Kind != KindString {
			continue
		}
		if k := kind(a.Key); k != KindString {
			if v, err := ParseValue(k, a.Value.Str); err == nil {
				a.Value = v
			}
		}
	}
}

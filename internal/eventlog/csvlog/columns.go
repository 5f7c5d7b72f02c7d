package csvlog

import (
	"strconv"

	"github.com/procmine/procmine/internal/eventlog"
)

// column buffers one attribute column's text until its type is known.
type column struct {
	index  int
	key    string
	owners []int32
	values []string
}

func (c *column) add(owner int32, v string) {
	c.owners = append(c.owners, owner)
	c.values = append(c.values, v)
}

// kind infers the narrowest type every value of the column has, counting
// a value as typed only when the type writes it back to the same text: "007"
// stays a string, and so does a date not in the form procmine writes. A
// table has no types, so this is what keeps a round trip through CSV exact.
func (c *column) kind() eventlog.Kind {
	isInt, isFloat, isBool, isDate := true, true, true, true
	for _, v := range c.values {
		if isInt {
			n, err := strconv.ParseInt(v, 10, 64)
			isInt = err == nil && strconv.FormatInt(n, 10) == v
		}
		if isFloat {
			f, err := strconv.ParseFloat(v, 64)
			isFloat = err == nil && strconv.FormatFloat(f, 'g', -1, 64) == v
		}
		if isBool {
			isBool = v == "true" || v == "false"
		}
		if isDate {
			ns, ok := eventlog.ParseTime(v)
			isDate = ok && eventlog.FormatTime(ns) == v
		}
		if !isInt && !isFloat && !isBool && !isDate {
			return eventlog.KindString
		}
	}
	switch {
	case len(c.values) == 0:
		return eventlog.KindString
	case isInt:
		return eventlog.KindInt
	case isFloat:
		return eventlog.KindFloat
	case isBool:
		return eventlog.KindBool
	case isDate:
		return eventlog.KindDate
	}
	return eventlog.KindString
}

// addColumns hands the buffered values to the builder in owner order, as
// the builder's attribute tables require.
func addColumns(cols []*column, add func(owner int32, a eventlog.Attr)) {
	if len(cols) == 0 {
		return
	}
	kinds := make([]eventlog.Kind, len(cols))
	for i, c := range cols {
		kinds[i] = c.kind()
	}
	pos := make([]int, len(cols))
	for {
		next := int32(-1)
		for i, c := range cols {
			if pos[i] < len(c.owners) && (next < 0 || c.owners[pos[i]] < next) {
				next = c.owners[pos[i]]
			}
		}
		if next < 0 {
			return
		}
		for i, c := range cols {
			if pos[i] < len(c.owners) && c.owners[pos[i]] == next {
				v, err := eventlog.ParseValue(kinds[i], c.values[pos[i]])
				if err != nil {
					v = eventlog.StringValue(c.values[pos[i]])
				}
				add(next, eventlog.Attr{Key: c.key, Value: v})
				pos[i]++
			}
		}
	}
}

package csvlog

import (
	"strconv"

	"github.com/procmine/procmine/internal/eventlog"
)

// column is an attribute column. Its values go to the builder as strings
// while the file is read, so that the builder counts them against the
// log's budget as they come; the column only learns their type, which
// retype gives them at the end.
type column struct {
	index int
	key   string
	typ   *colType // shared by the columns with one key
}

// colType infers the narrowest type every value of a key has, counting a
// value as typed only when the type writes it back to the same text: "007"
// stays a string, and so does a date not in the form procmine writes. A
// table has no types, so this is what keeps a round trip through CSV exact.
type colType struct {
	seen                           bool
	isInt, isFloat, isBool, isDate bool
}

func newColType() *colType { return &colType{isInt: true, isFloat: true, isBool: true, isDate: true} }

func (c *colType) add(v string) {
	c.seen = true
	if c.isInt {
		n, err := strconv.ParseInt(v, 10, 64)
		c.isInt = err == nil && strconv.FormatInt(n, 10) == v
	}
	if c.isFloat {
		f, err := strconv.ParseFloat(v, 64)
		c.isFloat = err == nil && strconv.FormatFloat(f, 'g', -1, 64) == v
	}
	if c.isBool {
		c.isBool = v == "true" || v == "false"
	}
	if c.isDate {
		ns, ok := eventlog.ParseTime(v)
		c.isDate = ok && eventlog.FormatTime(ns) == v
	}
}

func (c *colType) kind() eventlog.Kind {
	switch {
	case !c.seen:
		return eventlog.KindString
	case c.isInt:
		return eventlog.KindInt
	case c.isFloat:
		return eventlog.KindFloat
	case c.isBool:
		return eventlog.KindBool
	case c.isDate:
		return eventlog.KindDate
	}
	return eventlog.KindString
}

// typeColumns gives the columns their colType, one per key.
func typeColumns(cols []*column) map[string]*colType {
	types := map[string]*colType{}
	for _, c := range cols {
		if types[c.key] == nil {
			types[c.key] = newColType()
		}
		c.typ = types[c.key]
	}
	return types
}

// retype gives the attributes of t the types their keys' values have.
func retype(t *eventlog.AttrTable, types map[string]*colType) {
	kinds := map[string]eventlog.Kind{}
	for k, c := range types {
		if kind := c.kind(); kind != eventlog.KindString {
			kinds[k] = kind
		}
	}
	if len(kinds) == 0 {
		return
	}
	t.Retype(func(key string) eventlog.Kind {
		if k, ok := kinds[key]; ok {
			return k
		}
		return eventlog.KindString
	})
}

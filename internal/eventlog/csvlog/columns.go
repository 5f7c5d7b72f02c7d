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
	var buf [64]byte // the value written back, without allocating
	if c.isInt {
		n, err := strconv.ParseInt(v, 10, 64)
		c.isInt = err == nil && string(strconv.AppendInt(buf[:0], n, 10)) == v
	}
	if c.isFloat {
		f, err := strconv.ParseFloat(v, 64)
		c.isFloat = err == nil && string(strconv.AppendFloat(buf[:0], f, 'g', -1, 64)) == v
	}
	if c.isBool {
		c.isBool = v == "true" || v == "false"
	}
	if c.isDate {
		ns, ok := eventlog.ParseTime(v)
		c.isDate = ok && string(eventlog.AppendTime(buf[:0], ns)) == v
	}
}

// merge makes c the type of its values and o's.
func (c *colType) merge(o *colType) {
	if !o.seen {
		return
	}
	c.seen = true
	c.isInt = c.isInt && o.isInt
	c.isFloat = c.isFloat && o.isFloat
	c.isBool = c.isBool && o.isBool
	c.isDate = c.isDate && o.isDate
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

package eventlog

import "fmt"

// Limits on a whole log, counted by the Builder as the log is built, so
// that a file whose every part is within the limits above still cannot
// make a reader hold more than a real log needs: 4,000 rows of 5,000
// columns are 21 MB of gzip and took a server past 9 GB before these.
const (
	// DefaultMaxMemory bounds the estimated memory of a log being built:
	// four times the 900 MB that an encoded log may take in the
	// database (a log's memory is 2 to 10 times its encoding).
	DefaultMaxMemory = 4 << 30
	// DefaultMaxKeys bounds the distinct keys of case and event
	// attributes (a CSV file's attribute columns); the shared real logs
	// have at most a few dozen.
	DefaultMaxKeys = 1000
)

// Budget bounds a log being built. Zero fields take the defaults.
type Budget struct {
	// MaxMemory bounds the estimated bytes the log holds while built.
	MaxMemory int64
	// MaxKeys bounds the distinct keys of case and event attributes.
	MaxKeys int
}

func (b Budget) withDefaults() Budget {
	if b.MaxMemory <= 0 {
		b.MaxMemory = DefaultMaxMemory
	}
	if b.MaxKeys <= 0 {
		b.MaxKeys = DefaultMaxKeys
	}
	return b
}

// Estimated bytes of the parts of a log at the peak of building it: an
// event's columns (28 bytes) up to twice over from doubling, and once
// more while Finish orders them; a case (its id, map entry and offset);
// an attribute's table entry (76 bytes) up to twice over from appending
// and once more while Finish trims the tables (children count as
// attributes); and a dictionary entry besides its text. Measured on a
// table of 800 rows of 5,000 columns, the peak heap is about this
// estimate.
const (
	costEvent = 84
	costCase  = 64
	costAttr  = 228
	costName  = 48
)

// AttrCost estimates the memory of a, its children included, as the
// builder counts it.
func AttrCost(a *Attr) int64 {
	n := int64(costAttr)
	if a.Value.Kind == KindString || a.Value.Kind == KindID {
		n += int64(len(a.Value.Str))
	}
	for i := range a.Children {
		n += AttrCost(&a.Children[i])
	}
	return n
}

// MaxEvents is the most events a log within the budget can hold, for a
// reader that sizes its columns from what a file claims.
func (b Budget) MaxEvents() int64 { return b.withDefaults().MaxMemory / costEvent }

// SetBudget makes the builder count what it is given against budget,
// naming file in the error once past it (see Err). Without it a builder
// counts against the default budget.
func (b *Builder) SetBudget(file string, budget Budget) {
	b.file = file
	b.budget = budget.withDefaults()
}

// Charge counts n more bytes against the memory budget: what an importer
// holds for the log outside the builder (attributes still being read, the
// log's own). A negative n gives back what was counted once the builder
// counts it itself.
func (b *Builder) Charge(n int64) {
	b.used += n
	if b.used > b.budget.MaxMemory && b.over == "" {
		b.over = fmt.Sprintf("the log would take more than %d MB of memory (at %d events and %d cases): procmine reads no more; import fewer events or attributes", b.budget.MaxMemory>>20, len(b.log.Act), len(b.log.CaseIDs))
	}
}

// ChargeAttr counts an attribute the importer keeps outside the builder's
// tables (the log's own, a global's), with its children.
func (b *Builder) ChargeAttr(a *Attr) { b.Charge(AttrCost(a)) }

// Key counts an attribute key against the budget's distinct keys.
func (b *Builder) Key(key string) {
	if _, ok := b.keys[key]; ok {
		return
	}
	if len(b.keys) >= b.budget.MaxKeys {
		if b.over == "" {
			b.over = fmt.Sprintf("more than %d distinct attribute keys (columns): procmine reads no more; leave some out", b.budget.MaxKeys)
		}
		return
	}
	b.keys[key] = struct{}{}
	b.used += int64(len(key)) + costName
}

// Err returns nil while the log is within its budget, and a ParseError
// for the builder's file at line (0 when unknown) once it is past it.
// Past the budget the builder keeps nothing more it is given, so memory
// stays bounded even before an importer asks; Finish must not be called.
func (b *Builder) Err(line int) error {
	if b.over == "" {
		b.dicts()
		if b.over == "" {
			return nil
		}
	}
	return Errorf(b.file, line, "", "%s", b.over)
}

// dicts counts the text of names the dictionaries gained since last time.
func (b *Builder) dicts() {
	for i, d := range []*Dict{b.log.Activities, b.log.Resources, b.log.Lifecycles} {
		for _, s := range d.names[b.dictSeen[i]:] {
			b.Charge(int64(len(s)) + costName)
		}
		b.dictSeen[i] = len(d.names)
	}
}

package report

import (
	"errors"
	"html/template"
)

// transientParts are a page's parts not to keep: a drawing in them was
// stopped at its deadline, which a quieter moment may not do.
type transientParts struct{}

func (t *transientParts) Error() string { return "a drawing was stopped at its deadline" }

// Transient is the error that tells KeptParts not to keep the parts of
// a page with a stopped drawing among ds (nil when none was).
func Transient(ds ...Drawing) error {
	for _, d := range ds {
		if d.Stopped {
			return &transientParts{}
		}
	}
	return nil
}

// pageParts are the computed parts of a page, kept with the version's log
// like the API's answers, and dropped with it.
type pageParts struct {
	fields map[string]any
	size   int64
}

// KeptParts computes a page's parts once per version and key.
//
// Parts whose compute says they are transient (a drawing stopped at its
// deadline) are shown but not kept.
func (e *Engine) KeptParts(entry *Entry, key string, compute func() (map[string]any, error)) (map[string]any, error) {
	var shown map[string]any
	p, err := Keep(e, entry, key, func(p pageParts) int64 { return p.size }, func() (pageParts, error) {
		f, err := compute()
		var t *transientParts
		if errors.As(err, &t) {
			shown = f // keep fails, so nothing is kept
		}
		size := int64(4096)
		for _, v := range f {
			if h, ok := v.(template.HTML); ok {
				size += int64(len(h))
			}
		}
		return pageParts{fields: f, size: size}, err
	})
	if shown != nil {
		return shown, nil
	}
	return p.fields, err
}

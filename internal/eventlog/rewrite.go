package eventlog

// Rewrite runs every resource name and every string attribute value
// (of events, cases and the log, nested ones too) through replace, which
// returns the new text and whether it changed anything: it is how a person
// is erased from a log and how a privacy policy is applied to one. A
// resource name that changes leaves the dictionary,
// so nothing of it is encoded with the log. It returns how many events'
// resources and how many attribute values changed.
func (l *Log) Rewrite(replace func(string) (string, bool)) (events, attrs int) {
	if l.Resources != nil {
		old := l.Resources
		remap := make([]int32, old.Len())
		changed := make([]bool, old.Len())
		fresh := NewDict()
		any := false
		for id, n := range old.Names() {
			if m, ok := replace(n); ok {
				n, changed[id], any = m, true, true
			}
			remap[id] = fresh.ID(n)
		}
		if any {
			for e, r := range l.Res {
				if r == None {
					continue
				}
				if changed[r] {
					events++
				}
				l.Res[e] = remap[r]
			}
			l.Resources = fresh
		}
	}
	attrs += eraseAttrs(l.EventAttrs.attrs, replace)
	attrs += eraseAttrs(l.CaseAttrs.attrs, replace)
	attrs += eraseAttrs(l.Meta.Attrs, replace)
	return events, attrs
}

func eraseAttrs(as []Attr, replace func(string) (string, bool)) int {
	n := 0
	for i := range as {
		a := &as[i]
		if a.Value.Kind == KindString || a.Value.Kind == KindID {
			if m, ok := replace(a.Value.Str); ok {
				a.Value.Str = m
				n++
			}
		}
		n += eraseAttrs(a.Children, replace)
	}
	return n
}

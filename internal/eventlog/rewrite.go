package eventlog

import "fmt"

// Rewrite runs every resource name and every string attribute value
// (of events, cases and the log, nested ones too) through replace, which
// returns the new text and whether it changed anything: it is how a person
// is erased from a log and how a privacy policy is applied to one. A
// resource name that changes leaves the dictionary,
// so nothing of it is encoded with the log. It returns how many events'
// resources and how many attribute values changed. It changes the log in
// place, and with it the views made of it before (Instances shares case
// ids and case attributes): rewrite a log before making its views.
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

// RewriteNames runs every case id and every activity name through
// replace, as Rewrite does resources: a person's name inside "order of
// Sara Lind" or "Call Sara Lind" is as much the person as a resource is.
// Activities whose names become the same are one activity from then on
// (the old names leave the dictionary). A case id that becomes the id of
// another case gets " #2", " #3"… appended, so that cases stay apart in
// exports and filters. It returns how many case ids and how many
// activity names changed.
func (l *Log) RewriteNames(replace func(string) (string, bool)) (cases, activities int) {
	if l.Activities != nil {
		old := l.Activities
		remap := make([]int32, old.Len())
		fresh := NewDict()
		for id, n := range old.Names() {
			if m, ok := replace(n); ok {
				n = m
				activities++
			}
			remap[id] = fresh.ID(n)
		}
		if activities > 0 {
			for e, a := range l.Act {
				l.Act[e] = remap[a]
			}
			l.Activities = fresh
		}
	}
	changed := make([]bool, len(l.CaseIDs))
	for c, id := range l.CaseIDs {
		if m, ok := replace(id); ok {
			l.CaseIDs[c], changed[c] = m, true
			cases++
		}
	}
	if cases == 0 {
		return cases, activities
	}
	// Ids the rewrite left alone keep their value; a rewritten one that
	// meets a taken id is numbered.
	taken := make(map[string]bool, len(l.CaseIDs))
	for c, id := range l.CaseIDs {
		if !changed[c] {
			taken[id] = true
		}
	}
	for c, id := range l.CaseIDs {
		if !changed[c] {
			continue
		}
		unique := id
		for k := 2; taken[unique]; k++ {
			unique = fmt.Sprintf("%s #%d", id, k)
		}
		l.CaseIDs[c] = unique
		taken[unique] = true
	}
	return cases, activities
}

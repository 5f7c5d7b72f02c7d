package eventlog

import (
	"bytes"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	l := &Log{Resources: NewDict(), Activities: NewDict()}
	for _, r := range []string{"Sara", "Ahmed", "sara", "Ahmed"} {
		l.Act = append(l.Act, l.Activities.ID("a"))
		l.Res = append(l.Res, l.Resources.ID(r))
	}
	l.Res = append(l.Res, None)
	l.Act = append(l.Act, 0)
	l.EventAttrs.Add(1, Attr{Key: "approver", Value: StringValue("SARA")})
	l.EventAttrs.Add(2, Attr{Key: "note", Value: StringValue("Saralee said yes")})
	l.CaseAttrs.Add(0, Attr{Key: "team", Value: Value{Kind: KindList}, Children: []Attr{{Key: "m", Value: StringValue("sara")}}})
	whole := func(s string) (string, bool) {
		if strings.EqualFold(s, "sara") {
			return "[erased]", true
		}
		return s, false
	}
	events, attrs := l.Rewrite(whole)
	if events != 2 || attrs != 2 {
		t.Errorf("erased %d events, %d attributes; want 2 and 2", events, attrs)
	}
	var names []string
	for e := range l.Res {
		names = append(names, l.ResourceName(e))
	}
	if got := names; got[0] != "[erased]" || got[1] != "Ahmed" || got[2] != "[erased]" || got[3] != "Ahmed" {
		t.Errorf("resources %v", got)
	}
	if l.Resources.Len() != 2 {
		t.Errorf("dictionary %v: the name must leave it", l.Resources.Names())
	}
	if v, _ := l.EventAttrs.Get(2, "note"); v.Str != "Saralee said yes" {
		t.Errorf("a text the replacer left alone was changed: %q", v.Str)
	}
	for _, n := range l.Resources.Names() {
		if bytes.EqualFold([]byte(n), []byte("sara")) {
			t.Error("name left in the dictionary")
		}
	}
}

func TestRewriteNames(t *testing.T) {
	l := &Log{Activities: NewDict(), CaseIDs: []string{"order Sara", "order Ahmed", "order [erased]", "7"}}
	for _, a := range []string{"Call Sara", "Call Ahmed", "Call Sara", "Save"} {
		l.Act = append(l.Act, l.Activities.ID(a))
	}
	erase := func(s string) (string, bool) {
		if r := strings.NewReplacer("Sara", "[erased]", "Ahmed", "[erased]").Replace(s); r != s {
			return r, true
		}
		return s, false
	}
	cases, acts := l.RewriteNames(erase)
	if cases != 2 || acts != 2 {
		t.Errorf("changed %d case ids, %d activities; want 2 and 2", cases, acts)
	}
	if got := strings.Join(l.CaseIDs, "|"); got != "order [erased] #2|order [erased] #3|order [erased]|7" {
		t.Errorf("case ids %q", got)
	}
	var names []string
	for e := range l.Act {
		names = append(names, l.ActivityName(e))
	}
	if got := strings.Join(names, "|"); got != "Call [erased]|Call [erased]|Call [erased]|Save" {
		t.Errorf("activities %q", got)
	}
	if got := strings.Join(l.Activities.Names(), "|"); got != "Call [erased]|Save" {
		t.Errorf("dictionary %q: the names must leave it", got)
	}
}

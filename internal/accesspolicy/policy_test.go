package accesspolicy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

func TestEvaluate(t *testing.T) {
	office := netip.MustParsePrefix("10.1.0.0/16")
	bad := netip.MustParsePrefix("203.0.113.0/24")
	policies := []Policy{
		{ID: 1, Name: "block bad network", State: On, Apps: []string{Studio, API}, Include: Principals{All: true}, IPRanges: []netip.Prefix{bad}, Grant: Block},
		{ID: 2, Name: "mfa outside office", State: On, Apps: []string{Studio, API}, Include: Principals{Teams: []access.ID{7}}, Exclude: Principals{Users: []access.ID{3}},
			IPRanges: []netip.Prefix{office}, IPRangesExcept: true, Grant: RequireMFA},
		{ID: 3, Name: "trial block", State: ReportOnly, Apps: []string{API}, Include: Principals{Users: []access.ID{4}}, Grant: Block},
		{ID: 4, Name: "retired", State: Off, Apps: []string{Studio, API}, Include: Principals{All: true}, Grant: Block},
	}
	ip := netip.MustParseAddr
	tests := []struct {
		name         string
		req          Request
		allowed, mfa bool
		matches      string
	}{
		{"outsider from a good address", Request{User: 1, App: Studio, IP: ip("198.51.100.7")}, true, false, ""},
		{"anyone from the bad network, studio", Request{User: 1, App: Studio, IP: ip("203.0.113.9")}, false, false, "1"},
		{"anyone from the bad network, api", Request{User: 1, App: API, IP: ip("203.0.113.9")}, false, false, "1"},
		{"team member outside the office", Request{User: 2, Teams: []access.ID{5, 7}, App: API, IP: ip("198.51.100.7")}, false, true, "2"},
		{"team member outside, with MFA", Request{User: 2, Teams: []access.ID{7}, App: API, IP: ip("198.51.100.7"), MFA: true}, true, false, "2"},
		{"team member in the office", Request{User: 2, Teams: []access.ID{7}, App: Studio, IP: ip("10.1.2.3")}, true, false, ""},
		{"excluded team member", Request{User: 3, Teams: []access.ID{7}, App: Studio, IP: ip("198.51.100.7")}, true, false, ""},
		{"block beats MFA", Request{User: 2, Teams: []access.ID{7}, App: Studio, IP: ip("203.0.113.9")}, false, false, "1 2"},
		{"report-only is listed, not enforced", Request{User: 4, App: API, IP: ip("198.51.100.7")}, true, false, "3"},
		{"report-only targets the api only", Request{User: 4, App: Studio, IP: ip("198.51.100.7")}, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(policies, tt.req, true)
			var ids []string
			for _, m := range d.Matches {
				ids = append(ids, fmt.Sprint(m.Policy))
				if m.Why == "" {
					t.Errorf("policy %d applies without a reason", m.Policy)
				}
			}
			if d.Allowed != tt.allowed || d.NeedMFA != tt.mfa || strings.Join(ids, " ") != tt.matches {
				t.Errorf("allowed %v, need MFA %v, matches %v; want %v %v [%s]", d.Allowed, d.NeedMFA, ids, tt.allowed, tt.mfa, tt.matches)
			}
			if len(d.Matches)+len(d.Skipped) != len(policies) {
				t.Errorf("what-if accounts for %d of %d policies", len(d.Matches)+len(d.Skipped), len(policies))
			}
		})
	}
}

func TestResolve(t *testing.T) {
	office := netip.MustParsePrefix("10.1.0.0/16")
	policies := []Policy{
		{ID: 1, Name: "mfa outside", State: On, Apps: []string{Studio, API}, Include: Principals{All: true}, IPRangeNames: []string{"office"}, IPRangesExcept: true, Grant: RequireMFA},
		{ID: 2, Name: "block gone", State: On, Apps: []string{Studio, API}, Include: Principals{All: true}, IPRangeNames: []string{"deleted"}, Grant: Block},
	}
	resolved := Resolve(policies, map[string][]netip.Prefix{"office": {office}})
	if len(policies[0].IPRanges) != 0 {
		t.Error("Resolve changed its input")
	}
	in := Evaluate(resolved, Request{User: 1, App: API, IP: netip.MustParseAddr("10.1.2.3")}, false)
	out := Evaluate(resolved, Request{User: 1, App: API, IP: netip.MustParseAddr("192.0.2.1")}, false)
	if !in.Allowed || out.Allowed || !out.NeedMFA {
		t.Errorf("in the office %+v, outside %+v", in, out)
	}
	// An undefined name holds no address: the block applies to nobody.
	for _, m := range append(in.Matches, out.Matches...) {
		if m.Policy == 2 {
			t.Errorf("a policy on an undefined range applied: %+v", m)
		}
	}
}

func TestValidate(t *testing.T) {
	p := Policy{Name: "x", State: On, Apps: []string{API}, Include: Principals{All: true}, Grant: Block}
	warnings, err := p.Validate()
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "leaves the studio app unprotected") {
		t.Errorf("single app: %v %v", warnings, err)
	}
	p.Apps = []string{API, Studio, API}
	if warnings, err := p.Validate(); err != nil || len(warnings) != 0 || len(p.Apps) != 2 {
		t.Errorf("both apps: %v %v %v", warnings, err, p.Apps)
	}
	for _, bad := range []Policy{
		{},
		{Name: "x", State: "maybe", Apps: []string{API}, Include: Principals{All: true}, Grant: Block},
		{Name: "x", State: On, Apps: []string{"cli"}, Include: Principals{All: true}, Grant: Block},
		{Name: "x", State: On, Apps: []string{API}, Grant: Block},
		{Name: "x", State: On, Apps: []string{API}, Include: Principals{All: true}, Exclude: Principals{All: true}, Grant: Block},
		{Name: "x", State: On, Apps: []string{API}, Include: Principals{All: true}, Grant: "allow"},
		{Name: "x", State: On, Apps: []string{API}, Include: Principals{All: true}, Grant: Block, IPRangesExcept: true},
	} {
		if _, err := bad.Validate(); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// BenchmarkEvaluate: a request against 100 policies (the bound:
// 5 µs per request).
func BenchmarkEvaluate(b *testing.B) {
	var policies []Policy
	for i := range 100 {
		p := Policy{ID: access.ID(i), Name: fmt.Sprint(i), State: On, Apps: []string{Studio, API}, Grant: RequireMFA,
			Include: Principals{Teams: []access.ID{access.ID(i), access.ID(i + 1000)}, Users: []access.ID{access.ID(i + 5000)}},
			Exclude: Principals{Users: []access.ID{access.ID(i + 9000)}}}
		for j := range 5 {
			p.IPRanges = append(p.IPRanges, netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i, j)))
		}
		if i%10 == 0 {
			p.State = ReportOnly
		}
		policies = append(policies, p)
	}
	req := Request{User: 42, Teams: []access.ID{3, 17, 55, 99, 1020}, App: API, IP: netip.MustParseAddr("10.55.3.9")}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(policies, req, false)
	}
}

// TestStoredRange: ranges saved before ParseRange refused their form are
// still read, as they were; new ones as ParseRange reads them.
func TestStoredRange(t *testing.T) {
	for text, want := range map[string]string{
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
		"::10.0.0.0/104":      "::a00:0/104",
		"::ffff:0:0/95":       "::fffe:0:0/95",
	} {
		if _, err := ParseRange(text); text != "::ffff:10.0.0.0/104" && err == nil {
			t.Errorf("ParseRange(%q) took a form it refuses", text)
		}
		p, err := StoredRange(text)
		if err != nil || p.String() != want {
			t.Errorf("StoredRange(%q) = %v, %v; want %s", text, p, err, want)
		}
	}
	if _, err := StoredRange("not a range"); err == nil {
		t.Error("garbage was read")
	}
}

// TestBodyRoundTrip: a policy written as the API takes it (the studio's
// editor) reads back as the same policy; a bad range names its index.
func TestBodyRoundTrip(t *testing.T) {
	in := Body{Name: "office", State: "on", Apps: []string{"studio"}, Include: Principals{All: true}, IPRanges: []string{"10.0.0.0/8", "192.0.2.7"}, IPRangeNames: []string{}, Grant: "block"}
	p, _, err := in.Policy()
	if err != nil {
		t.Fatal(err)
	}
	out := BodyOf(p)
	if out.Name != in.Name || out.State != in.State || out.Grant != in.Grant || len(out.IPRanges) != 2 || out.IPRanges[0] != "10.0.0.0/8" {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
	in.IPRanges = []string{"10.0.0.0/8", "not a range"}
	if _, _, err := in.Policy(); err == nil || !strings.HasPrefix(err.Error(), "ip_ranges[1]: ") {
		t.Errorf("a bad range: %v", err)
	}
}

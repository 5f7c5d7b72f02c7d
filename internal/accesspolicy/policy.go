// Package accesspolicy is procmine's conditional access (DESIGN §2): who
// may get in, to which app, from where and how. A Policy names the users
// and teams it applies to (and those it leaves out), the apps it targets
// (studio, api), the client address ranges and the multi-factor state it
// is about, and what it grants: block, or require multi-factor
// authentication. A policy is on, report-only (evaluated and reported,
// never enforced) or off.
//
// Evaluate decides a Request against every policy and says which applied
// and why: the same answer serves enforcement, the audit log and the
// what-if call. There is no I/O in it; the caller loads the policies and
// the user's teams.
package accesspolicy

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/access"
)

// The states, apps and grants.
const (
	On         = "on"
	ReportOnly = "report-only"
	Off        = "off"

	Studio = "studio"
	API    = "api"

	Block      = "block"
	RequireMFA = "require-mfa"
)

// Principals are users and teams; All stands for every user.
type Principals struct {
	All   bool        `json:"all,omitempty"`
	Users []access.ID `json:"users,omitempty"`
	Teams []access.ID `json:"teams,omitempty"`
}

// Policy is one conditional access policy.
type Policy struct {
	ID    access.ID `json:"id"`
	Name  string    `json:"name"`
	State string    `json:"state"`
	Apps  []string  `json:"apps"`
	// Include and Exclude choose the users it applies to: included and
	// not excluded.
	Include Principals `json:"include"`
	Exclude Principals `json:"exclude"`
	// IPRanges, when not empty, limits the policy to clients inside one of
	// them; IPRangesExcept to clients outside all of them (a trusted
	// network).
	IPRanges       []netip.Prefix `json:"ip_ranges,omitempty"`
	IPRangesExcept bool           `json:"ip_ranges_except,omitempty"`
	// IPRangeNames are named ranges (defined apart, installation-wide)
	// that count as if their ranges were in IPRanges; Resolve puts them
	// there before evaluation.
	IPRangeNames []string `json:"ip_range_names,omitempty"`
	Grant        string   `json:"grant"`
}

// Validate checks a policy and returns warnings for what it accepts but
// an administrator should know.
func (p *Policy) Validate() (warnings []string, err error) {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 200 || strings.ContainsRune(p.Name, 0) {
		bad("name: 1 to 200 characters")
	}
	if p.State != On && p.State != ReportOnly && p.State != Off {
		bad("state: one of on, report-only, off")
	}
	if p.Grant != Block && p.Grant != RequireMFA {
		bad("grant: block or require-mfa")
	}
	if len(p.Apps) == 0 {
		bad("apps: at least one of studio, api")
	}
	for _, a := range p.Apps {
		if a != Studio && a != API {
			bad("apps: %q is not an app (studio, api)", a)
		}
	}
	if !p.Include.All && len(p.Include.Users) == 0 && len(p.Include.Teams) == 0 {
		bad("include: give users, teams or all")
	}
	if p.Exclude.All {
		bad("exclude: all would leave nobody")
	}
	if p.IPRangesExcept && len(p.IPRanges)+len(p.IPRangeNames) == 0 {
		bad("ip_ranges_except: needs ip_ranges or ip_range_names")
	}
	for i, r := range p.IPRanges {
		n, err := NormalizeRange(r)
		if err != nil {
			bad("ip_ranges[%d]: %v", i, err)
		}
		p.IPRanges[i] = n
	}
	if len(p.IPRanges) > 1000 || len(p.Include.Users)+len(p.Include.Teams)+len(p.Exclude.Users)+len(p.Exclude.Teams) > 10000 {
		bad("too many ranges or principals")
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	slices.Sort(p.Apps)
	p.Apps = slices.Compact(p.Apps)
	if len(p.Apps) == 1 {
		other := API
		if p.Apps[0] == API {
			other = Studio
		}
		warnings = append(warnings, fmt.Sprintf("the policy targets only the %s app: process mining is reached through both, so it leaves the %s app unprotected", p.Apps[0], other))
	}
	return warnings, nil
}

// ParseRange reads an address range as an administrator writes it: a CIDR
// range or a single address, normalised by NormalizeRange.
func ParseRange(text string) (netip.Prefix, error) {
	text = strings.TrimSpace(text)
	// A zone (fe80::1%eth0) belongs to one host's interface: a range with
	// one would be read as a single address, silently narrower than written.
	if strings.Contains(text, "%") {
		return netip.Prefix{}, fmt.Errorf("%q has a zone (%%…): write the range without it", text)
	}
	p, err := netip.ParsePrefix(text)
	if err != nil {
		a, aerr := netip.ParseAddr(text)
		if aerr != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32", text)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return NormalizeRange(p)
}

// StoredRange reads a range saved before ParseRange refused some forms
// (a zone, the IPv4-compatible form, a short IPv4-mapped range): as
// ParseRange reads it when it can, else as it was read when it was saved,
// so that an old range never makes every policy unreadable.
func StoredRange(text string) (netip.Prefix, error) {
	if p, err := ParseRange(text); err == nil {
		return p, nil
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(text))
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

// NormalizeRange masks a range and writes an IPv4-mapped IPv6 range
// (::ffff:10.0.0.0/104) as the IPv4 range it means (10.0.0.0/8). Client
// addresses are unmapped before they are compared, so a mapped range
// would otherwise never hold any of them. A mapped range shorter than /96
// reaches beyond the mapped addresses and is refused: what it means is
// not clear.
func NormalizeRange(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, errors.New("not a CIDR range")
	}
	// ::a.b.c.d is the deprecated IPv4-compatible form: no client address
	// is ever written so, and a range of them would hold none.
	if a := p.Addr(); a.Is6() && !a.Is4In6() && p.Bits() >= 96 && isCompat(a) {
		return netip.Prefix{}, fmt.Errorf("%s is written in the deprecated IPv4-compatible form (::a.b.c.d): write the IPv4 range (such as 10.0.0.0/8)", p)
	}
	if !p.Addr().Is4In6() {
		return p.Masked(), nil
	}
	if p.Bits() < 96 {
		return netip.Prefix{}, fmt.Errorf("%s is written as IPv4-mapped but reaches beyond the mapped addresses: write the IPv4 range (such as 10.0.0.0/8) or a plain IPv6 range", p)
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked(), nil
}

// Resolve returns the policies with their named ranges put among their
// ranges. A name that is not defined stands for a range that holds no
// address (the API refuses to delete a range in use, so this is a
// safeguard, not a state to rely on).
func Resolve(policies []Policy, named map[string][]netip.Prefix) []Policy {
	out := make([]Policy, len(policies))
	for i, p := range policies {
		// Ranges stored before they were normalised are read as meant.
		if slices.ContainsFunc(p.IPRanges, func(r netip.Prefix) bool { return r.Addr().Is4In6() }) {
			p.IPRanges = slices.Clone(p.IPRanges)
			for j, r := range p.IPRanges {
				if n, err := NormalizeRange(r); err == nil {
					p.IPRanges[j] = n
				}
			}
		}
		if len(p.IPRangeNames) > 0 {
			p.IPRanges = slices.Clone(p.IPRanges)
			for _, n := range p.IPRangeNames {
				ranges, ok := named[n]
				if !ok {
					ranges = []netip.Prefix{{}} // holds nothing
				}
				p.IPRanges = append(p.IPRanges, ranges...)
			}
		}
		out[i] = p
	}
	return out
}

// Request is who asks, through which app, from where, and whether they
// satisfied multi-factor authentication.
type Request struct {
	User  access.ID
	Teams []access.ID // every team of the user, in any environment; sorted
	App   string
	IP    netip.Addr
	MFA   bool
}

// Match is a policy that applied to a request, and why.
type Match struct {
	Policy   access.ID `json:"policy"`
	Name     string    `json:"name"`
	State    string    `json:"state"`
	Grant    string    `json:"grant"`
	Enforced bool      `json:"enforced"` // false for report-only
	Why      string    `json:"why"`
}

// Decision is the result: allowed, or blocked, or allowed once MFA is
// satisfied; with every policy that applied.
type Decision struct {
	Allowed bool    `json:"allowed"`
	NeedMFA bool    `json:"need_mfa"`
	Matches []Match `json:"matches"`
	// Skipped says, for each policy that did not apply, why not (what-if).
	Skipped []Match `json:"skipped,omitempty"`
}

// Evaluate decides the request. Blocks win over MFA; a report-only policy
// is listed and never changes the result. With explain, Skipped lists the
// policies that did not apply and why.
func Evaluate(policies []Policy, req Request, explain bool) Decision {
	d := Decision{Allowed: true}
	blocked := false
	for i := range policies {
		p := &policies[i]
		why, applies := p.applies(req, explain)
		m := Match{Policy: p.ID, Name: p.Name, State: p.State, Grant: p.Grant, Why: why}
		if !applies {
			if explain {
				d.Skipped = append(d.Skipped, m)
			}
			continue
		}
		m.Enforced = p.State == On
		d.Matches = append(d.Matches, m)
		if !m.Enforced {
			continue
		}
		switch p.Grant {
		case Block:
			blocked = true
		case RequireMFA:
			if !req.MFA {
				d.NeedMFA = true
			}
		}
	}
	// A block is final: multi-factor authentication would not lift it.
	if blocked {
		d.NeedMFA = false
	}
	d.Allowed = !blocked && !d.NeedMFA
	return d
}

// applies tells whether the policy applies to the request and why; why
// not only when asked to explain, as building reasons costs more than
// deciding.
func (p *Policy) applies(req Request, explain bool) (string, bool) {
	no := func(format string, args ...any) (string, bool) {
		if !explain {
			return "", false
		}
		return fmt.Sprintf(format, args...), false
	}
	if p.State == Off {
		return no("the policy is off")
	}
	if !slices.Contains(p.Apps, req.App) {
		return no("it does not target the %s app", req.App)
	}
	if ex, ok := p.Exclude.has(req); ok {
		return no("the user is excluded (%s)", ex)
	}
	who, ok := p.Include.has(req)
	if !ok {
		return no("the user is not included")
	}
	in := -1
	for i, r := range p.IPRanges {
		if r.Contains(req.IP) {
			in = i
			break
		}
	}
	switch {
	case len(p.IPRanges) == 0:
	case !p.IPRangesExcept && in < 0:
		return no("the address %s is in none of its ranges", req.IP)
	case p.IPRangesExcept && in >= 0:
		return no("the address %s is in the trusted range %s", req.IP, p.IPRanges[in])
	}
	why := "the user is included (" + who.String() + "), the app is " + req.App
	switch {
	case len(p.IPRanges) == 0:
	case in >= 0:
		why += ", the address is in " + p.IPRanges[in].String()
	default:
		why += ", the address is outside its trusted ranges"
	}
	if p.Grant == RequireMFA && req.MFA {
		why += ", and multi-factor authentication is satisfied"
	}
	return why, true
}

// member is how a request's user is among principals.
type member struct {
	all        bool
	user, team access.ID
}

func (m member) String() string {
	switch {
	case m.all:
		return "all users"
	case m.user != 0:
		return fmt.Sprintf("user %d", m.user)
	}
	return fmt.Sprintf("team %d", m.team)
}

// has tells whether the principals hold the request's user, and how.
func (ps *Principals) has(req Request) (member, bool) {
	if ps.All {
		return member{all: true}, true
	}
	if slices.Contains(ps.Users, req.User) {
		return member{user: req.User}, true
	}
	for _, t := range ps.Teams {
		if _, ok := slices.BinarySearch(req.Teams, t); ok {
			return member{team: t}, true
		}
	}
	return member{}, false
}

// isCompat tells whether a is an IPv4-compatible IPv6 address (::a.b.c.d
// with a.b.c.d not 0.0.0.0 or 0.0.0.1, which are :: and ::1).
func isCompat(a netip.Addr) bool {
	b := a.As16()
	for _, x := range b[:12] {
		if x != 0 {
			return false
		}
	}
	return !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1)
}

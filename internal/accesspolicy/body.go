package accesspolicy

import "fmt"

// Body is a policy as the API takes and the studio writes it: ranges as
// text, so that an error can say which one is wrong, and no id.
type Body struct {
	Name           string     `json:"name"`
	State          string     `json:"state"`
	Apps           []string   `json:"apps"`
	Include        Principals `json:"include"`
	Exclude        Principals `json:"exclude"`
	IPRanges       []string   `json:"ip_ranges"`
	IPRangesExcept bool       `json:"ip_ranges_except"`
	IPRangeNames   []string   `json:"ip_range_names"`
	Grant          string     `json:"grant"`
}

// BodyOf is p as a Body, every list present (empty rather than null).
func BodyOf(p Policy) Body {
	b := Body{Name: p.Name, State: p.State, Apps: p.Apps, Include: p.Include, Exclude: p.Exclude, IPRanges: []string{},
		IPRangesExcept: p.IPRangesExcept, IPRangeNames: p.IPRangeNames, Grant: p.Grant}
	for _, r := range p.IPRanges {
		b.IPRanges = append(b.IPRanges, r.String())
	}
	if b.IPRangeNames == nil {
		b.IPRangeNames = []string{}
	}
	return b
}

// Policy reads b: its ranges parsed, the policy validated. It returns the
// validation's warnings; its errors name the field that is wrong.
func (b Body) Policy() (Policy, []string, error) {
	p := Policy{Name: b.Name, State: b.State, Apps: b.Apps, Include: b.Include, Exclude: b.Exclude, IPRangesExcept: b.IPRangesExcept, IPRangeNames: b.IPRangeNames, Grant: b.Grant}
	for i, text := range b.IPRanges {
		pr, err := ParseRange(text)
		if err != nil {
			return p, nil, fmt.Errorf("ip_ranges[%d]: %w", i, err)
		}
		p.IPRanges = append(p.IPRanges, pr)
	}
	warnings, err := p.Validate()
	return p, warnings, err
}

package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/pii"
)

// Action is what a policy does with one kind of personal data.
type Action uint8

// The actions, from the lightest to the strongest.
const (
	Flag         Action = iota + 1 // keep the value; show where it is
	Mask                           // hide the characters, keep the shape (and a card's last four digits)
	Redact                         // replace the value by its kind: [email]
	Pseudonymise                   // replace the value by a keyed token: [email:5c1f0e7a2b9d]
)

var actionNames = [...]string{"", "flag", "mask", "redact", "pseudonymise"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// MarshalText writes the action by name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an action name.
func (a *Action) UnmarshalText(b []byte) error {
	for i, n := range actionNames {
		if n != "" && n == string(b) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("unknown action %q (one of: flag, mask, redact, pseudonymise)", b)
}

// Policy says, per kind, what to do; Names are the names the name
// detector looks for.
type Policy struct {
	Actions map[string]Action `json:"actions"`
	Names   []string          `json:"names"`
	// MinGroupSize is the smallest group of cases a report reader (one
	// without the right to see raw data) is shown a figure of; 0 means
	// the default, disclosure.DefaultK.
	MinGroupSize int `json:"min_group_size,omitempty"`
}

// K is the policy's smallest group size for report readers.
func (p Policy) K() int {
	if p.MinGroupSize == 0 {
		return disclosure.DefaultK
	}
	return p.MinGroupSize
}

// DefaultPolicy is what a new environment starts with: secrets removed,
// numbers and addresses masked, names (which a list finds less surely)
// flagged for a person to decide.
func DefaultPolicy() Policy {
	p := Policy{Actions: map[string]Action{}, Names: append([]string(nil), pii.DefaultNames...)}
	for _, k := range pii.Kinds() {
		p.Actions[k.String()] = Mask
	}
	p.Actions[pii.Secret.String()] = Redact
	p.Actions[pii.Name.String()] = Flag
	p.MinGroupSize = disclosure.DefaultK
	return p
}

// Validate checks that the policy names every kind once with a known action.
func (p Policy) Validate() error {
	for k, a := range p.Actions {
		if kindOf(k) == 0 {
			return fmt.Errorf("actions: unknown kind %q (one of: email, phone, card, iban, ssn, ip, secret, name)", k)
		}
		if a < Flag || a > Pseudonymise {
			return fmt.Errorf("actions.%s: unknown action", k)
		}
	}
	for _, k := range pii.Kinds() {
		if _, ok := p.Actions[k.String()]; !ok {
			return fmt.Errorf("actions: no action for %s", k)
		}
	}
	for i, n := range p.Names {
		if strings.TrimSpace(n) == "" || len(n) > 200 || strings.ContainsRune(n, 0) {
			return fmt.Errorf("names[%d]: a name is 1 to 200 characters", i)
		}
	}
	if p.MinGroupSize != 0 && (p.MinGroupSize < disclosure.MinK || p.MinGroupSize > disclosure.MaxK) {
		return fmt.Errorf("min_group_size: from %d to %d (a group of one is a case)", disclosure.MinK, disclosure.MaxK)
	}
	if len(p.Names) > 100_000 {
		return fmt.Errorf("names: at most 100000")
	}
	return nil
}

func kindOf(name string) pii.Kind {
	for _, k := range pii.Kinds() {
		if k.String() == name {
			return k
		}
	}
	return 0
}

// Finding is personal data in a text after the policy was applied: where
// it is now (byte offsets), its kind and what was done.
type Finding struct {
	Kind   string `json:"kind"`
	Action Action `json:"action"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
}

// Applier applies one policy with one environment's key. It is safe for
// concurrent use.
type Applier struct {
	actions [16]Action // by pii.Kind, which is below 16
	scanner *pii.Scanner
	key     []byte
}

// NewApplier prepares a policy; key is the environment's pseudonym key.
func NewApplier(p Policy, key []byte) *Applier {
	a := &Applier{scanner: pii.NewScanner(p.Names), key: key}
	for name, act := range p.Actions {
		a.actions[kindOf(name)] = act
	}
	return a
}

// Scan finds personal data without changing anything. What a policy
// wrote in place of a value ([secret], [email:…], a masked number) is not
// personal data and is not reported, even where a detector would take it
// for a value (after "password:", say).
func (a *Applier) Scan(text string) []Finding {
	var out []Finding
	for _, f := range a.scanner.Scan(nil, []byte(text)) {
		if replacementAt(text, f) {
			continue
		}
		out = append(out, Finding{Kind: f.Kind.String(), Action: a.actions[f.Kind], Start: f.Start, End: f.End})
	}
	return out
}

// replacementAt tells whether the finding lies in what Apply wrote: a
// detector may take all or part of "[secret]" for a value.
func replacementAt(text string, f pii.Finding) bool {
	if text[f.Start] == '[' {
		if j := strings.IndexByte(text[f.Start:], ']'); j >= 0 && f.Start+j+1 >= f.End {
			return isReplacement(text[f.Start : f.Start+j+1])
		}
	}
	return isReplacement(text[f.Start:f.End])
}

// isReplacement tells whether v is what Apply writes for a redacted,
// pseudonymised or masked value.
func isReplacement(v string) bool {
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		kind, token, hasToken := strings.Cut(v[1:len(v)-1], ":")
		return kindOf(kind) != 0 && (!hasToken || isToken(token))
	}
	// A mask: no letter, no digit before the last •, at most four after.
	last := strings.LastIndex(v, "•")
	if last < 0 {
		return false
	}
	for _, r := range v[:last] {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	digits := 0
	for _, r := range v[last:] {
		if unicode.IsLetter(r) {
			return false
		}
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits <= 4
}

// isToken tells whether t is the 12 lower-case hex digits of a pseudonym.
func isToken(t string) bool {
	if len(t) != 12 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !(t[i] >= '0' && t[i] <= '9' || t[i] >= 'a' && t[i] <= 'f') {
			return false
		}
	}
	return true
}

// Apply returns text with the policy applied and where it acted (or, for
// flag, what it found). Applying it twice gives what applying it once
// gave, except for a text in which more than maxRounds look-alikes chain
// (see apply).
func (a *Applier) Apply(text string) (string, []Finding) {
	out, found, _ := a.apply(text)
	return out, found
}

// maxRounds bounds the rounds of apply, so that a hostile text costs at
// most that many scans.
const maxRounds = 16

// apply applies the policy until nothing changes, and says how many rounds
// that took. A replacement can change what the detectors see beside it:
// of two findings that overlapped, the first was taken, and once it is
// masked the second may stand alone; a number run into another number is
// not a phone number, but it is once its neighbour became a token. Each
// round moves what was found before to where it is now.
func (a *Applier) apply(text string) (string, []Finding, int) {
	out, edits := a.applyOnce(text)
	found := make([]Finding, len(edits))
	for i, e := range edits {
		found[i] = e.Finding
	}
	rounds := 1
	for ; rounds < maxRounds; rounds++ {
		next, more := a.applyOnce(out)
		if next == out {
			break
		}
		found = remap(found, more)
		out = next
	}
	return out, found, rounds
}

// edit is one finding acted on: In is its place in the text before, the
// Finding its place after.
type edit struct {
	Finding
	InStart, InEnd int
}

func (a *Applier) applyOnce(text string) (string, []edit) {
	found := a.scanner.Scan(nil, []byte(text))
	if len(found) == 0 {
		return text, nil
	}
	var b strings.Builder
	out := make([]edit, 0, len(found))
	last := 0
	for _, f := range found {
		if replacementAt(text, f) {
			continue // applied already: applying again changes nothing
		}
		b.WriteString(text[last:f.Start])
		act := a.actions[f.Kind]
		start := b.Len()
		value := text[f.Start:f.End]
		switch act {
		case Mask:
			b.WriteString(mask(f.Kind, value))
		case Redact:
			b.WriteString("[" + f.Kind.String() + "]")
		case Pseudonymise:
			b.WriteString(a.Pseudonym(f.Kind, value))
		default: // Flag, and a kind the policy forgot: keep
			b.WriteString(value)
		}
		out = append(out, edit{Finding: Finding{Kind: f.Kind.String(), Action: act, Start: start, End: b.Len()}, InStart: f.Start, InEnd: f.End})
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String(), out
}

// remap moves findings of a text to their place after edits (sorted,
// not overlapping) changed it. A finding an edit touches joins it.
func remap(old []Finding, edits []edit) []Finding {
	var out []Finding
	joined := make([]Finding, len(edits))
	for i, e := range edits {
		joined[i] = e.Finding
	}
	touched := make([]bool, len(edits))
	for _, f := range old {
		shift, hit := 0, -1
		for i, e := range edits {
			if e.InEnd <= f.Start {
				shift += (e.End - e.Start) - (e.InEnd - e.InStart)
				continue
			}
			if e.InStart < f.End { // overlaps
				hit = i
			}
			break
		}
		if hit < 0 {
			f.Start += shift
			f.End += shift
			out = append(out, f)
			continue
		}
		// Joined: the edit's new text, widened to what the finding covered.
		j := &joined[hit]
		e := edits[hit]
		if f.Start < e.InStart {
			j.Start = min(j.Start, f.Start+shift)
		}
		if f.End > e.InEnd {
			j.End = max(j.End, f.End+shift+(e.End-e.Start)-(e.InEnd-e.InStart))
		}
		touched[hit] = true
	}
	for i, e := range edits {
		if touched[i] || e.End-e.Start != e.InEnd-e.InStart || e.Action != Flag {
			out = append(out, joined[i])
		}
	}
	slices.SortFunc(out, func(a, b Finding) int { return a.Start - b.Start })
	return out
}

// Pseudonym is the token that stands for value: the kind and the first 12
// hex digits of HMAC-SHA256 over the kind and the value in a normal form
// (case folded; for numbers, the digits only), so that "+44 20 7946 0000"
// and "+442079460000" give the same token.
func (a *Applier) Pseudonym(k pii.Kind, value string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(k.String()))
	m.Write([]byte{0})
	m.Write([]byte(normal(k, value)))
	return "[" + k.String() + ":" + hex.EncodeToString(m.Sum(nil))[:12] + "]"
}

func normal(k pii.Kind, v string) string {
	switch k {
	case pii.Card, pii.Phone, pii.SSN, pii.IBAN:
		return strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) || unicode.IsLetter(r) {
				return unicode.ToUpper(r)
			}
			return -1
		}, v)
	case pii.Secret:
		return v
	}
	return strings.ToLower(v)
}

// mask hides every letter and digit behind •, keeping separators so the
// shape is still readable, and the last four digits of cards and IBANs,
// which people use to tell accounts apart.
func mask(k pii.Kind, v string) string {
	keep := 0
	if k == pii.Card || k == pii.IBAN {
		keep = 4
	}
	runes := []rune(v)
	for i := len(runes) - 1; i >= 0; i-- {
		r := runes[i]
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		runes[i] = '•'
	}
	return string(runes)
}

// Rewriter is Apply in the form stored data is rewritten with: the new
// text, and whether the policy changed it (flagging changes nothing).
func (a *Applier) Rewriter() func(string) (string, bool) {
	return func(text string) (string, bool) {
		out, _ := a.Apply(text)
		return out, out != text
	}
}

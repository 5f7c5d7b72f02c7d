package privacy

import (
	"golang.org/x/text/unicode/norm"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/procmine/procmine/internal/pii"
)

// Erased is what a person's name is replaced with when they are erased.
const Erased = "[erased]"

// NameEraser returns a function that replaces the name wherever it stands
// as a whole word (or words), ignoring case, with Erased, and tells
// whether it replaced anything: "Sara" goes from "ask Sara." but not from
// "Saralee". It is what the right to erasure runs every stored text
// through.
func NameEraser(name string) func(string) (string, bool) {
	// The name is looked for as people write it, not as its bytes stand:
	// in any case, in any Unicode form (a macOS file name decomposes é,
	// full-width letters are letters), and with any run of spaces (a
	// no-break space, two spaces) between its words.
	words := strings.Fields(norm.NFKC.String(name))
	if len(words) == 0 {
		return func(text string) (string, bool) { return text, false }
	}
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	re := regexp.MustCompile(`(?i)` + strings.Join(words, `[\s\p{Z}]+`))
	erase := func(text string) (string, bool) {
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringIndex(text, -1) {
			before, _ := utf8.DecodeLastRuneInString(text[:m[0]])
			after, _ := utf8.DecodeRuneInString(text[m[1]:])
			if m[0] > 0 && isWordRune(before) || m[1] < len(text) && isWordRune(after) {
				continue
			}
			b.WriteString(text[last:m[0]])
			b.WriteString(Erased)
			last = m[1]
		}
		if last == 0 {
			return text, false
		}
		b.WriteString(text[last:])
		return b.String(), true
	}
	return func(text string) (string, bool) {
		t, ok := erase(text)
		// A text not in NFKC may hold the name in another form: it is
		// searched again normalised, and when the name is found there the
		// text is kept normalised.
		if !norm.NFKC.IsNormalString(t) {
			if n, found := erase(norm.NFKC.String(t)); found {
				return n, true
			}
		}
		return t, ok
	}
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// Pseudonyms returns every token that a policy with the pseudonym key
// could have put in place of value, one per kind of personal data: what
// an erasure looks for, with the environment's key before it is renewed,
// to erase the person's tokens too.
func Pseudonyms(key []byte, value string) []string {
	a := &Applier{key: key}
	var out []string
	for _, k := range pii.Kinds() {
		out = append(out, a.Pseudonym(k, strings.TrimSpace(value)))
	}
	return out
}

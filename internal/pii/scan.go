package pii

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is a kind of personal data.
type Kind uint8

// The kinds, in the order of precedence when two findings cover the same
// text: a card number is not also reported as a phone number.
const (
	Secret Kind = iota + 1
	Card
	IBAN
	SSN
	IP
	Email
	Phone
	Name
)

var kindNames = [...]string{"", "secret", "card", "iban", "ssn", "ip", "email", "phone", "name"}

// String gives the kind's name as the CLI and the API print it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Kinds lists every kind.
func Kinds() []Kind { return []Kind{Email, Phone, Card, IBAN, SSN, IP, Secret, Name} }

// Finding is personal data at text[Start:End].
type Finding struct {
	Kind       Kind
	Start, End int
}

// Scanner finds personal data. Its zero value finds everything but names;
// NewScanner adds a list of names. A Scanner is safe for concurrent use.
type Scanner struct {
	names map[string]struct{} // lower-case name tokens
}

// NewScanner returns a scanner that also reports the given names (first
// names, surnames or full names; matched as whole words, ignoring case).
func NewScanner(names []string) *Scanner {
	s := &Scanner{names: make(map[string]struct{}, len(names))}
	for _, n := range names {
		for _, tok := range strings.Fields(n) {
			if len(tok) > 1 {
				s.names[strings.ToLower(tok)] = struct{}{}
			}
		}
	}
	return s
}

// Scan appends the findings in text to dst and returns it, sorted by
// position and without overlaps.
func (s *Scanner) Scan(dst []Finding, text []byte) []Finding {
	first := len(dst)
	dst = scanEmails(dst, text)
	dst = scanSecrets(dst, text)
	dst = scanWords(dst, text, s)
	return resolve(dst, first)
}

// resolve sorts dst[first:] and drops overlapping findings.
func resolve(dst []Finding, first int) []Finding {
	fs := dst[first:]
	if len(fs) < 2 {
		return dst
	}
	slices.SortFunc(fs, func(a, b Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	out := fs[:0]
	for _, f := range fs {
		if n := len(out); n > 0 && f.Start < out[n-1].End {
			// A finding inside a longer one stays part of it (the card
			// number in "john.4111…@example.com" is the address's);
			// otherwise the kind of higher precedence wins.
			inside := f.End <= out[n-1].End && (f.Start > out[n-1].Start || f.End < out[n-1].End)
			if !inside && f.Kind < out[n-1].Kind {
				out[n-1] = f
			}
			continue
		}
		out = append(out, f)
	}
	return dst[:first+len(out)]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func isHex(c byte) bool   { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// wordByte reports whether c continues a word: letters, digits, '_' and
// any byte of a multi-byte UTF-8 sequence.
func wordByte(c byte) bool { return isAlnum(c) || c == '_' || c >= 0x80 }

// wordAt reports whether a word character (a letter or digit in any
// script, or '_') starts at t[i]; a no-break space, a curly quote or a
// guillemet is not one.
func wordAt(t []byte, i int) bool {
	if i >= len(t) {
		return false
	}
	if t[i] < utf8.RuneSelf {
		return wordByte(t[i])
	}
	r, _ := utf8.DecodeRune(t[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordBefore reports whether a word character ends just before t[i].
func wordBefore(t []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if t[i-1] < utf8.RuneSelf {
		return wordByte(t[i-1])
	}
	r, _ := utf8.DecodeLastRune(t[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// --- e-mail -----------------------------------------------------------

func localByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func scanEmails(dst []Finding, t []byte) []Finding {
	for off := 0; ; {
		i := bytes.IndexByte(t[off:], '@')
		if i < 0 {
			return dst
		}
		at := off + i
		off = at + 1
		start := at
		for start > 0 && localByte(t[start-1]) {
			start--
		}
		for start < at && t[start] == '.' {
			start++
		}
		if start == at {
			continue
		}
		end, lastDot := at+1, -1
		for end < len(t) && (isAlnum(t[end]) || t[end] == '-' || t[end] == '.') {
			if t[end] == '.' {
				if end == at+1 || t[end-1] == '.' {
					break
				}
				lastDot = end
			}
			end++
		}
		for end > at+1 && (t[end-1] == '.' || t[end-1] == '-') {
			end--
		}
		lastDot = bytes.LastIndexByte(t[at+1:end], '.')
		if lastDot >= 0 {
			lastDot += at + 1
		}
		if lastDot < 0 || lastDot >= end-2 {
			continue
		}
		tld := t[lastDot+1 : end]
		ok := true
		for _, c := range tld {
			if !isAlpha(c) {
				ok = false
			}
		}
		if user := userinfo(t, start); user >= 0 && start < at {
			// scheme://user:password@host: the password is the datum.
			dst = append(dst, Finding{Secret, user, at})
			continue
		}
		if ok && !fileExtension(tld) && !scaleSuffix(t[at+1:end]) {
			dst = append(dst, Finding{Email, start, end})
			off = end
		}
	}
}

// userinfo finds the password of "scheme://user:password@": given where
// the would-be local part starts, it returns where the password starts,
// or -1.
func userinfo(t []byte, start int) int {
	if start < 1 || t[start-1] != ':' {
		return -1
	}
	u := start - 1
	for u > 0 && start-u < 256 && localByte(t[u-1]) {
		u--
	}
	if u >= 3 && string(t[u-3:u]) == "://" {
		return start
	}
	return -1
}

// scaleSuffix tells "logo@3x.avif" from an address.
func scaleSuffix(domain []byte) bool {
	k := 0
	for k < len(domain) && isDigit(domain[k]) {
		k++
	}
	return k > 0 && k+1 < len(domain) && domain[k] == 'x' && domain[k+1] == '.'
}

// fileExtension tells "icon@2x.png" from an address.
func fileExtension(tld []byte) bool {
	switch strings.ToLower(string(tld)) {
	case "png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "ico", "bmp":
		return true
	}
	return false
}

// --- secrets ----------------------------------------------------------

func tokenByte(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

func tokenEnd(t []byte, i int) int {
	for i < len(t) && tokenByte(t[i]) {
		i++
	}
	for i > 0 && (t[i-1] == '.' || t[i-1] == ',') {
		i--
	}
	return i
}

// keyPrefixes are the prefixes of well-known API keys with the least
// number of characters that must follow.
var keyPrefixes = []struct {
	prefix string
	min    int
	exact  bool // exactly min capitals and digits
}{
	{"sk_live_", 16, false}, {"sk_test_", 16, false}, {"rk_live_", 16, false}, {"pk_live_", 16, false},
	{"AKIA", 16, true}, {"ASIA", 16, true}, {"AIza", 30, false},
	{"ghp_", 30, false}, {"gho_", 30, false}, {"ghs_", 30, false}, {"ghu_", 30, false}, {"github_pat_", 30, false},
	{"glpat-", 20, false}, {"xoxb-", 20, false}, {"xoxp-", 20, false}, {"xapp-", 20, false},
	{"sk-", 20, false}, {"SG.", 40, false}, {"npm_", 30, false},
}

// maxKey bounds the length of an API key's body.
const maxKey = 512

// secretLabels are words after which a value is a secret.
var secretLabels = []string{
	"password", "passwort", "passwd", "passcode", "kennwort", "pwd", "pin",
	"secret", "api key", "api_key", "apikey", "api-key", "access token", "token",
	"client secret", "client_secret", "mot de passe", "contraseña",
}

func scanSecrets(dst []Finding, t []byte) []Finding {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if wordBefore(t, i) {
			continue
		}
		switch {
		case c == 'e' && i+3 < len(t) && t[i+1] == 'y' && t[i+2] == 'J':
			end, ok := jwt(t, i)
			if ok {
				dst = append(dst, Finding{Secret, i, end})
			}
			if end > i {
				i = end // valid or not, the run holds no other secret
				continue
			}
		case c|0x20 == 'b' && hasFoldPrefix(t[i:], "bearer "):
			j := i + len("bearer ")
			if end := tokenEnd(t, j); end-j >= 16 {
				dst = append(dst, Finding{Secret, j, end})
				i = end
				continue
			}
		}
		if end, ok := apiKey(t, i); ok {
			dst = append(dst, Finding{Secret, i, end})
			i = end
			continue
		}
		if start, end, ok := labelled(t, i); ok {
			dst = append(dst, Finding{Secret, start, end})
			i = end
		}
	}
	return dst
}

func hasFoldPrefix(t []byte, p string) bool {
	if len(t) < len(p) {
		return false
	}
	for k := range len(p) {
		c := t[k]
		if isUpper(c) {
			c |= 0x20
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// jwt returns the end of the base64url run at i and whether it is a JSON
// web token: three parts joined by dots, the first two at least 4 long.
func jwt(t []byte, i int) (int, bool) {
	parts, j := 0, i
	for parts < 3 {
		k := j
		for k < len(t) && (isAlnum(t[k]) || t[k] == '-' || t[k] == '_') {
			k++
		}
		if k-j < 4 && parts < 2 {
			return k, false
		}
		if k == j { // an unsigned token, "header.payload."; not the dot
			return j - 1, true
		}
		parts++
		j = k
		if parts < 3 {
			if j >= len(t) || t[j] != '.' {
				return j, false
			}
			j++
		}
	}
	return j, true
}

// keysByFirst and labelsByFirst index keyPrefixes and secretLabels by
// their first byte (labels folded to lower case), so that a word start
// tries only the few that can match.
var keysByFirst, labelsByFirst [256][]int

func init() {
	for n, k := range keyPrefixes {
		keysByFirst[k.prefix[0]] = append(keysByFirst[k.prefix[0]], n)
	}
	for n, l := range secretLabels {
		labelsByFirst[l[0]] = append(labelsByFirst[l[0]], n)
	}
}

func apiKey(t []byte, i int) (int, bool) {
	for _, n := range keysByFirst[t[i]] {
		k := keyPrefixes[n]
		if len(t)-i < len(k.prefix)+k.min || string(t[i:i+len(k.prefix)]) != k.prefix {
			continue
		}
		j, body := i+len(k.prefix), i+len(k.prefix)
		if k.exact {
			// AWS access key ids: exactly 16 capitals and digits.
			for j < len(t) && j-body <= k.min && (isUpper(t[j]) || isDigit(t[j])) {
				j++
			}
			if j-body == k.min && !wordAt(t, j) && (j == len(t) || (t[j] != '-' && t[j] != '_')) {
				return j, true
			}
			continue
		}
		// Bounded, so that a long run of "sk-sk-sk-…" stays linear.
		for j < len(t) && j-body < maxKey && (isAlnum(t[j]) || t[j] == '_' || t[j] == '-') {
			j++
		}
		if j-body >= k.min && !wordAt(t, j) {
			return j, true
		}
	}
	return 0, false
}

// labelled finds "password: VALUE", "pin=1234", "API key is VALUE".
func labelled(t []byte, i int) (start, end int, ok bool) {
	c := t[i]
	if isUpper(c) {
		c |= 0x20
	}
	for _, n := range labelsByFirst[c] {
		l := secretLabels[n]
		if !hasFoldPrefix(t[i:], l) {
			continue
		}
		j := i + len(l)
		if wordAt(t, j) {
			continue
		}
		for j < len(t) && t[j] == ' ' {
			j++
		}
		switch {
		case j < len(t) && (t[j] == ':' || t[j] == '='):
			j++
		case hasFoldPrefix(t[j:], "is "):
			j += 3
		default:
			continue
		}
		for j < len(t) && (t[j] == ' ' || t[j] == '"' || t[j] == '\'') {
			j++
		}
		if notAValue(t[j:]) {
			continue
		}
		e, masked := j, true
		// The value ends at white space, a quote, or the ';' and '&' that
		// separate fields in connection strings and URLs.
		for e < len(t) && t[e] > ' ' && t[e] != '"' && t[e] != '\'' && t[e] != 0x7f && !fieldSeparator(t, e) {
			masked = masked && (t[e] == '*' || t[e] == 0xe2 || t[e] == 0x80 || t[e] == 0xa2) // "****", "•••"
			e++
		}
		for e > j && (t[e-1] == ',' || t[e-1] == ';' || ((t[e-1] == '.' || t[e-1] == ')' || t[e-1] == ']') && (e == len(t) || t[e] == ' '))) {
			e-- // sentence punctuation after the value
		}
		if e > j && !masked {
			return j, e, true
		}
	}
	return 0, 0, false
}

// fieldSeparator reports whether t[e] is a ';' or '&' that starts the
// next key=value field ("pwd=x;encrypt=true", "?pin=1234&lang=en").
func fieldSeparator(t []byte, e int) bool {
	if t[e] != ';' && t[e] != '&' {
		return false
	}
	k := e + 1
	for k < len(t) && (isAlnum(t[k]) || t[k] == '_' || t[k] == '-' || t[k] == '.') {
		k++
	}
	return k > e+1 && k < len(t) && t[k] == '='
}

// notAValue reports whether the word after "password is" says something
// about the password rather than being it.
func notAValue(t []byte) bool {
	e := 0
	for e < len(t) && isAlpha(t[e]) {
		e++
	}
	if e == len(t) || !wordByte(t[e]) {
		switch strings.ToLower(string(t[:e])) {
		case "incorrect", "wrong", "required", "expired", "expiring", "invalid", "valid", "too", "not",
			"correct", "reset", "missing", "empty", "changed", "set", "weak", "strong", "locked", "a",
			"the", "now", "about", "due", "being", "still", "optional", "mandatory", "sent", "needed":
			return true
		}
	}
	return false
}

// --- numbers, IBANs, addresses and names ---------------------------------

// scanWords walks the text word by word and classifies number-like spans,
// IBAN candidates, IPv6 candidates and capitalised words.
func scanWords(dst []Finding, t []byte, s *Scanner) []Finding {
	for i := 0; i < len(t); {
		c := t[i]
		if wordBefore(t, i) {
			i++
			continue
		}
		switch {
		case isUpper(c) && i+3 < len(t) && isUpper(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]):
			end, ok := iban(t, i)
			if ok {
				dst = append(dst, Finding{IBAN, i, end})
			}
			if end > i {
				// Valid or not, an IBAN-shaped word holds no other finding.
				i = end
				continue
			}
		}
		if isHex(c) || c == ':' {
			end, ok := ipv6(t, i)
			if ok {
				dst = append(dst, Finding{IP, i, end})
			}
			if end > i {
				// Valid or not ("10:30:45"), a run of hex digits and
				// at least two colons holds no other finding.
				i = end
				continue
			}
		}
		if isDigit(c) || c == '+' || c == '(' {
			f, ok := number(t, i)
			if ok {
				dst = append(dst, f)
				i = f.End
				continue
			}
			if f.End-i >= 15 {
				// A long number that is none of the kinds (a card number
				// failing Luhn): its tail is not a phone number either.
				i = f.End
				continue
			}
		}
		if (isUpper(c) || c >= utf8.RuneSelf) && s != nil && len(s.names) > 0 {
			if end, ok := s.name(t, i); ok {
				dst = append(dst, Finding{Name, i, end})
				i = end
				continue
			}
		}
		i++
	}
	return dst
}

// ibanLength is the length of an IBAN by country (the SWIFT registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
	"BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
	"EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
	"GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24,
	"XK": 20,
}

// iban reads an IBAN-shaped run at i: capitals and digits, compact or in
// groups of four separated by single spaces. It returns the end of the
// IBAN and true, or the end of the run (i when there is none) and false.
// The run may take in the next word ("AT61 1904 3002 3457 3201 BIC"), so
// the country's length decides where the IBAN ends.
func iban(t []byte, i int) (int, bool) {
	var buf [34]byte
	var ends [35]int // ends[n]: where the n-th character ends
	n, j := 0, i
	for j < len(t) && n < 34 {
		c := t[j]
		if isUpper(c) || isDigit(c) {
			buf[n] = c
			n++
			j++
			ends[n] = j
			continue
		}
		if c == ' ' && n%4 == 0 && j+1 < len(t) && (isUpper(t[j+1]) || isDigit(t[j+1])) {
			j++
			continue
		}
		break
	}
	runEnd := ends[n]
	if n < 15 {
		return i, false
	}
	want, ok := ibanLength[string(buf[:2])]
	if !ok || n < want || wordAt(t, ends[want]) {
		return runEnd, false
	}
	// mod-97 over the rearranged characters, letters as 10..35.
	rem := 0
	for k := 0; k < want; k++ {
		c := buf[(k+4)%want]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	if rem != 1 {
		return runEnd, false
	}
	return ends[want], true
}

// ipv6 returns the end of a run of hex digits, colons and dots starting
// at i that holds at least two colons (or i when there is none), and
// whether it is an IPv6 address.
func ipv6(t []byte, i int) (int, bool) {
	j, colons := i, 0
	for j < len(t) && j-i < 45 && (isHex(t[j]) || t[j] == ':' || t[j] == '.') {
		if t[j] == ':' {
			colons++
		}
		j++
	}
	for j > i && t[j-1] == '.' {
		j--
	}
	if colons < 2 || wordAt(t, j) || !bytes.ContainsAny(t[i:j], "0123456789") {
		return i, false // "::" in code, "Cafe::Add"
	}
	a, err := netip.ParseAddr(string(t[i:j]))
	if err != nil {
		// "fe80::1:2:3:4:3389": an address followed by a port.
		k := bytes.LastIndexByte(t[i:j], ':')
		if k < 1 || t[i+k-1] == ':' {
			return j, false
		}
		a, err = netip.ParseAddr(string(t[i : i+k]))
		if err == nil {
			j = i + k
		}
	}
	if err != nil || !a.Is6() {
		return j, false
	}
	return j, true
}

// number classifies a span of digits and separators starting at i as a
// card, an SSN, an IPv4 address or a phone number. When it is none, the
// Finding's End still says where the span ends.
func number(t []byte, i int) (Finding, bool) {
	var groups [24]int8 // lengths of the digit groups
	var seps [24]byte   // the separator before each group after the first
	ng, digits, j, end := 0, 0, i, i
	plus, paren := false, false
	if t[j] == '+' {
		plus = true
		j++
	}
	if j < len(t) && t[j] == '(' {
		paren = true
	}
	var sep byte
	for j < len(t) && ng < len(groups) {
		k := j
		open := t[k] == '('
		if open {
			k++
		}
		g := k
		for k < len(t) && isDigit(t[k]) && k-g < 20 {
			k++
		}
		if k == g || (open && (k >= len(t) || t[k] != ')')) {
			break
		}
		dl := k - g
		seps[ng] = sep
		groups[ng] = int8(dl)
		if open {
			groups[ng] = -groups[ng] // in parentheses
			k++
		}
		ng++
		digits += dl
		end = k
		if k+1 >= len(t) {
			break
		}
		sep = t[k]
		switch {
		case sep == ' ' || sep == '-' || sep == '.' || sep == '/':
			j = k + 1
			if open && sep == ' ' { // "(555) 123" or "(0)30 123"
				sep = 'p'
			}
		case sep == '(' || (open && isDigit(sep)):
			j = k
			sep = 'p'
		default:
			j = len(t)
		}
		if j < len(t) && !isDigit(t[j]) && t[j] != '(' {
			break
		}
	}
	if ng == 0 || wordAt(t, end) || (end < len(t) && t[end] == '.' && end+1 < len(t) && isDigit(t[end+1])) {
		return Finding{End: end}, false
	}
	urlHost := i > 1 && t[i-1] == '/' && t[i-2] == '/' // https://10.0.0.1:8443/
	if !plus && !urlHost && i > 0 && (t[i-1] == '-' || t[i-1] == '/' || t[i-1] == '#' || (t[i-1] == '.' && i > 1 && isDigit(t[i-2]))) {
		return Finding{End: end}, false // part of an identifier such as PO-2026-000123
	}
	g := groups[:ng]
	sp := seps[1:ng]
	same := true
	for _, s := range sp {
		if s != sp[0] {
			same = false
		}
	}
	abs := func(x int8) int {
		if x < 0 {
			return int(-x)
		}
		return int(x)
	}

	// IPv4: four dotted groups of one to three digits, each at most 255.
	if !plus && !paren && ng == 4 && same && sp[0] == '.' {
		if a, err := netip.ParseAddr(string(t[i:end])); err == nil && a.Is4() && !versionBefore(t, i) {
			return Finding{IP, i, end}, true
		}
		return Finding{End: end}, false
	}
	// SSN: 3-2-4 with dashes, not area 000, 666 or 9xx, group 00, serial 0000.
	if !plus && !paren && ng == 3 && same && sp[0] == '-' && g[0] == 3 && g[1] == 2 && g[2] == 4 {
		area := string(t[i : i+3])
		grp := string(t[i+4 : i+6])
		ser := string(t[i+7 : i+11])
		if area != "000" && area != "666" && area[0] != '9' && grp != "00" && ser != "0000" {
			return Finding{SSN, i, end}, true
		}
		return Finding{End: end}, false
	}
	// Payment card: 13 to 19 digits, contiguous or in groups of 4 (Amex
	// 4-6-5), passing the Luhn check.
	if !plus && !paren && digits >= 13 && digits <= 19 && (ng == 1 || (same && (sp[0] == ' ' || sp[0] == '-'))) {
		grouped := ng == 1
		if !grouped {
			grouped = true
			for k, x := range g {
				if x != 4 && !(k == ng-1 && x >= 1) {
					grouped = false
				}
			}
			if ng == 3 && g[0] == 4 && g[1] == 6 && g[2] == 5 {
				grouped = true
			}
		}
		if ng == 1 && digits == 13 && !labelBefore(t, i, 32, "card", "visa", "karte", "carte", "tarjeta") {
			grouped = false // 13 digits in one piece are an EAN more often than a card
		}
		if grouped && cardIssuer(t[i]) && luhn(t[i:end]) {
			return Finding{Card, i, end}, true
		}
		if digits >= 16 || ng == 1 {
			return Finding{End: end}, false
		}
	}
	// Phone numbers.
	switch {
	case plus:
		// International: +CC then the number; 8 to 15 digits.
		if digits >= 8 && digits <= 15 && (ng == 1 && digits >= 10 || ng > 1 && abs(g[0]) <= 4) {
			return Finding{Phone, i, end}, true
		}
	case paren && ng >= 3 && g[0] == -3 && abs(g[1]) == 3 && abs(g[2]) == 4 && ng == 3:
		// (555) 123-4567
		return Finding{Phone, i, end}, true
	case ng == 3 && same && g[0] == 3 && g[1] == 3 && g[2] == 4 && sp[0] != '/':
		// 555-123-4567, 555.123.4567, 555 123 4567
		if t[i] != '0' && t[i] != '1' {
			return Finding{Phone, i, end}, true
		}
	case digits >= 11 && digits <= 15 && ng >= 2 && t[i] == '0' && t[i+1] == '0' && t[i+2] != '0' && g[0] >= 4 && g[0] <= 6 && same && sp[0] == ' ':
		// 0049 30 12345678: international with the 00 prefix.
		return Finding{Phone, i, end}, true
	case ng == 2 && sp[0] == '/' && t[i] == '0' && t[i+1] != '0' && g[0] >= 3 && g[0] <= 5 && digits >= 9 && digits <= 12:
		// 030/1234567
		return Finding{Phone, i, end}, true
	case ng == 4 && same && g[0] == 1 && t[i] == '1' && g[1] == 3 && g[2] == 3 && g[3] == 4:
		// 1-800-555-0199
		return Finding{Phone, i, end}, true
	case digits >= 9 && digits <= 12 && t[i] == '0' && t[i+1] != '0' && ng >= 2 && same && sp[0] != '.' && sp[0] != '/':
		// National trunk prefix: 030 1234567, 06 12 34 56 78, 07700 900123.
		for _, x := range g {
			if x < 2 || x > 8 {
				return Finding{End: end}, false
			}
		}
		return Finding{Phone, i, end}, true
	case digits >= 10 && digits <= 11 && t[i] == '0' && t[i+1] != '0' && ng == 1 && phoneLabelBefore(t, i):
		return Finding{Phone, i, end}, true
	}
	return Finding{End: end}, false
}

// versionBefore reports whether a dotted quad at i is a version number:
// "Version 2.14.0.1", "v10.0.1.2", "build 6.1.7601.1".
func versionBefore(t []byte, i int) bool {
	if i > 0 && (t[i-1] == 'v' || t[i-1] == 'V') {
		return true
	}
	w := bytes.TrimRight(bytes.ToLower(t[max(0, i-12):i]), " :=")
	for _, l := range []string{"version", "build", "release", "firmware", "ver", "rev"} {
		if bytes.HasSuffix(w, []byte(l)) && (len(w) == len(l) || !wordByte(w[len(w)-len(l)-1])) {
			return true // "Server=10.0.0.1" is an address
		}
	}
	return false
}

// phoneLabelBefore reports whether a word like "phone" or "tel" stands in
// the 24 bytes before i.
func phoneLabelBefore(t []byte, i int) bool {
	return labelBefore(t, i, 24, "phone", "tel", "mobile", "cell", "call", "fax", "handy")
}

// labelBefore reports whether one of the labels stands in the n bytes
// before i, ignoring case.
func labelBefore(t []byte, i, n int, labels ...string) bool {
	w := bytes.ToLower(t[max(0, i-n):i])
	for _, l := range labels {
		if bytes.Contains(w, []byte(l)) {
			return true
		}
	}
	return false
}

// cardIssuer reports whether a card number may start with c: Mastercard
// (2, 5), Visa (4), Amex, JCB and Diners (3), Discover, UnionPay and
// Maestro (6). Millisecond timestamps start with 1.
func cardIssuer(c byte) bool { return c >= '2' && c <= '6' }

func luhn(b []byte) bool {
	sum, double := 0, false
	for k := len(b) - 1; k >= 0; k-- {
		c := b[k]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// maxNameWord is the longest name word looked up, in bytes.
const maxNameWord = 64

// name matches one or more consecutive listed name tokens starting at i.
// A single token at the start of a sentence is taken only when the next
// word is a name too, so that "Mark as done" is not a name.
func (s *Scanner) name(t []byte, i int) (int, bool) {
	var lower [maxNameWord]byte
	end, n := i, 0
	j := i
	for {
		// A word: letters in any script and inner hyphens ("Anne-Marie"),
		// at most maxNameWord bytes so that "A-A-A-…" stays linear.
		k, ascii := j, true
		for k < len(t) && k-j <= maxNameWord {
			if t[k] < utf8.RuneSelf {
				if isAlpha(t[k]) || (t[k] == '-' && k > j && k+1 < len(t) && isAlpha(t[k+1])) {
					k++
					continue
				}
				break
			}
			r, size := utf8.DecodeRune(t[k:])
			if !unicode.IsLetter(r) {
				break
			}
			ascii = false
			k += size
		}
		if k == j || k-j > maxNameWord {
			break
		}
		first, _ := utf8.DecodeRune(t[j:])
		if !unicode.IsUpper(first) {
			break
		}
		var ok bool
		if ascii {
			w := lower[:k-j]
			for x := range w {
				w[x] = t[j+x] | 0x20 // letters and '-' only
			}
			_, ok = s.names[string(w)]
		} else {
			_, ok = s.names[strings.ToLower(string(t[j:k]))]
		}
		if !ok {
			break
		}
		n++
		end = k
		if k+1 < len(t) && t[k] == ' ' {
			j = k + 1
			continue
		}
		break
	}
	if n == 0 {
		return 0, false
	}
	if n == 1 && (sentenceStart(t, i) || nextToDigits(t, i, end)) {
		return 0, false
	}
	return end, true
}

// nextToDigits tells "5 Jan 2026" from "Jan".
// "15/Jan/2026" and "Jan-2026" too.
func nextToDigits(t []byte, start, end int) bool {
	sep := func(c byte) bool { return c == ' ' || c == '/' || c == '-' }
	return (start >= 2 && sep(t[start-1]) && isDigit(t[start-2])) || (end+1 < len(t) && sep(t[end]) && isDigit(t[end+1]))
}

// honorifics are the titles after whose full stop a sentence goes on.
var honorifics = []string{"mr.", "mrs.", "ms.", "dr.", "prof.", "hr.", "fr.", "mme.", "sr.", "sra."}

func sentenceStart(t []byte, i int) bool {
	k := i - 1
	for k >= 0 && (t[k] == ' ' || t[k] == '"' || t[k] == '(') {
		k--
	}
	if k >= 0 && t[k] == '.' {
		w := bytes.ToLower(t[max(0, k-4) : k+1])
		for _, h := range honorifics {
			if bytes.HasSuffix(w, []byte(h)) && (k+1-len(h) == 0 || !wordByte(t[k-len(h)])) {
				return false
			}
		}
	}
	return k < 0 || t[k] == '.' || t[k] == '!' || t[k] == '?' || t[k] == ':' || t[k] == '\t' || t[k] == '>'
}

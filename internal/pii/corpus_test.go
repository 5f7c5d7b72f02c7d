package pii

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A labelled string of the evaluation corpus: the text and where its
// personal data is.
type example struct {
	text   string
	labels []Finding
}

// builder assembles a example string piece by piece.
type builder struct {
	b      strings.Builder
	labels []Finding
}

func (b *builder) plain(s string) *builder { b.b.WriteString(s); return b }

func (b *builder) pii(k Kind, s string) *builder {
	start := b.b.Len()
	b.b.WriteString(s)
	b.labels = append(b.labels, Finding{k, start, b.b.Len()})
	return b
}

func (b *builder) done() example { return example{b.b.String(), b.labels} }

// corpus generates n example step texts, about half with personal data
// and half near-misses or ordinary text. The generator builds values the
// way their issuers do (Luhn and mod-97 check digits, SSN rules) and
// knows nothing of how the scanner works.
func corpus(n int, seed uint64) []example {
	r := rand.New(rand.NewPCG(seed, 42))
	g := gen{r}
	var out []example
	for len(out) < n {
		out = append(out, g.one())
	}
	return out
}

type gen struct{ r *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

var (
	firsts  = []string{"Anna", "Lukas", "Sophie", "James", "Mary", "Pierre", "Giulia", "Pieter", "Fatima", "Priya", "Olga", "Carlos", "Hiroshi", "Elena", "Daniel"}
	lasts   = []string{"Schmidt", "Müller", "Smith", "Garcia", "Dubois", "Rossi", "Jansen", "Kowalski", "Tanaka", "Sharma", "Nielsen", "Weber", "Brown", "Chen"}
	apps    = []string{"SAP GUI", "Outlook", "Excel", "Chrome", "Salesforce", "ServiceNow", "Teams", "Word", "Dynamics 365", "Workday"}
	domains = []string{"example.com", "acme-corp.de", "mail.example.org", "contoso.co.uk", "fabrikam.fr", "globex.io"}
)

func (g gen) email() string {
	f, l := strings.ToLower(g.pick(firsts...)), strings.ToLower(g.pick(lasts...))
	f = strings.NewReplacer("ü", "u", "é", "e").Replace(f)
	l = strings.NewReplacer("ü", "ue", "é", "e").Replace(l)
	local := g.pick(f+"."+l, f[:1]+l, f+"_"+l+fmt.Sprint(g.r.IntN(99)), l+"+invoices", "ap-team", "support")
	return local + "@" + g.pick(domains...)
}

func (g gen) phone() string {
	switch g.r.IntN(10) {
	case 0:
		return "+44 20 " + g.digits(4) + " " + g.digits(4)
	case 1:
		return "+1-" + fmt.Sprint(200+g.r.IntN(700)) + "-555-" + g.digits(4)
	case 2:
		return fmt.Sprintf("(%d) %s-%s", 200+g.r.IntN(700), g.digits(3), g.digits(4))
	case 3:
		return fmt.Sprintf("%d.%s.%s", 200+g.r.IntN(700), g.digits(3), g.digits(4))
	case 4:
		return "0" + fmt.Sprint(30+g.r.IntN(60)) + " " + g.digits(7)
	case 5:
		return fmt.Sprintf("0%d %s %s %s %s", 1+g.r.IntN(7), g.digits(2), g.digits(2), g.digits(2), g.digits(2))
	case 6:
		return "07" + g.digits(3) + " " + g.digits(6)
	case 7:
		return "+49 (0)" + fmt.Sprint(30+g.r.IntN(60)) + " " + g.digits(7)
	case 8:
		return fmt.Sprintf("+33 %d %s %s %s %s", 1+g.r.IntN(7), g.digits(2), g.digits(2), g.digits(2), g.digits(2))
	default:
		return "+" + fmt.Sprint(30+g.r.IntN(60)) + g.digits(9)
	}
}

// luhnComplete appends the Luhn check digit to body.
func luhnComplete(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

func (g gen) cardNumber(valid bool) string {
	var n string
	switch g.r.IntN(3) {
	case 0:
		n = luhnComplete("4" + g.digits(14))
	case 1:
		n = luhnComplete(fmt.Sprint(51+g.r.IntN(5)) + g.digits(13))
	default:
		n = luhnComplete(g.pick("34", "37") + g.digits(12))
	}
	if !valid {
		last := n[len(n)-1]
		n = n[:len(n)-1] + string('0'+(last-'0'+1+byte(g.r.IntN(8)))%10)
	}
	return n
}

func (g gen) card(valid bool) string {
	n := g.cardNumber(valid)
	switch g.r.IntN(3) {
	case 0:
		return n
	case 1:
		if len(n) == 15 {
			return n[:4] + " " + n[4:10] + " " + n[10:]
		}
		return n[:4] + " " + n[4:8] + " " + n[8:12] + " " + n[12:]
	default:
		if len(n) == 15 {
			return n[:4] + "-" + n[4:10] + "-" + n[10:]
		}
		return n[:4] + "-" + n[4:8] + "-" + n[8:12] + "-" + n[12:]
	}
}

// ibanNumber builds an IBAN with correct check digits (ISO 13616), or
// wrong ones.
func (g gen) ibanNumber(valid bool) string {
	country, bban := "DE", g.digits(18)
	switch g.r.IntN(4) {
	case 1:
		country, bban = "GB", "NWBK"+g.digits(14)
	case 2:
		country, bban = "FR", g.digits(23)
	case 3:
		country, bban = "NL", "ABNA"+g.digits(10)
	}
	rem := 0
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	check := 98 - rem
	if !valid {
		check = (check+1+g.r.IntN(90))%97 + 2
		if check == 98-rem {
			check = (check % 97) + 1
		}
	}
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}

func (g gen) iban(valid bool) string {
	n := g.ibanNumber(valid)
	if g.r.IntN(2) == 0 {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n[i:min(i+4, len(n))])
	}
	return b.String()
}

func (g gen) ssn() string {
	area := 1 + g.r.IntN(899)
	if area == 666 {
		area = 667
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, 1+g.r.IntN(99), 1+g.r.IntN(9999))
}

func (g gen) ip() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
	case 2:
		return fmt.Sprintf("2001:db8:%x:%x::%x", g.r.IntN(65536), g.r.IntN(65536), 1+g.r.IntN(65535))
	default:
		return fmt.Sprintf("fe80::%x:%x:%x:%x", g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536))
	}
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g gen) chars(n int, alphabet string) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

// secret gives the text around a secret and the secret itself.
func (g gen) secret() (before, value, after string) {
	switch g.r.IntN(7) {
	case 0:
		return "Authorization: Bearer ", g.chars(32, b64+"-_"), ""
	case 1:
		return "Paste API key ", "AKIA" + g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), " into settings"
	case 2:
		return "Stripe key ", "sk_live_" + g.chars(24, b64), ""
	case 3:
		return "token ", "ghp_" + g.chars(36, b64), " copied from GitHub"
	case 4:
		return "Session ", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI" + g.chars(20, b64) + "." + g.chars(43, b64+"-_"), ""
	case 5:
		return g.pick("Password: ", "password=", "PIN: ", "Kennwort: "), g.chars(6+g.r.IntN(8), b64+"!#$%"), ""
	default:
		return "The password is ", g.pick("Summer2026!", "Tr0ub4dor&3", "hunter2x", "Welcome#123"), ""
	}
}

// one makes a example step text.
func (g gen) one() example {
	b := &builder{}
	app := g.pick(apps...)
	switch g.r.IntN(20) {
	case 0:
		b.plain("Type ").pii(Email, g.email()).plain(" in To field")
	case 1:
		b.plain(app+" - Inbox - ").pii(Email, g.email())
	case 2:
		b.plain("Call supplier at ").pii(Phone, g.phone())
	case 3:
		b.plain("Enter phone number ").pii(Phone, g.phone()).plain(" for vendor " + fmt.Sprint(100000+g.r.IntN(900000)))
	case 4:
		b.plain("Enter card number ").pii(Card, g.card(true))
	case 5:
		b.plain("Bank details updated: IBAN ").pii(IBAN, g.iban(true)).plain(", BIC DEUTDEFF")
	case 6:
		b.plain("SSN ").pii(SSN, g.ssn()).plain(" entered in Workday")
	case 7:
		ip, suffix := g.ip(), g.pick(" via RDP", ":3389", "", " (VPN)")
		if suffix == ":3389" && strings.Contains(ip, ":") {
			// An IPv6 address with a port is written in brackets (RFC 5952 §6).
			b.plain("Connect to [").pii(IP, ip).plain("]" + suffix)
			break
		}
		b.plain("Connect to ").pii(IP, ip).plain(suffix)
	case 8:
		before, v, after := g.secret()
		b.plain(before).pii(Secret, v).plain(after)
	case 9:
		b.plain("Assign ticket to ").pii(Name, g.pick(firsts...)+" "+g.pick(lasts...)).plain(" in " + app)
	case 10:
		b.plain("Approved by ").pii(Name, g.pick(firsts...)+" "+g.pick(lasts...)).plain(", forwarded to ").pii(Email, g.email())
	case 11:
		b.plain("Reply to ").pii(Name, g.pick(firsts...)).plain(": invoice ").plain("INV-" + g.digits(6)).plain(" paid")
	// Near-misses and ordinary text: no personal data.
	case 12:
		b.plain("Card " + g.card(false) + " declined")
	case 13:
		b.plain("Payment to " + g.iban(false) + " rejected")
	case 14:
		b.plain(g.pick("Open PO-2026-", "Post invoice INV-", "Create order SO-", "Material ") + g.digits(6) + " in " + app)
	case 15:
		b.plain(fmt.Sprintf("Save report_%s.xlsx at %02d:%02d:%02d on %s", g.digits(8), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60),
			g.pick("2026-01-05", "05.01.2026", "01/05/2026", "5 Jan 2026")))
	case 16:
		b.plain(fmt.Sprintf("Amount EUR %d,%03d.%02d, qty %d, PO %s", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100), 1+g.r.IntN(50), "45"+g.digits(8)))
	case 17:
		b.plain(g.pick("Mark as done", "Click Save", "Password reset link sent", "The password is incorrect", "Enter password",
			"Select icon@2x.png", "Windows 10.0.19045.3693", "@support please check", "Order 123-45-678 shipped",
			"Tracking 1Z999AA10123456784", "Version 2.14.0.1 installed", "Grant access to folder", "Will ship tomorrow"))
	case 18:
		b.plain(fmt.Sprintf("Record %s, SSN field left blank, code 000-%02d-%04d", g.digits(10), g.r.IntN(100), g.r.IntN(10000)))
	default:
		b.plain(g.pick("Copy", "Paste", "Click", "Open", "Close") + " " + g.pick("Submit", "Vendor master", "Goods receipt", "Approve", "Attachments") +
			" in " + app + fmt.Sprintf(" (step %d of %d)", 1+g.r.IntN(20), 20+g.r.IntN(10)))
	}
	return b.done()
}

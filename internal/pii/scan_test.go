package pii

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanFindsEachKind(t *testing.T) {
	s := NewScanner(DefaultNames)
	for _, tc := range []struct {
		text string
		want string // kind=span, space-separated
	}{
		{"Send to anna.schmidt@acme-corp.de today", "email=anna.schmidt@acme-corp.de"},
		{"mail a.b+tag@mail.example.org.", "email=a.b+tag@mail.example.org"},
		{"Call +44 20 7946 0958 now", "phone=+44 20 7946 0958"},
		{"(555) 123-4567", "phone=(555) 123-4567"},
		{"Tel. 030 1234567", "phone=030 1234567"},
		{"+49 (0)30 1234567", "phone=+49 (0)30 1234567"},
		{"06 12 34 56 78", "phone=06 12 34 56 78"},
		{"Card 4111 1111 1111 1111 ok", "card=4111 1111 1111 1111"},
		{"Card 4111111111111111", "card=4111111111111111"},
		{"Amex 3782-822463-10005", "card=3782-822463-10005"},
		{"IBAN DE89 3704 0044 0532 0130 00", "iban=DE89 3704 0044 0532 0130 00"},
		{"GB82WEST12345698765432", "iban=GB82WEST12345698765432"},
		{"SSN 123-45-6789", "ssn=123-45-6789"},
		{"host 192.168.1.20:22", "ip=192.168.1.20"},
		{"at 2001:db8::8a2e:370:7334 ok", "ip=2001:db8::8a2e:370:7334"},
		{"Authorization: Bearer abcdefghijklmnop1234", "secret=abcdefghijklmnop1234"},
		{"key AKIAIOSFODNN7EXAMPLE", "secret=AKIAIOSFODNN7EXAMPLE"},
		{"password: s3cr3t!", "secret=s3cr3t!"},
		{"The password is Summer2026!", "secret=Summer2026!"},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz", "secret=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz"},
		{"Assign to Anna Schmidt please", "name=Anna Schmidt"},
		{"Ask Müller", "name=Müller"},
		// Found on the hand-written corpus (testdata/handwritten.jsonl).
		{"jdbc:sqlserver://db01;user=svc;pwd=Sommer2026Kx;encrypt=true", "secret=Sommer2026Kx"},
		{"password:Kaffee&Kuchen42", "secret=Kaffee&Kuchen42"},
		{"Open https://192.168.3.88:8443/admin", "ip=192.168.3.88"},
		{"Type 'Rossi' into 'Last name'", "name=Rossi"},
		{"Zoom - Julia's Personal Meeting Room", "name=Julia"},
		{"Dear Mr. Garcia, please", "name=Garcia"},
		// Found by review.
		{"IBAN AT611904300234573201 BIC BKAUATWW", "iban=AT611904300234573201"},
		{"Pay ES91 2100 0418 4502 0005 1332 EUR 100", "iban=ES91 2100 0418 4502 0005 1332"},
		{"Tel.\u00a0+49 30 1234567", "phone=+49 30 1234567"},
		{"Ask “Anna Schmidt” please", "name=Anna Schmidt"},
		{"Ask MÜLLER", "name=MÜLLER"},
		{"The password is hunter2.", "secret=hunter2"},
		{"(password: hunter2)", "secret=hunter2"},
		{"postgres://app:hunter2@db.example.com/prod", "secret=hunter2"},
		{"john.4111111111111111@example.com", "email=john.4111111111111111@example.com"},
		{"Tel. 0049 30 12345678", "phone=0049 30 12345678"},
		{"Tel.: 030/1234567", "phone=030/1234567"},
	} {
		if got := render(tc.text, s.Scan(nil, []byte(tc.text))); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestScanLeavesNearMissesAlone(t *testing.T) {
	s := NewScanner(DefaultNames)
	for _, text := range []string{
		"Card 4111 1111 1111 1112 declined",  // fails Luhn
		"IBAN DE88 3704 0044 0532 0130 00",   // fails mod-97
		"Open PO-2026-000123",                // order id
		"Posted 2026-01-05 10:30:00",         // date and time
		"05.01.2026 10:30",                   // date and time
		"Amount 1,234.56 EUR",                // amount
		"Windows 10.0.19045.3693",            // version
		"code 000-12-3456 and 666-12-3456",   // impossible SSNs
		"Select icon@2x.png",                 // file name
		"Mark as done",                       // not a name here
		"The password is incorrect",          // about the password
		"SAP PO 4500012345",                  // purchase order number
		"Tracking 1Z999AA10123456784",        // parcel number
		"@support please",                    // mention
		"Time 10:30:45",                      // not IPv6
		"Enter password",                     // label without value
		"Password: ********",                 // masked
		"[15/Jan/2026:10:12:03 +0100]",       // a month
		"Region ASIA-PACIFIC-SOUTHEAST-2026", // not an AWS key id
		"ASIA_PACIFIC_LOGISTICS_01",
		"Your password is about to expire",
		"Token is valid until Friday",
		"Password: required field",
		"ts=1767225600009",  // epoch milliseconds
		"EAN 4006381330060", // a barcode
		"SN12000000000038",  // no such IBAN country
		"Firmware 2.1.0.4",
		"Version: 1.2.3.4",
		"type foo :: Int",
		"Cafe::Add",
		"logo@3x.avif",
		"api\rkey: hunter2",
		"Vendor 123456 in SAP GUI (step 3 of 20)",
	} {
		if got := render(text, s.Scan(nil, []byte(text))); got != "" {
			t.Errorf("%q: found %q, want nothing", text, got)
		}
	}
}

func TestScanAppendsAndKeepsOffsets(t *testing.T) {
	s := NewScanner(nil)
	dst := []Finding{{Email, 100, 200}}
	dst = s.Scan(dst, []byte("x 10.0.0.1 y"))
	if len(dst) != 2 || dst[0] != (Finding{Email, 100, 200}) || dst[1] != (Finding{IP, 2, 10}) {
		t.Fatalf("got %v", dst)
	}
	if got := render("x Anna y", s.Scan(nil, []byte("x Anna y"))); got != "" {
		t.Errorf("a scanner without names found %q", got)
	}
	s = NewScanner([]string{"Åsa Öberg", "Élodie Durand"})
	for text, want := range map[string]string{
		"Ask Åsa Öberg today": "name=Åsa Öberg",
		"Ask Élodie Durand":   "name=Élodie Durand",
		"Ask Anna":            "",
	} {
		if got := render(text, s.Scan(nil, []byte(text))); got != want {
			t.Errorf("with a names list, %q: got %q, want %q", text, got, want)
		}
	}
}

func render(text string, fs []Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Kind.String()+"="+text[f.Start:f.End])
	}
	return strings.Join(parts, " ")
}

// TestCorpus measures precision and recall on 5,000 generated step texts
// (see corpus_test.go). A finding counts as correct when a label of the
// same kind covers the same bytes.
func TestCorpus(t *testing.T) {
	texts := corpus(5000, 1)
	p, r := evaluate(t, texts)
	if p < 0.98 || r < 0.95 {
		t.Errorf("precision %.4f (want ≥ 0.98), recall %.4f (want ≥ 0.95)", p, r)
	}
}

// TestHandwrittenCorpus measures the scanner on testdata/handwritten.jsonl:
// step texts written by someone who had not seen the scanner's code, so
// that its figures are not those of a generator tuned alongside it.
func TestHandwrittenCorpus(t *testing.T) {
	b, err := os.ReadFile("testdata/handwritten.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var texts []example
	for n, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			Text   string
			Labels []struct{ Kind, Text string }
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("handwritten.jsonl:%d: %v", n+1, err)
		}
		ex := example{text: e.Text}
		from := map[string]int{}
		for _, l := range e.Labels {
			k := kindByName(l.Kind)
			i := strings.Index(e.Text[from[l.Text]:], l.Text)
			if k == 0 || i < 0 {
				t.Fatalf("handwritten.jsonl:%d: bad label %q %q", n+1, l.Kind, l.Text)
			}
			start := from[l.Text] + i
			from[l.Text] = start + len(l.Text)
			ex.labels = append(ex.labels, Finding{k, start, start + len(l.Text)})
		}
		texts = append(texts, ex)
	}
	p, r := evaluate(t, texts)
	if p < 0.95 || r < 0.90 {
		t.Errorf("precision %.4f (want ≥ 0.95), recall %.4f (want ≥ 0.90)", p, r)
	}
}

func kindByName(name string) Kind {
	for _, k := range Kinds() {
		if k.String() == name {
			return k
		}
	}
	return 0
}

// evaluate scans every text, logs the misses and false positives and a
// table per kind, and returns overall precision and recall.
func evaluate(t *testing.T, texts []example) (precision, recall float64) {
	t.Helper()
	s := NewScanner(DefaultNames)
	type counts struct{ tp, fp, fn int }
	per := map[Kind]*counts{}
	for _, k := range Kinds() {
		per[k] = &counts{}
	}
	for _, l := range texts {
		got := s.Scan(nil, []byte(l.text))
		matched := make([]bool, len(l.labels))
		for _, f := range got {
			ok := false
			for i, want := range l.labels {
				if !matched[i] && want == f {
					matched[i], ok = true, true
					break
				}
			}
			if ok {
				per[f.Kind].tp++
			} else {
				per[f.Kind].fp++
				t.Logf("false positive %s in %q", render(l.text, []Finding{f}), l.text)
			}
		}
		for i, want := range l.labels {
			if !matched[i] {
				per[want.Kind].fn++
				t.Logf("missed %s in %q", render(l.text, []Finding{want}), l.text)
			}
		}
	}
	var all counts
	var table strings.Builder
	fmt.Fprintf(&table, "%d texts\n| kind | labels | precision | recall |\n|---|---:|---:|---:|\n", len(texts))
	for _, k := range Kinds() {
		c := per[k]
		all.tp, all.fp, all.fn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn
		fmt.Fprintf(&table, "| %s | %d | %.4f | %.4f |\n", k, c.tp+c.fn, ratio(c.tp, c.tp+c.fp), ratio(c.tp, c.tp+c.fn))
		if c.tp+c.fn < 20 {
			t.Errorf("only %d labels of kind %s in the corpus", c.tp+c.fn, k)
		}
	}
	precision, recall = ratio(all.tp, all.tp+all.fp), ratio(all.tp, all.tp+all.fn)
	fmt.Fprintf(&table, "| all | %d | %.4f | %.4f |\n", all.tp+all.fn, precision, recall)
	t.Log("\n" + table.String())
	return precision, recall
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// BenchmarkScan measures throughput on the corpus's step texts, one line
// at a time as the importer and `procmine pii scan` do.
func BenchmarkScan(b *testing.B) {
	s := NewScanner(DefaultNames)
	var lines [][]byte
	size := 0
	for _, l := range corpus(5000, 2) {
		lines = append(lines, []byte(l.text))
		size += len(l.text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var dst []Finding
	for b.Loop() {
		for _, l := range lines {
			dst = s.Scan(dst[:0], l)
		}
	}
}

// BenchmarkScanAdversarial scans 256 KiB lines built to make a careless
// scanner quadratic; it should take about as long per byte as ordinary text.
func BenchmarkScanAdversarial(b *testing.B) {
	s := NewScanner(DefaultNames)
	for _, p := range []string{"A-", "A'", "sk-", "AKIA-", "eyJa-", "1 ", ":", "a@", "a@b.co ", "DE89 ", "Anna "} {
		line := []byte(strings.Repeat(p, (256<<10)/len(p)) + "é")
		b.Run(strings.TrimSpace(p), func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			var dst []Finding
			for b.Loop() {
				dst = s.Scan(dst[:0], line)
			}
		})
	}
}

func FuzzScan(f *testing.F) {
	for _, l := range corpus(200, 3) {
		f.Add(l.text)
	}
	f.Add("+(((1")
	f.Add("a@b.c@d.ef")
	f.Add("password: ")
	s := NewScanner(DefaultNames)
	f.Fuzz(func(t *testing.T, text string) {
		fs := s.Scan(nil, []byte(text))
		end := 0
		for _, x := range fs {
			if x.Start < end || x.End <= x.Start || x.End > len(text) {
				t.Fatalf("bad finding %+v after %d in %q (%v)", x, end, text, fs)
			}
			if x.Kind < Secret || x.Kind > Name {
				t.Fatalf("bad kind %d", x.Kind)
			}
			end = x.End
		}
		if utf8.ValidString(text) {
			for _, x := range fs {
				if !utf8.ValidString(text[x.Start:x.End]) {
					t.Fatalf("finding %+v splits a character in %q", x, text)
				}
			}
		}
	})
}

package cli

import (
	"fmt"
	"strings"
	"testing"
)

func TestPIIScan(t *testing.T) {
	in := "Mail anna.schmidt@example.com\r\nnothing here, PO-2026-000123\n" +
		"card 4111 1111 1111 1111, call +44 20 7946 0958\nAsk Giulia Bianchi\n"
	code, out, errOut := runWithInput(in, "pii", "scan", "--json")
	want := `{"line":1,"kind":"email","start":5,"end":29}
{"line":3,"kind":"card","start":5,"end":24}
{"line":3,"kind":"phone","start":31,"end":47}
{"line":4,"kind":"name","start":4,"end":18}
`
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q, output:\n%s\nwant:\n%s", code, errOut, out, want)
	}

	// A line of exactly the limit, with its CRLF, is read.
	code, out, errOut = runWithInput(strings.Repeat("x", maxPIILine-9)+" 10.0.0.1\r\n", "pii", "scan")
	if code != 0 || out != fmt.Sprintf(`{"line":1,"kind":"ip","start":%d,"end":%d}`+"\n", maxPIILine-8, maxPIILine) {
		t.Fatalf("a line at the limit: exit %d, stderr %q, output %q", code, errOut, out)
	}

	// A names file replaces the built-in list.
	names := writeFile(t, "names.txt", "# people\nZorro\n")
	code, out, _ = runWithInput("Ask Giulia Bianchi and Don Zorro\n", "pii", "scan", "--names", names)
	if code != 0 || out != `{"line":1,"kind":"name","start":27,"end":32}`+"\n" {
		t.Fatalf("with --names: exit %d, output %q", code, out)
	}

	// Errors: no verb, an unknown flag, a missing names file, a line too long.
	for _, tc := range []struct {
		in   string
		args []string
		code int
		msg  string
	}{
		{"", []string{"pii"}, 2, "expected 'pii scan'"},
		{"", []string{"pii", "scan", "--bogus"}, 2, "flag provided but not defined"},
		{"", []string{"pii", "scan", "--names", "/does/not/exist"}, 1, "/does/not/exist"},
		{"ok\n" + strings.Repeat("x", maxPIILine+1), []string{"pii", "scan"}, 1, "stdin:2: line longer than"},
		{"ok\n" + strings.Repeat("x", maxPIILine+3) + "\n", []string{"pii", "scan"}, 1, "stdin:2:"},
	} {
		code, out, errOut := runWithInput(tc.in, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and %q", tc.args, code, errOut, out, tc.code, tc.msg)
		}
	}
}

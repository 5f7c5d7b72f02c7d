package recorder

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPack: the zip holds every file of the extension, manifest.json at
// its root, and one version always packs to the same bytes.
func TestPack(t *testing.T) {
	var a, b bytes.Buffer
	if err := Pack(&a); err != nil {
		t.Fatal(err)
	}
	if err := Pack(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two packs differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var packed, want []string
	for _, f := range zr.File {
		packed = append(packed, f.Name)
	}
	filepath.WalkDir("extension", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel("extension", path)
			want = append(want, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(packed)
	slices.Sort(want)
	if !slices.Equal(packed, want) || !slices.Contains(packed, "manifest.json") {
		t.Errorf("packed %q, want %q", packed, want)
	}
	if v, err := Version(); err != nil || v == "" {
		t.Errorf("version %q: %v", v, err)
	}
}

// TestPermissionsAreJustifiedAndUsed: the manifest asks for exactly the
// permissions README.md lists with their reasons, and the code uses each.
func TestPermissionsAreJustifiedAndUsed(t *testing.T) {
	data, err := os.ReadFile("extension/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Permissions     []string `json:"permissions"`
		HostPermissions []string `json:"host_permissions"`
		Incognito       string   `json:"incognito"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	asked := append(append([]string{}, m.Permissions...), m.HostPermissions...)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, match := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\| [^|]{20,}\\|$").FindAllStringSubmatch(string(readme), -1) {
		listed = append(listed, match[1])
	}
	slices.Sort(asked)
	slices.Sort(listed)
	if !slices.Equal(asked, listed) {
		t.Errorf("the manifest asks for %q; README.md justifies %q", asked, listed)
	}
	if m.Incognito != "not_allowed" {
		t.Errorf("incognito %q: the recorder must never run in an incognito window", m.Incognito)
	}
	code := ""
	fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".js") {
			b, _ := fs.ReadFile(Files(), path)
			code += string(b)
		}
		return err
	})
	uses := map[string]string{"storage": "chrome.storage.", "alarms": "chrome.alarms.", "<all_urls>": "chrome.tabs.captureVisibleTab("}
	for _, p := range asked {
		if uses[p] == "" || !strings.Contains(code, uses[p]) {
			t.Errorf("permission %q: not used (looked for %q)", p, uses[p])
		}
	}
}

// TestRules runs the shared rules (lib/rules.js) in Node.js on a table:
// which sites are recorded, which fields are sensitive, what looks like
// a card number.
func TestRules(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed (scripts/test installs npm, which brings it)")
		}
		t.Skip("node is not installed")
	}
	script := `
import "./extension/lib/rules.js";
const R = globalThis.procmineRules;
const s = (o) => R.settings(o);
const out = {
  plain: R.siteAllowed("app.example.com", s()),
  denied: R.siteAllowed("app.example.com", s({deny: ["example.com"]})),
  deniedStar: R.siteAllowed("a.b.example.com", s({deny: ["*.example.com"]})),
  deniedURL: R.siteAllowed("example.com:8443", s({deny: ["https://example.com/login"]})),
  otherSite: R.siteAllowed("example.org", s({deny: ["example.com"]})),
  suffixOnly: R.siteAllowed("notexample.com", s({deny: ["example.com"]})),
  portDenied: R.siteAllowed("localhost:8080", s({deny: ["localhost:8080"]})),
  otherPort: R.siteAllowed("localhost:9090", s({deny: ["localhost:8080"]})),
  allowList: R.siteAllowed("crm.example.com", s({allow: ["crm.example.com"]})),
  outsideAllow: R.siteAllowed("mail.example.com", s({allow: ["crm.example.com"]})),
  denyBeatsAllow: R.siteAllowed("crm.example.com", s({allow: ["example.com"], deny: ["crm.example.com"]})),
  blankAllow: R.siteAllowed("x.org", s({allow: ["", "  "]})),
  noSite: R.siteAllowed("", s()),
  trailingDot: R.siteAllowed(R.siteOf("https://bank.example.com./login"), s({deny: ["example.com"]})),
  trailingDotPattern: R.siteAllowed("example.com", s({deny: ["example.com."]})),
  unicodePattern: R.siteAllowed(R.siteOf("https://www.bücher.de/"), s({deny: ["bücher.de"]})),
  siteWithPort: R.siteOf("https://Example.com.:8443/x"),
  partialSettings: R.siteAllowed("example.com", R.settings({deny: undefined, allow: null})),
  chromePage: R.siteOf("chrome://settings"),
  fileSite: R.siteOf("file:///etc/passwd"),
  httpSite: R.siteOf("http://Example.COM:8080/a?b"),
  card: R.looksLikeCard("4111 1111 1111 1111"),
  cardDashes: R.looksLikeCard("4111-1111-1111-1111"),
  notLuhn: R.looksLikeCard("4111 1111 1111 1112"),
  short: R.looksLikeCard("4111 1111"),
  phone: R.looksLikeCard("+49 30 1234567"),
};
console.log(JSON.stringify(out));
`
	cmd := exec.Command(node, "--input-type=module", "-e", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]any{
		"plain": true, "denied": false, "deniedStar": false, "deniedURL": false, "otherSite": true, "suffixOnly": true,
		"portDenied": false, "otherPort": true, "allowList": true, "outsideAllow": false, "denyBeatsAllow": false,
		"blankAllow": true, "noSite": false, "chromePage": "", "fileSite": "", "httpSite": "example.com:8080",
		"trailingDot": false, "trailingDotPattern": false, "unicodePattern": false, "siteWithPort": "example.com:8443", "partialSettings": true,
		"card": true, "cardDashes": true, "notLuhn": false, "short": false, "phone": false,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
}

// TestLint runs ESLint (installed by scripts/test from lint/'s lock, see
// PROCMINE_ESLINT) on every script of the extension.
func TestLint(t *testing.T) {
	dir := os.Getenv("PROCMINE_ESLINT")
	if dir == "" {
		msg := "PROCMINE_ESLINT is not set (scripts/test installs ESLint with npm ci)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "eslint"), "--config", filepath.Join(dir, "eslint.config.mjs"), "--format", "json", "extension")
	out, err := cmd.Output()
	var results []struct {
		FilePath   string `json:"filePath"`
		ErrorCount int    `json:"errorCount"`
		Messages   []struct {
			Line    int    `json:"line"`
			RuleID  string `json:"ruleId"`
			Message string `json:"message"`
		} `json:"messages"`
	}
	if jerr := json.Unmarshal(out, &results); jerr != nil {
		t.Fatalf("eslint: %v (%v): %s", err, jerr, out)
	}
	scripts := 0
	fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".js") {
			scripts++
		}
		return err
	})
	if len(results) != scripts {
		t.Errorf("eslint read %d files, the extension has %d scripts", len(results), scripts)
	}
	for _, r := range results {
		for _, m := range r.Messages {
			t.Errorf("%s:%d: %s (%s)", r.FilePath, m.Line, m.Message, m.RuleID)
		}
	}
}

package cli

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/recording"
)

const recJSON = `{"format": "procmine-recording", "version": 1, "title": "Sign in for jane.doe@example.com",
 "steps": [
  {"name": "Type password", "action": "type", "element": {"role": "password", "bounds": [2, 2, 10, 4]}, "input": "hunter2!",
   "started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02T09:00:03Z", "screenshot": "screenshots/1.png"},
  {"name": "Pay", "action": "type", "input": "card 4111 1111 1111 1111",
   "started_at": "2026-03-02T09:00:03Z", "ended_at": "2026-03-02T09:00:09Z"}
 ]}`

// recordingDir writes an unpacked recording: recording.json and screenshots/.
func recordingDir(t *testing.T, js string) string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "recording.json"), []byte(js), 0o644)
	os.Mkdir(filepath.Join(dir, "screenshots"), 0o755)
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	os.WriteFile(filepath.Join(dir, "screenshots", "1.png"), buf.Bytes(), 0o644)
	return dir
}

func TestRecordingPackValidateRedact(t *testing.T) {
	dir := recordingDir(t, recJSON)
	out := filepath.Join(t.TempDir(), "r.zip")
	if code, _, errOut := runCode("recording", "pack", dir, "-o", out); code != 0 || !strings.Contains(errOut, "2 steps, 1 screenshots packed") {
		t.Fatalf("pack: %d %s", code, errOut)
	}
	code, stdout, errOut := runCode("recording", "validate", out)
	if code != 0 || !strings.Contains(stdout, "valid: \"Sign in for jane.doe@example.com\", format version 1, 2 steps, 1 screenshots") {
		t.Fatalf("validate: %d %s %s", code, stdout, errOut)
	}
	before, _ := os.ReadFile(out)
	clean := filepath.Join(t.TempDir(), "clean.zip")
	code, _, errOut = runCode("recording", "redact", out, "-o", clean)
	if code != 0 || !strings.Contains(errOut, "card mask 1") || !strings.Contains(errOut, "1 screenshot regions blacked out") {
		t.Fatalf("redact: %d %s", code, errOut)
	}
	data, _ := os.ReadFile(clean)
	b, err := recording.Read(bytes.NewReader(data), int64(len(data)), recording.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := b.Recording
	if r.Title != "Sign in for ••••.•••@•••••••.•••" || r.Steps[0].Input != "[password]" || r.Steps[1].Input != "card •••• •••• •••• 1111" {
		t.Errorf("redacted: %q %q %q", r.Title, r.Steps[0].Input, r.Steps[1].Input)
	}
	img, err := png.Decode(bytes.NewReader(b.Screenshots["screenshots/1.png"]))
	if err != nil {
		t.Fatal(err)
	}
	if c := color.RGBAModel.Convert(img.At(5, 3)); c != (color.RGBA{A: 255}) {
		t.Errorf("the password field is not blacked out: %v", c)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(after, before) {
		t.Error("redact changed its input")
	}
	if code, stdout, _ := runCode("recording", "validate", out, "--json"); code != 0 || !strings.Contains(stdout, `"steps": 2`) {
		t.Errorf("--json: %d %s", code, stdout)
	}
}

func TestRecordingErrors(t *testing.T) {
	bad := recordingDir(t, strings.Replace(recJSON, `"action": "type", "input": "card`, `"action": "teleport", "input": "card`, 1))
	stray := recordingDir(t, strings.Replace(recJSON, `, "screenshot": "screenshots/1.png"`, "", 1))
	good := filepath.Join(t.TempDir(), "g.zip")
	if code, _, errOut := runCode("recording", "pack", recordingDir(t, recJSON), "-o", good); code != 0 {
		t.Fatal(errOut)
	}
	pseudo := writeFile(t, "p.json", `{"actions":{"email":"pseudonymise","phone":"mask","card":"mask","iban":"mask","ssn":"mask","ip":"mask","secret":"redact","name":"flag"}}`)
	notZip := writeFile(t, "x.zip", "not a zip")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"recording"}, 2, "expected 'recording validate'"},
		{[]string{"recording", "pack", bad, "-o", filepath.Join(t.TempDir(), "b.zip")}, 1, "recording.json: steps[1].action: must be one of"},
		{[]string{"recording", "pack", stray, "-o", filepath.Join(t.TempDir(), "b.zip")}, 1, "screenshots/1.png: no step refers to it"},
		{[]string{"recording", "pack", bad}, 2, "-o OUT is required"},
		{[]string{"recording", "validate", notZip}, 1, "x.zip: bundle: not a zip archive"},
		{[]string{"recording", "validate", bad}, 1, "a directory; 'recording pack' makes a bundle of it"},
		{[]string{"recording", "redact", good, "-o", good}, 2, "-o must name another file"},
		{[]string{"recording", "redact", good, "-o", filepath.Join(t.TempDir(), "c.zip"), "--policy", pseudo}, 2, "give the key with --key-file"},
	} {
		code, _, errOut := runCode(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d %q, want %d with %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
	// A failed pack leaves no output behind.
	out := filepath.Join(t.TempDir(), "none.zip")
	runCode("recording", "pack", bad, "-o", out)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a failed pack wrote its output")
	}
}

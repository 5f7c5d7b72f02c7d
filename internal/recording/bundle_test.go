package recording

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// entry is one file of a test bundle.
type entry struct {
	name string
	body []byte
	mode fs.FileMode // 0 for a regular file
}

func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		f, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngClaiming is a PNG whose header claims a size it does not hold.
func pngClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

const goodJSON = `{
  "format": "procmine-recording",
  "version": 1,
  "title": "Approve an invoice",
  "steps": [
    {"name": "Open invoice", "action": "open", "application": "ERP", "window_title": "Invoices",
     "started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02T09:00:04Z",
     "screenshot": "screenshots/0001.png"},
    {"name": "Type amount", "description": "Enter the amount", "action": "type", "application": "ERP",
     "element": {"name": "Amount", "role": "edit", "bounds": [10, 20, 120, 24]}, "input": "1200.00",
     "started_at": "2026-03-02T09:00:04Z", "ended_at": "2026-03-02T09:00:09.5Z"}
  ]
}`

func goodBundle(t testing.TB) []byte {
	return zipOf(t, entry{name: "recording.json", body: []byte(goodJSON)}, entry{name: "screenshots/", mode: fs.ModeDir | 0o755}, entry{name: "screenshots/0001.png", body: pngOf(t, 4, 3)})
}

func read(data []byte, lim Limits) (*Bundle, error) {
	return Read(bytes.NewReader(data), int64(len(data)), lim)
}

func TestReadGood(t *testing.T) {
	b, err := read(goodBundle(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := b.Recording
	if r.Title != "Approve an invoice" || len(r.Steps) != 2 {
		t.Fatalf("got %+v", r)
	}
	s := r.Steps[1]
	if s.Input != "1200.00" || s.Element.Bounds == nil || *s.Element.Bounds != (Bounds{10, 20, 120, 24}) || s.EndedAt.Sub(s.StartedAt) != 5500*time.Millisecond {
		t.Errorf("step 2 = %+v", s)
	}
	if len(b.Screenshots["screenshots/0001.png"]) == 0 || len(b.Screenshots) != 1 {
		t.Errorf("screenshots = %v", b.Screenshots)
	}
}

func TestWriteReadsBack(t *testing.T) {
	b, err := read(goodBundle(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if err := Write(&first, b); err != nil {
		t.Fatal(err)
	}
	b2, err := read(first.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(&second, b2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("a bundle written, read and written again changed")
	}
	if !bytes.Equal(b2.Screenshots["screenshots/0001.png"], b.Screenshots["screenshots/0001.png"]) {
		t.Error("screenshot changed")
	}
}

func withJSON(t *testing.T, js string) []byte {
	return zipOf(t, entry{name: "recording.json", body: []byte(js)}, entry{name: "screenshots/0001.png", body: pngOf(t, 4, 3)})
}

func TestReadRefuses(t *testing.T) {
	img := pngOf(t, 4, 3)
	rec := entry{name: "recording.json", body: []byte(goodJSON)}
	shot := entry{name: "screenshots/0001.png", body: img}
	replace := func(old, new string) []byte { return withJSON(t, strings.Replace(goodJSON, old, new, 1)) }
	small := Limits{MaxJSON: 1 << 20, MaxImage: 1 << 20, MaxTotal: 2 << 20, MaxEntries: 10}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"not a zip", []byte("hello"), Limits{}, "bundle: not a zip archive"},
		{"empty zip", zipOf(t), Limits{}, "bundle: has no recording.json"},
		{"parent path", zipOf(t, rec, shot, entry{name: "../evil.sh", body: []byte("x")}), Limits{}, `entry "../evil.sh": a path outside the bundle`},
		{"deep parent path", zipOf(t, rec, shot, entry{name: "screenshots/../../x.png", body: img}), Limits{}, "a path outside the bundle"},
		{"absolute path", zipOf(t, rec, shot, entry{name: "/etc/passwd", body: []byte("x")}), Limits{}, "a path outside the bundle"},
		{"backslash", zipOf(t, rec, shot, entry{name: `screenshots\..\x.png`, body: img}), Limits{}, "a path outside the bundle"},
		{"other file", zipOf(t, rec, shot, entry{name: "notes.txt", body: []byte("x")}), Limits{}, "holds recording.json and screenshots/ only"},
		{"nested screenshot", zipOf(t, rec, shot, entry{name: "screenshots/a/b.png", body: img}), Limits{}, "a screenshot is named"},
		{"symlink", zipOf(t, rec, entry{name: "screenshots/0001.png", body: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}), Limits{}, "must be a regular file"},
		{"duplicate", zipOf(t, rec, shot, shot), Limits{}, `entry "screenshots/0001.png": appears twice`},
		{"too many entries", zipOf(t, rec, shot, entry{name: "screenshots/"}, entry{name: "screenshots/a.png", body: img}), Limits{MaxEntries: 3}, "has 4 entries; at most 3"},
		{"json bomb", zipOf(t, entry{name: "recording.json", body: bytes.Repeat([]byte(" "), 5<<20)}), small, "recording.json: inflates to more than 1048576 bytes"},
		{"image bomb bytes", zipOf(t, rec, entry{name: "screenshots/0001.png", body: append(img, make([]byte, 3<<20)...)}), small, "screenshots/0001.png: inflates to more than 1048576 bytes"},
		{"total", zipOf(t, rec, entry{name: "screenshots/0001.png", body: append(img, make([]byte, 900<<10)...)}, entry{name: "screenshots/0002.png", body: append(img, make([]byte, 900<<10)...)}, entry{name: "screenshots/0003.png", body: append(img, make([]byte, 900<<10)...)}), small, "bundle: inflates to more than 2097152 bytes"},
		{"pixel bomb", zipOf(t, rec, entry{name: "screenshots/0001.png", body: pngClaiming(100000, 100000)}), Limits{}, "screenshots/0001.png: is 100000×100000 pixels"},
		{"16-bit png", zipOf(t, rec, entry{name: "screenshots/0001.png", body: png16(t)}), Limits{}, "screenshots/0001.png: has 16 bits a channel"},
		{"all pixels", zipOf(t, entry{name: "recording.json", body: []byte(strings.Replace(goodJSON, `"ended_at": "2026-03-02T09:00:09.5Z"`, `"ended_at": "2026-03-02T09:00:09.5Z", "screenshot": "screenshots/0002.png"`, 1))},
			shot, entry{name: "screenshots/0002.png", body: img}), Limits{MaxAllPixels: 20}, "bundle: its screenshots hold more than 20 pixels in all"},
		{"not an image", zipOf(t, rec, entry{name: "screenshots/0001.png", body: []byte("GIF89a")}), Limits{}, "screenshots/0001.png: is neither a PNG nor a JPEG"},
		{"jpeg named png", zipOf(t, rec, entry{name: "screenshots/0001.png", body: []byte{0xff, 0xd8, 0xff, 0xe0}}), Limits{}, "is a JPEG image under another extension"},
		{"broken png", zipOf(t, rec, entry{name: "screenshots/0001.png", body: img[:20]}), Limits{}, "is not a readable PNG image"},
		{"unreferenced screenshot", zipOf(t, rec, shot, entry{name: "screenshots/0002.png", body: img}), Limits{}, "screenshots/0002.png: no step refers to it"},
		{"missing screenshot", zipOf(t, rec), Limits{}, "recording.json: steps[0].screenshot: screenshots/0001.png is not in the bundle"},
		{"shared screenshot", replace(`"ended_at": "2026-03-02T09:00:09.5Z"`, `"ended_at": "2026-03-02T09:00:09.5Z", "screenshot": "screenshots/0001.png"`), Limits{}, "steps[1].screenshot: screenshots/0001.png is already the screenshot of steps[0]"},
		{"syntax", replace(`"version": 1,`, `"version": 1,,`), Limits{}, "recording.json: line 3: invalid character ','"},
		{"truncated", withJSON(t, goodJSON[:40]), Limits{}, "recording.json: not JSON: the text ends early"},
		{"trailing", withJSON(t, goodJSON+"{}"), Limits{}, "data after the JSON value"},
		{"wrong format", replace(`"procmine-recording"`, `"other"`), Limits{}, `recording.json: format: must be "procmine-recording"`},
		{"future version", replace(`"version": 1`, `"version": 2`), Limits{}, "recording.json: version: must be 1"},
		{"unknown field", replace(`"title"`, `"colour": "red", "title"`), Limits{}, "recording.json: colour: is not a field here"},
		{"no steps", withJSON(t, `{"format":"procmine-recording","version":1,"title":"x","steps":[]}`), Limits{}, "recording.json: steps: is empty"},
		{"bad action", replace(`"action": "type"`, `"action": "teleport"`), Limits{}, "recording.json: steps[1].action: must be one of"},
		{"bad time", replace(`"2026-03-02T09:00:04Z", "ended_at"`, `"yesterday", "ended_at"`), Limits{}, "recording.json: steps[1].started_at:"},
		{"negative width", replace(`[10, 20, 120, 24]`, `[10, 20, -1, 24]`), Limits{}, "recording.json: steps[1].element.bounds[2]: -1 is not between 0 and 100000"},
		{"three bounds", replace(`[10, 20, 120, 24]`, `[10, 20, 120]`), Limits{}, "steps[1].element.bounds: holds 3 numbers"},
		{"ends before start", replace(`"ended_at": "2026-03-02T09:00:09.5Z"`, `"ended_at": "2026-03-02T08:00:00Z"`), Limits{}, "recording.json: steps[1].ended_at: is before started_at"},
		{"out of order", replace(`"started_at": "2026-03-02T09:00:04Z"`, `"started_at": "2026-03-02T08:59:00Z"`), Limits{}, "recording.json: steps[1].started_at: starts before the step before it"},
		{"screenshot outside", replace(`"screenshots/0001.png"}`, `"../0001.png"}`), Limits{}, `steps[0].screenshot: "../0001.png" is not a screenshot's path`},
		{"nul", replace(`"Type amount"`, `"Type\u0000amount"`), Limits{}, "recording.json: steps[1].name: holds a NUL character"},
		{"nul title", replace(`"Approve an invoice"`, `"Approve\u0000"`), Limits{}, "recording.json: title: holds a NUL character"},
		{"year 1", replace(`"started_at": "2026-03-02T09:00:00Z"`, `"started_at": "0001-03-02T09:00:00Z"`), Limits{}, "steps[0].started_at: is not between the years 1970 and 2200"},
		{"empty name", replace(`"Type amount"`, `""`), Limits{}, "steps[1].name: is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := read(tt.data, tt.lim)
			if err == nil {
				t.Fatalf("accepted: %+v", b.Recording)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, not *Error", err)
			}
		})
	}
}

func TestDecodeStep(t *testing.T) {
	s, err := DecodeStep("step", []byte(`{"name":"Sign in","action":"type","element":{"role":"password","bounds":[1,2,3,4]},"input":"hunter2","started_at":"2026-03-02T09:00:00+01:00","ended_at":"2026-03-02T09:00:01+01:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Element.IsPassword() || s.Input != "hunter2" {
		t.Errorf("got %+v", s)
	}
	if _, err := DecodeStep("step", []byte(`{"name":"x","action":"click","started_at":"2026-03-02T09:00:00Z"}`)); err == nil || !strings.Contains(err.Error(), "step: ended_at: is missing") {
		t.Errorf("missing ended_at: %v", err)
	}
}

// TestOpenKeepsScreenshotsInTheZip: Open checks a bundle as Read does
// but holds none of its screenshots in memory; Screenshot inflates each
// from the zip, the same bytes Read returns. A screenshot's size is the
// bytes it inflates to, padding past the image's end included.
func TestOpenKeepsScreenshotsInTheZip(t *testing.T) {
	data := goodBundle(t)
	b, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Screenshots) != 0 {
		t.Errorf("Open holds %d screenshots in memory", len(b.Screenshots))
	}
	all, err := read(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Screenshot("screenshots/0001.png")
	if err != nil || !bytes.Equal(got, all.Screenshots["screenshots/0001.png"]) || len(got) == 0 {
		t.Errorf("Screenshot: %d bytes, %v; Read has %d", len(got), err, len(all.Screenshots["screenshots/0001.png"]))
	}
	if got, err := b.Screenshot("screenshots/none.png"); got != nil || err != nil {
		t.Errorf("a screenshot not in the bundle: %v %v", got, err)
	}
	padded := zipOf(t, entry{name: "recording.json", body: []byte(goodJSON)}, entry{name: "screenshots/0001.png", body: append(pngOf(t, 4, 3), make([]byte, 1<<20)...)})
	_, err = Open(bytes.NewReader(padded), int64(len(padded)), Limits{MaxImage: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "screenshots/0001.png: inflates to more than 1048576 bytes") {
		t.Errorf("a screenshot padded past the limit: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(goodBundle(f))
	f.Add(zipOf(f, entry{name: "recording.json", body: []byte(goodJSON)}))
	f.Add(zipOf(f, entry{name: "../x", body: []byte("x")}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	// A screenshot padded after its end with zeros, which inflate a
	// thousandfold (the bundle-memory attack), and one cut short.
	f.Add(zipOf(f, entry{name: "recording.json", body: []byte(goodJSON)}, entry{name: "screenshots/0001.png", body: append(pngOf(f, 4, 3), make([]byte, 64<<10)...)}))
	f.Add(zipOf(f, entry{name: "recording.json", body: []byte(goodJSON)}, entry{name: "screenshots/0001.png", body: pngOf(f, 4, 3)[:30]}))
	lim := Limits{MaxJSON: 1 << 20, MaxImage: 1 << 20, MaxTotal: 4 << 20, MaxEntries: 64, MaxPixels: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := read(data, lim)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not a bundle error", err, err)
			}
			return
		}
		// Open accepts it too, and its screenshots read from the zip
		// as they are inflated are Read's.
		opened, err := Open(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			t.Fatalf("Read accepts what Open refuses: %v", err)
		}
		for name, want := range b.Screenshots {
			rc, err := opened.OpenScreenshot(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: OpenScreenshot read %d bytes (%v), Read %d", name, len(got), err, len(want))
			}
			if _, _, err := CheckImageFrom(name, bytes.NewReader(want), lim); err != nil {
				t.Fatalf("%s: CheckImageFrom refuses an accepted image: %v", name, err)
			}
		}
		// What is accepted packs and reads back the same.
		var buf bytes.Buffer
		if err := Write(&buf, b); err != nil {
			t.Fatal(err)
		}
		b2, err := read(buf.Bytes(), lim)
		if err != nil {
			t.Fatalf("written bundle does not read back: %v", err)
		}
		if len(b2.Recording.Steps) != len(b.Recording.Steps) || len(b2.Screenshots) != len(b.Screenshots) {
			t.Fatal("bundle changed on the way through Write")
		}
	})
}

// TestSchemaIsDocumented: docs/recording-format.md shows the schema the
// reader uses, as it is.
func TestSchemaIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/recording-format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## JSON Schema")
	if !ok {
		t.Fatal("the document has no JSON Schema section")
	}
	_, block, _ := strings.Cut(after, "```json\n")
	block, _, _ = strings.Cut(block, "```")
	if block != string(Schema) {
		t.Error("the schema in docs/recording-format.md differs from internal/recording/schema.json")
	}
	// The example in the document is a valid recording.
	_, example, _ := strings.Cut(string(doc), "```json\n")
	example, _, _ = strings.Cut(example, "```")
	rec, err := Decode([]byte(example))
	if err != nil || len(rec.Steps) != 2 {
		t.Errorf("the document's example: %v", err)
	}
}

func FuzzDecodeStep(f *testing.F) {
	f.Add([]byte(`{"name":"Sign in","action":"type","element":{"role":"password","bounds":[1,2,3,4]},"input":"x","started_at":"2026-03-02T09:00:00+01:00","ended_at":"2026-03-02T09:00:01+01:00"}`))
	f.Add([]byte(`{"name":"x","action":"click","started_at":"2026-03-02T09:00:00Z","ended_at":"2026-03-02T08:00:00Z"}`))
	f.Add([]byte(`{"name":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeStep("step", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not a recording error", err, err)
			}
			return
		}
		if s.Name == "" || s.EndedAt.Before(s.StartedAt) {
			t.Fatalf("accepted an invalid step: %+v", s)
		}
	})
}

func png16(t testing.TB) []byte {
	img := image.NewRGBA64(image.Rect(0, 0, 4, 3))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTooManySteps: a recording of more than 10,000 steps is refused with
// the limit named, before its steps cost the server anything more.
func TestTooManySteps(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format": "procmine-recording", "version": 1, "title": "Long", "steps": [`)
	for i := range 10_001 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"name": "s", "action": "click", "started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02T09:00:00Z"}`)
	}
	b.WriteString("]}")
	data := zipOf(t, entry{name: "recording.json", body: []byte(b.String())})
	_, err := Read(bytes.NewReader(data), int64(len(data)), Limits{})
	if err == nil || !strings.Contains(err.Error(), "steps") {
		t.Errorf("10,001 steps: %v", err)
	}
}

// TestMaxStepsIsTheSchemas: the limit recording sessions enforce is the
// schema's maxItems for a bundle's steps.
func TestMaxStepsIsTheSchemas(t *testing.T) {
	var s struct {
		Properties struct {
			Steps struct {
				MaxItems int `json:"maxItems"`
			} `json:"steps"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatal(err)
	}
	if s.Properties.Steps.MaxItems != MaxSteps {
		t.Errorf("schema maxItems %d, MaxSteps %d", s.Properties.Steps.MaxItems, MaxSteps)
	}
}

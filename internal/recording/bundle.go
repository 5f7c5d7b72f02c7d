package recording

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // screenshots may be JPEG
	_ "image/png"  // or PNG
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Bundle is a recording with its screenshots.
type Bundle struct {
	Recording *Recording
	// Screenshots maps a bundle path (screenshots/0001.png) to the image.
	// Read fills it; Open leaves it empty, and OpenScreenshot and
	// Screenshot inflate each image from the zip when it is asked for.
	Screenshots map[string][]byte

	// entries are the screenshots' zip entries, by bundle path, for
	// OpenScreenshot and Screenshot, and sizes the bytes each was counted to inflate to;
	// nil for a bundle that was not opened from a zip.
	entries map[string]*zip.File
	sizes   map[string]int64
	lim     Limits
}

// OpenScreenshot opens the image at a bundle path for reading, or returns
// nil when there is none; the caller closes it. From a bundle that Open
// returned, it inflates the image as it is read: whatever of it the reader
// does not need (bytes past the image's end) is never inflated.
func (b *Bundle) OpenScreenshot(name string) (io.ReadCloser, error) {
	if data, ok := b.Screenshots[name]; ok {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	f, ok := b.entries[name]
	if !ok {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &Error{File: f.Name, Msg: "cannot be read from the zip: " + err.Error()}
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, b.lim.MaxImage), rc}, nil
}

// Screenshot returns the image at a bundle path, or nil when there is none.
// A bundle from Open inflates it from the zip again, each time: a bundle
// that holds hundreds of megabytes of screenshots holds one at a time in
// memory.
func (b *Bundle) Screenshot(name string) ([]byte, error) {
	if data, ok := b.Screenshots[name]; ok {
		return data, nil
	}
	f, ok := b.entries[name]
	if !ok {
		return nil, nil
	}
	return inflateSized(f, b.sizes[name], b.lim.MaxImage)
}

// Limits bound what Read accepts. The zero value of a field means its default.
type Limits struct {
	MaxEntries int   // entries in the zip, directories included
	MaxJSON    int64 // bytes of recording.json, inflated
	MaxImage   int64 // bytes of one screenshot, inflated
	MaxTotal   int64 // bytes of the whole bundle, inflated
	MaxSide    int   // pixels of a screenshot's width or height
	MaxPixels  int   // pixels of a screenshot, width × height
	// MaxAllPixels bounds the pixels of all a bundle's screenshots: the
	// work of cleaning them at import is proportional to it.
	MaxAllPixels int64
}

// DefaultLimits are generous for a real recording and small enough that
// a hostile bundle costs little.
var DefaultLimits = Limits{
	// A recording of 10,000 steps is hours of desktop work; a bundle of
	// 100,000 steps in 54 MB of JSON cost the server 280 MB and 30 s to
	// read (the second review), and four at once 1.4 GB.
	MaxEntries:   10_010,
	MaxJSON:      16 << 20,
	MaxImage:     32 << 20,
	MaxTotal:     512 << 20,
	MaxSide:      16384,
	MaxPixels:    16 << 20, // a 5K screen is 14.7 Mpx
	MaxAllPixels: 1 << 30,  // about 500 full-HD screenshots
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	pick := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	return Limits{
		MaxEntries:   int(pick(int64(l.MaxEntries), int64(d.MaxEntries))),
		MaxJSON:      pick(l.MaxJSON, d.MaxJSON),
		MaxImage:     pick(l.MaxImage, d.MaxImage),
		MaxTotal:     pick(l.MaxTotal, d.MaxTotal),
		MaxSide:      int(pick(int64(l.MaxSide), int64(d.MaxSide))),
		MaxPixels:    int(pick(int64(l.MaxPixels), int64(d.MaxPixels))),
		MaxAllPixels: pick(l.MaxAllPixels, d.MaxAllPixels),
	}
}

const bundleName = "bundle"

// ReadFile reads and checks the bundle in a file.
func ReadFile(name string, lim Limits) (*Bundle, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: a directory, not a bundle", name)
	}
	return Read(f, st.Size(), lim)
}

// Read takes a bundle apart and checks all of it; see the package
// documentation for what it refuses. The bundle it returns holds every
// screenshot in memory.
func Read(r io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	b, err := Open(r, size, lim)
	if err != nil {
		return nil, err
	}
	for name := range b.entries {
		data, err := b.Screenshot(name)
		if err != nil {
			return nil, err
		}
		b.Screenshots[name] = data
	}
	b.entries, b.sizes = nil, nil
	return b, nil
}

// Open checks all of a bundle as Read does, inflating each entry once and
// keeping none of the screenshots in memory: they stay in r, which must
// stay readable while the bundle's OpenScreenshot or Screenshot is used. This is what a
// server uses, so that what a bundle costs it in memory is one screenshot
// at a time, not everything the bundle inflates to.
func Open(r io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	lim = lim.orDefault()
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &Error{File: bundleName, Msg: "not a zip archive (" + err.Error() + ")"}
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, &Error{File: bundleName, Msg: fmt.Sprintf("has %d entries; at most %d are accepted", len(zr.File), lim.MaxEntries)}
	}
	// Every name is checked before a byte is inflated.
	seen := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		if err := checkEntry(f, seen); err != nil {
			return nil, err
		}
	}
	if !seen[jsonName] {
		return nil, &Error{File: bundleName, Msg: "has no recording.json"}
	}
	b := &Bundle{Screenshots: map[string][]byte{}, entries: map[string]*zip.File{}, sizes: map[string]int64{}, lim: lim}
	var total, pixels int64
	var jsonData []byte
	for _, f := range zr.File {
		if f.Name == "screenshots/" {
			continue
		}
		max := lim.MaxImage
		if f.Name == jsonName {
			max = lim.MaxJSON
		}
		room := min(max, lim.MaxTotal-total)
		tooBig := func(n int64) error {
			if lim.MaxTotal-total < max && n > lim.MaxTotal-total {
				return &Error{File: bundleName, Msg: fmt.Sprintf("inflates to more than %d bytes, the most accepted", lim.MaxTotal)}
			}
			return &Error{File: f.Name, Msg: fmt.Sprintf("inflates to more than %d bytes, the most accepted", room)}
		}
		if f.Name == jsonName {
			data, err := inflate(f, room)
			if err != nil {
				if n := int64(len(data)); n > room {
					return nil, tooBig(n)
				}
				return nil, err
			}
			total += int64(len(data))
			jsonData = data
			continue
		}
		// A screenshot is inflated to count its bytes and read its
		// header, and dropped: only its size and type are checked here.
		n, px, err := checkEntryImage(f, room, lim)
		if err != nil {
			if n > room {
				return nil, tooBig(n)
			}
			return nil, err
		}
		total += n
		if pixels += int64(px); pixels > lim.MaxAllPixels {
			return nil, &Error{File: bundleName, Msg: fmt.Sprintf("its screenshots hold more than %d pixels in all, the most accepted", lim.MaxAllPixels)}
		}
		b.entries[f.Name], b.sizes[f.Name] = f, n
	}
	rec, err := Decode(jsonData)
	if err != nil {
		return nil, err
	}
	b.Recording = rec
	if err := b.checkReferences(); err != nil {
		return nil, err
	}
	return b, nil
}

func checkEntry(f *zip.File, seen map[string]bool) error {
	name := f.Name
	bad := func(why string) error {
		return &Error{File: bundleName, Msg: fmt.Sprintf("entry %q: %s", name, why)}
	}
	switch {
	case name == jsonName, name == "screenshots/", screenshotPath().MatchString(name):
	case strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || slices.Contains(strings.Split(name, "/"), ".."):
		return bad("a path outside the bundle")
	case strings.HasPrefix(name, "screenshots/"):
		return bad("a screenshot is named screenshots/NAME.png, .jpg or .jpeg, NAME of letters, digits, dot, dash and underscore")
	default:
		return bad("a bundle holds recording.json and screenshots/ only")
	}
	if seen[name] {
		return bad("appears twice")
	}
	seen[name] = true
	if name == "screenshots/" {
		if !f.Mode().IsDir() {
			return bad("must be a directory")
		}
		return nil
	}
	if !f.Mode().IsRegular() {
		return bad("must be a regular file (links and devices are refused)")
	}
	if f.Flags&0x1 != 0 {
		return bad("is encrypted")
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return bad("uses a compression method other than store or deflate")
	}
	return nil
}

// inflate reads an entry, counting the bytes it really inflates to, not
// the size its header claims.
func inflate(f *zip.File, max int64) ([]byte, error) {
	return inflateSized(f, 0, max)
}

// inflateSized is inflate into a buffer made for size bytes, the size the
// entry was counted to inflate to before: the buffer does not grow, and
// leaves no garbage, on the way to a screenshot's tens of megabytes.
func inflateSized(f *zip.File, size, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, &Error{File: f.Name, Msg: "cannot be read from the zip: " + err.Error()}
	}
	defer rc.Close()
	// One byte more, for ReadFrom to see the end without growing.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, max)+bytes.MinRead))
	n, err := buf.ReadFrom(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, &Error{File: f.Name, Msg: "cannot be read from the zip: " + err.Error()}
	}
	if n > max {
		return buf.Bytes(), &Error{File: f.Name, Msg: fmt.Sprintf("inflates to more than %d bytes, the most accepted", max)}
	}
	return buf.Bytes(), nil
}

// checkEntryImage inflates a screenshot's entry without keeping it: it
// returns the bytes it really inflates to (more than max when it is too
// big, and then an error) and the image's pixel count, read from the
// image's header.
func checkEntryImage(f *zip.File, max int64, lim Limits) (int64, int, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, 0, &Error{File: f.Name, Msg: "cannot be read from the zip: " + err.Error()}
	}
	defer rc.Close()
	cr := &countReader{r: io.LimitReader(rc, max+1)}
	br := bufio.NewReader(cr)
	head, _ := br.Peek(8)
	px, imgErr := 0, error(nil)
	if ImageType(head) == "" {
		imgErr = &Error{File: f.Name, Msg: "is neither a PNG nor a JPEG image"}
	} else {
		px, imgErr = checkImageReader(f.Name, head, br, lim)
	}
	// The rest is read, and counted, whatever the header said: the
	// entry's size is checked before its content, as the header's claim
	// of its size is not trusted.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return cr.n, 0, &Error{File: f.Name, Msg: "cannot be read from the zip: " + err.Error()}
	}
	if cr.n > max {
		return cr.n, 0, &Error{File: f.Name, Msg: fmt.Sprintf("inflates to more than %d bytes, the most accepted", max)}
	}
	return cr.n, px, imgErr
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ImageType tells "png" or "jpeg" from the image's first bytes, or "".
func ImageType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	}
	return ""
}

// CheckImage checks a screenshot's type and size from its header, before
// anything decodes its pixels.
func CheckImage(name string, data []byte, lim Limits) error {
	_, err := checkImage(name, data, lim.orDefault())
	return err
}

// CheckImageFrom is CheckImage on the image r reads: it reads no more of
// it than its header, as far as the decoder's buffering goes, and returns
// the image's width and height.
func CheckImageFrom(name string, r io.Reader, lim Limits) (width, height int, err error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(8)
	if ImageType(head) == "" {
		return 0, 0, &Error{File: name, Msg: "is neither a PNG nor a JPEG image"}
	}
	cfg, err := checkImageConfig(name, head, br, lim.orDefault())
	return cfg.Width, cfg.Height, err
}

// checkImage returns the image's pixel count.
func checkImage(name string, data []byte, lim Limits) (int, error) {
	if ImageType(data) == "" {
		return 0, &Error{File: name, Msg: "is neither a PNG nor a JPEG image"}
	}
	return checkImageReader(name, data, bytes.NewReader(data), lim)
}

// checkImageReader is checkImageConfig returning the pixel count.
func checkImageReader(name string, head []byte, r io.Reader, lim Limits) (int, error) {
	cfg, err := checkImageConfig(name, head, r, lim)
	return cfg.Width * cfg.Height, err
}

// checkImageConfig checks an image whose first bytes are head from its
// header, read from r.
func checkImageConfig(name string, head []byte, r io.Reader, lim Limits) (image.Config, error) {
	kind := ImageType(head)
	if ext := name[strings.LastIndexByte(name, '.')+1:]; strings.HasPrefix(name, "screenshots/") && (ext == "png") != (kind == "png") {
		return image.Config{}, &Error{File: name, Msg: "is a " + strings.ToUpper(kind) + " image under another extension"}
	}
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return image.Config{}, &Error{File: name, Msg: "is not a readable " + strings.ToUpper(kind) + " image: " + err.Error()}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide || cfg.Width*cfg.Height > lim.MaxPixels {
		return image.Config{}, &Error{File: name, Msg: fmt.Sprintf("is %d×%d pixels; at most %d on a side and %d in all are accepted", cfg.Width, cfg.Height, lim.MaxSide, lim.MaxPixels)}
	}
	// Sixteen bits a channel doubles what decoding holds, and no screen
	// shows them.
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model, color.Alpha16Model:
		return image.Config{}, &Error{File: name, Msg: "has 16 bits a channel; save screenshots with 8"}
	}
	return cfg, nil
}

// checkReferences (of an opened bundle): every step's screenshot is in the bundle and every
// screenshot belongs to exactly one step, so nothing is stored that no
// step shows, and deleting a step's screenshot touches no other step.
func (b *Bundle) checkReferences() error {
	used := make(map[string]int, len(b.entries))
	for i, s := range b.Recording.Steps {
		if s.Screenshot == "" {
			continue
		}
		field := fmt.Sprintf("steps[%d].screenshot", i)
		if _, ok := b.entries[s.Screenshot]; !ok {
			return &Error{File: jsonName, Field: field, Msg: s.Screenshot + " is not in the bundle"}
		}
		if j, ok := used[s.Screenshot]; ok {
			return &Error{File: jsonName, Field: field, Msg: fmt.Sprintf("%s is already the screenshot of steps[%d]; each image belongs to one step", s.Screenshot, j)}
		}
		used[s.Screenshot] = i
	}
	for _, name := range sortedKeys(b.entries) {
		if _, ok := used[name]; !ok {
			return &Error{File: name, Msg: "no step refers to it"}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Write packs the bundle: recording.json first, then the screenshots in
// name order, all with one fixed time so that the same recording packs to
// the same bytes.
func Write(w io.Writer, b *Bundle) error {
	zw := zip.NewWriter(w)
	stamp := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	data, err := json.MarshalIndent(b.Recording, "", "  ")
	if err != nil {
		return err
	}
	entries := append([]string{jsonName}, sortedKeys(b.Screenshots)...)
	for _, name := range entries {
		body := b.Screenshots[name]
		method := zip.Store // images are compressed already
		if name == jsonName {
			body, method = append(data, '\n'), zip.Deflate
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := f.Write(body); err != nil {
			return err
		}
	}
	return zw.Close()
}

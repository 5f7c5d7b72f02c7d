package privacy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/recording"
)

func policy(act Action) Policy {
	p := DefaultPolicy()
	for k := range p.Actions {
		p.Actions[k] = act
	}
	p.Names = []string{"Ingrid Svensson"}
	return p
}

func TestApply(t *testing.T) {
	key := []byte("environment key")
	text := "Mail ingrid.svensson@example.com, card 4111 1111 1111 1111, ref PO-2291"
	tests := []struct {
		act  Action
		want string
	}{
		{Flag, text},
		{Mask, "Mail ••••••.••••••••@•••••••.•••, card •••• •••• •••• 1111, ref PO-2291"},
		{Redact, "Mail [email], card [card], ref PO-2291"},
	}
	for _, tt := range tests {
		t.Run(tt.act.String(), func(t *testing.T) {
			got, found := NewApplier(policy(tt.act), key).Apply(text)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if len(found) != 2 || found[0].Kind != "email" || found[1].Kind != "card" || found[0].Action != tt.act {
				t.Fatalf("findings %+v", found)
			}
			for _, f := range found {
				if strings.Contains(got[f.Start:f.End], ",") || got[f.Start:f.End] == "" {
					t.Errorf("finding %+v points at %q", f, got[f.Start:f.End])
				}
			}
		})
	}
}

func TestPseudonymise(t *testing.T) {
	a := NewApplier(policy(Pseudonymise), []byte("key one"))
	one, _ := a.Apply("call +44 20 7946 0958 or write to Ingrid.Svensson@Example.com")
	two, _ := a.Apply("rang +442079460958 after ingrid.svensson@example.com wrote")
	tok := func(s, kind string) string {
		i := strings.Index(s, "["+kind+":")
		return s[i : i+strings.IndexByte(s[i:], ']')+1]
	}
	for _, kind := range []string{"phone", "email"} {
		if tok(one, kind) != tok(two, kind) {
			t.Errorf("%s: same value, two tokens: %s and %s", kind, one, two)
		}
	}
	if strings.Contains(one, "7946") || strings.Contains(one, "svensson") {
		t.Errorf("value left in %q", one)
	}
	other, _ := NewApplier(policy(Pseudonymise), []byte("key two")).Apply("rang +442079460958")
	if tok(other, "phone") == tok(one, "phone") {
		t.Error("two environments' keys gave the same token")
	}
	if len(tok(one, "phone")) != len("[phone:")+12+1 {
		t.Errorf("token %q", tok(one, "phone"))
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	delete(p.Actions, "iban")
	if err := p.Validate(); err == nil || err.Error() != "actions: no action for iban" {
		t.Errorf("missing kind: %v", err)
	}
	p = DefaultPolicy()
	p.Actions["passport"] = Mask
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), `unknown kind "passport"`) {
		t.Errorf("unknown kind: %v", err)
	}
	var a Action
	if err := a.UnmarshalText([]byte("shred")); err == nil {
		t.Error("unknown action accepted")
	}
}

func screenshot(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	// A text chunk such as a capture tool writes, before IEND.
	data := buf.Bytes()
	end := len(data) - 12
	body := []byte("tEXtAuthor\x00jdoe")
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)-4))
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
	return append(append(append([]byte{}, data[:end]...), chunk...), data[end:]...)
}

func TestCleanStep(t *testing.T) {
	a := NewApplier(DefaultPolicy(), []byte("k"))
	shot := screenshot(t)
	if _, err := png.Decode(bytes.NewReader(shot)); err != nil || !bytes.Contains(shot, []byte("jdoe")) {
		t.Fatalf("the test screenshot should be a PNG with metadata: %v", err)
	}
	s := recording.Step{Name: "Sign in", Action: "type", Input: "hunter2", Element: recording.Element{Role: "password", Bounds: &recording.Bounds{5, 6, 10, 4}}}
	f, out, err := a.CleanStep(&s, shot)
	if err != nil {
		t.Fatal(err)
	}
	if s.Input != PasswordInput || len(f.Input) != 1 {
		t.Errorf("password input kept: %q %+v", s.Input, f)
	}
	if bytes.Contains(out, []byte("jdoe")) {
		t.Error("metadata survived")
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	black := color.RGBAModel.Convert(color.Black)
	for _, p := range []image.Point{{5, 6}, {14, 9}, {10, 8}} {
		if c := color.RGBAModel.Convert(img.At(p.X, p.Y)); c != black {
			t.Errorf("%v inside the field is %v", p, c)
		}
	}
	for _, p := range []image.Point{{4, 6}, {15, 9}, {10, 10}, {0, 0}} {
		if c := color.RGBAModel.Convert(img.At(p.X, p.Y)); c == black {
			t.Errorf("%v outside the field is black", p)
		}
	}

	// An ordinary field is hidden only when its input held personal data.
	plain := recording.Step{Name: "Search", Action: "type", Input: "order 2291", Element: recording.Element{Role: "edit", Bounds: &recording.Bounds{0, 0, 40, 30}}}
	_, out, _ = a.CleanStep(&plain, shot)
	img, _ = png.Decode(bytes.NewReader(out))
	if c := color.RGBAModel.Convert(img.At(20, 20)); c == black {
		t.Error("a field without personal data was blacked out")
	}
	mail := recording.Step{Name: "Search", Action: "type", Input: "jdoe@example.com", Element: recording.Element{Role: "edit", Bounds: &recording.Bounds{0, 0, 40, 30}}}
	f, out, _ = a.CleanStep(&mail, shot)
	img, _ = png.Decode(bytes.NewReader(out))
	if c := color.RGBAModel.Convert(img.At(20, 20)); c != black || mail.Input == "jdoe@example.com" || len(f.Input) != 1 {
		t.Errorf("a field with an e-mail address: input %q, pixel %v", mail.Input, c)
	}
}

// TestBlackoutOutside: a region that starts inside the image and runs
// past its edge is clipped; one that cannot be located in it (no area,
// starting before or after it) is ErrNotLocated, never silently skipped.
func TestBlackoutOutside(t *testing.T) {
	for _, tc := range []struct {
		r      recording.Bounds
		locate bool
	}{
		{recording.Bounds{30, 20, 1000, 1000}, true}, // 40×30: runs past the right and bottom edges
		{recording.Bounds{0, 0, 40, 30}, true},
		{recording.Bounds{-50, -50, 1000, 1000}, false},
		{recording.Bounds{-1, 5, 10, 10}, false},
		{recording.Bounds{5, -1, 10, 10}, false},
		{recording.Bounds{40, 5, 10, 10}, false},
		{recording.Bounds{100, 100, 5, 5}, false},
		{recording.Bounds{5, 5, 0, 10}, false},
	} {
		_, err := Blackout(screenshot(t), []recording.Bounds{tc.r})
		if got := err == nil; got != tc.locate || (err != nil && !errors.Is(err, ErrNotLocated)) {
			t.Errorf("%v: %v, want located %v", tc.r, err, tc.locate)
		}
	}
	if _, err := Blackout([]byte("not an image"), nil); err == nil {
		t.Error("accepted a non-image")
	}
}

// TestApplyTwice: what a policy wrote is not personal data, so applying
// the policy again (as an edit of a stored text does) changes nothing.
func TestApplyTwice(t *testing.T) {
	text := "password: hunter22, mail jo@example.com, card 4111 1111 1111 1111, Ingrid Svensson"
	for _, act := range []Action{Mask, Redact, Pseudonymise} {
		a := NewApplier(policy(act), []byte("k"))
		once, _ := a.Apply(text)
		twice, _ := a.Apply(once)
		if twice != once {
			t.Errorf("%s: once %q, twice %q", act, once, twice)
		}
		if scan := a.Scan(once); len(scan) != 0 {
			t.Errorf("%s: Scan reports replacements as personal data: %+v in %q", act, scan, once)
		}
	}
}

func TestReplacementFollowedByText(t *testing.T) {
	a := NewApplier(policy(Redact), []byte("k"))
	once, _ := a.Apply("password: hunter22 call me")
	if twice, _ := a.Apply(once); twice != once || len(a.Scan(once)) != 0 {
		t.Errorf("once %q, twice %q, scan %+v", once, twice, a.Scan(once))
	}
}

func TestNameEraser(t *testing.T) {
	erase := NameEraser("Sara Lind")
	for in, want := range map[string]string{
		"Sara Lind":                     "[erased]",
		"ask sara lind, then SARA LIND": "ask [erased], then [erased]",
		"Sara Lindqvist":                "Sara Lindqvist",
		"Sara Lind's desk":              "[erased]'s desk",
		"ÅSara Lind":                    "ÅSara Lind",
		"":                              "",
	} {
		got, changed := erase(in)
		if got != want || changed != (got != in) {
			t.Errorf("%q: %q %v, want %q", in, got, changed, want)
		}
	}
}

// FuzzApply: applying a policy points its findings inside what it wrote,
// in order and apart, and applying it again changes nothing (within the
// bound on rounds).
func FuzzApply(f *testing.F) {
	for _, s := range []string{"password: hunter22 call +44 20 7946 0958", "Mail ingrid.svensson@example.com, card 4111 1111 1111 1111", "[email:0123456789ab] and [secret", "IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, 10.0.0.1"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, act uint8) {
		a := NewApplier(policy(Action(act%4+1)), []byte("key"))
		once, found, rounds := a.apply(text)
		for i, fd := range found {
			if fd.Start < 0 || fd.End > len(once) || fd.Start > fd.End {
				t.Fatalf("finding %+v outside %q", fd, once)
			}
			if i > 0 && fd.Start < found[i-1].End {
				t.Fatalf("findings overlap or are out of order: %+v in %q", found, once)
			}
		}
		if rounds == maxRounds {
			return // a chain longer than the bound: idempotence is not promised
		}
		if twice, _ := a.Apply(once); twice != once {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", text, once, twice)
		}
	})
}

// BenchmarkBlackout: cleaning one full-HD screenshot at import (decode,
// black out one field, encode), PNG and JPEG.
func BenchmarkBlackout(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	for y := 0; y < 1080; y++ {
		for x := 0; x < 1920; x++ {
			// Flat regions with text-like detail, as a desktop is.
			v := uint8(230)
			if (x/7+y/11)%9 == 0 {
				v = 40
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for _, format := range []string{"png", "jpeg"} {
		var buf bytes.Buffer
		if format == "png" {
			png.Encode(&buf, img)
		} else {
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		}
		data := buf.Bytes()
		b.Run(format, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Blackout(data, []recording.Bounds{{600, 400, 300, 30}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestChainedLookAlikes: numbers run into each other are not phone
// numbers until their neighbours became tokens; the rounds of apply reach
// them, up to the bound, and a hostile chain stops there.
func TestChainedLookAlikes(t *testing.T) {
	a := NewApplier(policy(Pseudonymise), []byte("k"))
	// The fuzzer's find: a phone number, then numbers run together.
	chain := func(n int) string {
		return "0100000 00  " + strings.Repeat("0100000000!", n-1) + "0100000000"
	}
	out, found, rounds := a.apply(chain(5))
	if strings.Contains(out, "0100000000") || len(found) != 6 || rounds >= maxRounds {
		t.Errorf("5 chained: %q, %d findings, %d rounds", out, len(found), rounds)
	}
	if _, _, rounds := a.apply(chain(200)); rounds != maxRounds {
		t.Errorf("200 chained took %d rounds, want the bound %d", rounds, maxRounds)
	}
}

// TestSensitiveStepWithoutBoundsDropsItsScreenshot: a password field with
// no bounds cannot be blacked out, so its screenshot is not kept.
func TestSensitiveStepWithoutBoundsDropsItsScreenshot(t *testing.T) {
	a := NewApplier(DefaultPolicy(), []byte("k"))
	for _, el := range []recording.Element{{Role: "password"}, {Role: "password", Bounds: &recording.Bounds{1, 1, 0, 5}}} {
		s := recording.Step{Name: "Sign in", Action: "type", Input: "x", Element: el}
		if _, out, err := a.CleanStep(&s, screenshot(t)); err != nil || out != nil {
			t.Errorf("%+v: kept a screenshot (%v)", el, err)
		}
	}
	plain := recording.Step{Name: "Search", Action: "type", Input: "order 2291"}
	if _, out, err := a.CleanStep(&plain, screenshot(t)); err != nil || out == nil {
		t.Errorf("a step with nothing sensitive lost its screenshot (%v)", err)
	}
}

// TestLookAlikeReplacementsAreNotSpared: only what Apply itself writes is
// passed over, not values dressed up to look like it.
func TestLookAlikeReplacementsAreNotSpared(t *testing.T) {
	a := NewApplier(policy(Redact), []byte("k"))
	for _, in := range []string{"pin: 4821•", "password: 12345678•", "password: [email:hunter2hunte]", "password: [secret:ABCDEF012345]"} {
		if out, _ := a.Apply(in); out == in {
			t.Errorf("%q kept as it was", in)
		}
	}
	for _, in := range []string{"card •••• •••• •••• 1111", "token [secret]", "mail [email:0123456789ab]"} {
		if out, _ := a.Apply(in); out != in {
			t.Errorf("%q: a replacement was replaced: %q", in, out)
		}
	}
}

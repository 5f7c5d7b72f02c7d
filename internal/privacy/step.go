package privacy

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/procmine/procmine/internal/recording"
)

// StepFindings is what the policy found in each text of a step.
type StepFindings struct {
	Name        []Finding `json:"name,omitempty"`
	Description []Finding `json:"description,omitempty"`
	WindowTitle []Finding `json:"window_title,omitempty"`
	Element     []Finding `json:"element,omitempty"`
	Input       []Finding `json:"input,omitempty"`
}

// ScanStep is what the policy's detectors find in a step's texts now,
// where a step editor highlights them.
func (a *Applier) ScanStep(name, description, windowTitle, element, input string) StepFindings {
	return StepFindings{Name: a.Scan(name), Description: a.Scan(description), WindowTitle: a.Scan(windowTitle),
		Element: a.Scan(element), Input: a.Scan(input)}
}

// PasswordInput is what a password field's input becomes.
const PasswordInput = "[password]"

// CleanStep applies the policy to the step's texts, in place, and always
// removes what was typed into a password field. It returns the findings
// and the screenshot with the regions of password fields and of elements
// whose name or input held personal data blacked out, decoded and encoded
// again — or nil when the step has none, or when such an element cannot
// be located in it with certainty (see Blackout), in which case the
// screenshot is dropped. The element's bounds are left in the
// screenshot's pixels, its scale applied.
func (a *Applier) CleanStep(s *recording.Step, shot []byte) (StepFindings, []byte, error) {
	var r io.Reader
	if shot != nil {
		r = bytes.NewReader(shot)
	}
	return a.CleanStepFrom(s, r)
}

// CleanStepFrom is CleanStep with the screenshot read from r, nil when the
// step has none: a server reading a bundle hands the image to the decoder
// as it inflates, so that its compressed bytes are never all in memory
// and whatever follows the image's end is never read at all.
func (a *Applier) CleanStepFrom(s *recording.Step, shot io.Reader) (StepFindings, []byte, error) {
	var f StepFindings
	s.Name, f.Name = a.Apply(s.Name)
	s.Description, f.Description = a.Apply(s.Description)
	s.WindowTitle, f.WindowTitle = a.Apply(s.WindowTitle)
	s.Element.Name, f.Element = a.Apply(s.Element.Name)
	if s.Element.IsPassword() && s.Input != "" {
		s.Input, f.Input = PasswordInput, []Finding{{Kind: "secret", Action: Redact, Start: 0, End: len(PasswordInput)}}
	} else {
		s.Input, f.Input = a.Apply(s.Input)
	}
	s.Element.Bounds, s.ScreenshotScale = s.ScreenshotBounds(), 0
	if shot == nil {
		return f, nil, nil
	}
	var hide []recording.Bounds
	if s.Element.IsPassword() || len(f.Element) > 0 || len(f.Input) > 0 {
		if s.Element.Bounds == nil {
			// Sensitive, and nowhere to black out: the screenshot goes.
			return f, nil, nil
		}
		hide = append(hide, *s.Element.Bounds)
	}
	out, err := blackout(shot, hide)
	if errors.Is(err, ErrNotLocated) {
		return f, nil, nil
	}
	return f, out, err
}

// ErrNotLocated is Blackout's error when a region to black out cannot be
// located in the image with certainty.
var ErrNotLocated = errors.New("the region to black out cannot be located in the screenshot")

// locate finds a region to black out in an image of the given size. A
// region that starts inside the image and runs past its right or bottom
// edge is clipped to it: an element cut by the screen's edge. One with no
// area, or that starts left of or above the image (negative coordinates,
// as a screen left of or above the main one has), or right of or below
// it, says that its coordinates are not the image's — another screen, or
// logical pixels on a HiDPI display — and nothing tells where the element
// really is: ErrNotLocated, so the caller drops the image rather than
// black out the wrong place.
func locate(r recording.Bounds, size image.Rectangle) (image.Rectangle, error) {
	x, y, w, h := r[0], r[1], r[2], r[3]
	switch {
	case w <= 0 || h <= 0:
		return image.Rectangle{}, fmt.Errorf("%w: [%d, %d, %d, %d] has no area", ErrNotLocated, x, y, w, h)
	case x < size.Min.X || y < size.Min.Y || x >= size.Max.X || y >= size.Max.Y:
		return image.Rectangle{}, fmt.Errorf("%w: [%d, %d, %d, %d] does not start inside its %d×%d pixels", ErrNotLocated, x, y, w, h, size.Dx(), size.Dy())
	}
	return image.Rect(x, y, x+w, y+h).Intersect(size), nil
}

// Blackout fills the rectangles (in the image's pixels, (0, 0) at its top
// left) with black and encodes the image again in its own format; a
// rectangle that cannot be located in the image (see locate) is the error
// ErrNotLocated, and nothing is decoded. The image's size must have been
// checked (recording.CheckImage) before: decoding allocates all of it.
func Blackout(data []byte, rects []recording.Bounds) ([]byte, error) {
	return blackout(bytes.NewReader(data), rects)
}

// blackout is Blackout on the image r reads.
func blackout(r io.Reader, rects []recording.Bounds) ([]byte, error) {
	// The header is checked before a pixel is decoded, and kept to be
	// read again by the decoder, followed by the rest of r.
	var head bytes.Buffer
	width, height, err := recording.CheckImageFrom("screenshot", io.TeeReader(r, &head), recording.Limits{})
	if err != nil {
		return nil, err
	}
	size := image.Rect(0, 0, width, height)
	regions := make([]image.Rectangle, len(rects))
	for i, r := range rects {
		if regions[i], err = locate(r, size); err != nil {
			return nil, err
		}
	}
	// Decoding holds the whole image: the caller bounds how many are
	// decoded at once (the server's image slots).
	src, format, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, fmt.Errorf("screenshot: not a readable image: %w", err)
	}
	// Screenshots decode to one of these, and black is drawn on them in
	// place; anything else (a paletted PNG, a JPEG's YCbCr) is copied to
	// RGBA first, which holds the pixels twice.
	var img draw.Image
	switch src.(type) {
	case *image.RGBA, *image.NRGBA, *image.Gray:
		img = src.(draw.Image)
	default:
		rgba := image.NewRGBA(src.Bounds())
		draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
		img = rgba
	}
	for _, rect := range regions {
		draw.Draw(img, rect.Add(img.Bounds().Min).Intersect(img.Bounds()), image.Black, image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	return buf.Bytes(), err
}

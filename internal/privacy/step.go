package privacy

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"runtime"

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

// imageSlots bounds the screenshots decoded at once, whatever the number
// of uploads.
var imageSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// PasswordInput is what a password field's input becomes.
const PasswordInput = "[password]"

// CleanStep applies the policy to the step's texts, in place, and always
// removes what was typed into a password field. It returns the findings
// and the screenshot with the regions of password fields and of elements
// whose name or input held personal data blacked out, decoded and encoded
// again — or nil when the step has none, or when such an element has no
// bounds to black out, in which case the screenshot is dropped.
func (a *Applier) CleanStep(s *recording.Step, shot []byte) (StepFindings, []byte, error) {
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
	if shot == nil {
		return f, nil, nil
	}
	var hide []recording.Bounds
	if s.Element.IsPassword() || len(f.Element) > 0 || len(f.Input) > 0 {
		b := s.Element.Bounds
		if b == nil || b[2] == 0 || b[3] == 0 {
			// Sensitive, and nowhere to black out: the screenshot goes.
			return f, nil, nil
		}
		hide = append(hide, *b)
	}
	out, err := Blackout(shot, hide)
	return f, out, err
}

// Blackout fills the rectangles (in the image's pixels) with black and
// encodes the image again in its own format. The image's size must have
// been checked (recording.CheckImage) before: decoding allocates all of it.
func Blackout(data []byte, rects []recording.Bounds) ([]byte, error) {
	if err := recording.CheckImage("screenshot", data, recording.Limits{}); err != nil {
		return nil, err
	}
	// Decoding holds the whole image: as many at once as there are cores.
	imageSlots <- struct{}{}
	defer func() { <-imageSlots }()
	src, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("screenshot: not a readable image: %w", err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	for _, r := range rects {
		x, y, w, h := r[0], r[1], r[2], r[3]
		rect := image.Rect(x, y, x+w, y+h).Add(img.Bounds().Min).Intersect(img.Bounds())
		draw.Draw(img, rect, image.Black, image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	return buf.Bytes(), err
}

package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// boundsCase is a password field's bounds in a 50×40 screenshot and what
// must become of the screenshot.
type boundsCase struct {
	name   string
	bounds []int
	scale  float64 // screenshot_scale, 0 for none
	// black and white are pixels of the stored image; nil black means
	// the screenshot must be gone.
	black, white []image.Point
}

// TestScreenshotBlackoutFailsClosed (issue 14): a password field whose
// bounds lie partly outside the screenshot is blacked out where it is in
// the image; one that cannot be located in it with certainty (off the
// image, negative coordinates of another screen, a declared HiDPI scale
// that puts it off the image) costs the step its screenshot, and the
// uploader is told; as a bundle and step by step in a recording session.
// Checked on the screenshots read back through the API.
func TestScreenshotBlackoutFailsClosed(t *testing.T) {
	cases := []boundsCase{
		{name: "inside", bounds: []int{10, 10, 20, 8}, black: []image.Point{{15, 12}, {29, 17}}, white: []image.Point{{9, 12}, {30, 12}, {40, 30}}},
		{name: "past the right and bottom edges", bounds: []int{40, 30, 30, 30}, black: []image.Point{{45, 35}, {49, 39}}, white: []image.Point{{39, 35}, {45, 29}}},
		{name: "off the image", bounds: []int{60, 10, 20, 8}},
		{name: "below the image", bounds: []int{10, 45, 20, 8}},
		{name: "negative, another screen", bounds: []int{-1500, 10, 20, 8}},
		{name: "negative, overlapping", bounds: []int{-5, 10, 20, 8}},
		{name: "no width", bounds: []int{10, 10, 0, 8}},
		{name: "scaled", bounds: []int{5, 5, 10, 4}, scale: 2, black: []image.Point{{10, 10}, {29, 17}}, white: []image.Point{{9, 12}, {30, 12}, {15, 18}}},
		{name: "scaled off the image", bounds: []int{30, 5, 10, 4}, scale: 2},
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			var steps []stepJSON
			shots := map[string][]byte{}
			for i, tc := range cases {
				shot := fmt.Sprintf("screenshots/%d.png", i)
				s := newStep(tc.name, i, stepJSON{"input": "s3cret!", "element": map[string]any{"role": "password", "bounds": tc.bounds}, "screenshot": shot})
				if tc.scale != 0 {
					s["screenshot_scale"] = tc.scale
				}
				steps = append(steps, s)
				shots[shot] = testPNG(t, 50, 40)
			}
			// As a bundle: the answer lists the dropped screenshots.
			code, body := w.c["owner"].uploadBundle(w.process+"/recordings", bundle(t, "bounds", steps, shots))
			if code != 201 {
				t.Fatalf("upload: %d %s", code, body)
			}
			var up struct {
				ID      int64 `json:"id"`
				Dropped []struct {
					Step   int    `json:"step"`
					Reason string `json:"reason"`
				} `json:"screenshots_dropped"`
			}
			must(t, json.Unmarshal([]byte(body), &up))
			dropped := map[int]bool{}
			for _, d := range up.Dropped {
				dropped[d.Step] = d.Reason != ""
			}
			checkBlackout(t, w, "bundle", up.ID, dropped, cases)
			// Step by step in a recording session: each step's answer
			// says when its screenshot was dropped.
			path := w.session(w.c["owner"], "bounds")
			dropped = map[int]bool{}
			for i, s := range steps {
				s["screenshot"] = base64.StdEncoding.EncodeToString(testPNG(t, 50, 40))
				code, body := w.c["owner"].sendStep(path, s)
				var answer struct {
					N       int    `json:"n"`
					Dropped string `json:"screenshot_dropped"`
				}
				if code != 201 || json.Unmarshal([]byte(body), &answer) != nil {
					t.Fatalf("step %d: %d %s", i, code, body)
				}
				dropped[answer.N] = answer.Dropped != ""
			}
			w.c["owner"].json("POST", path+"/stop", "", 200, nil)
			var pub recordingJSON
			w.c["owner"].json("POST", path+"/publish", `{"process":`+itoa(w.pid)+`}`, 200, &pub)
			checkBlackout(t, w, "session", int64(pub.ID), dropped, cases)
		})
	}
}

// checkBlackout reads the recording's screenshots through the API and
// checks each case's pixels, or that its screenshot is gone and the
// uploader was told (dropped, by step number).
func checkBlackout(t *testing.T, w *recWorld, how string, id int64, dropped map[int]bool, cases []boundsCase) {
	t.Helper()
	white := color.RGBA{255, 255, 255, 255}
	black := color.RGBA{A: 255}
	var rec recordingJSON
	w.c["owner"].json("GET", fmt.Sprintf("%s/recordings/%d", w.process, id), "", 200, &rec)
	if len(rec.Steps) != len(cases) {
		t.Fatalf("%s: %d steps stored, want %d: a step whose screenshot is dropped is kept", how, len(rec.Steps), len(cases))
	}
	for i, tc := range cases {
		n := i + 1
		path := fmt.Sprintf("%s/recordings/%d/steps/%d/screenshot", w.process, id, n)
		code, data := w.c["owner"].do("GET", path, "", nil)
		if tc.black == nil {
			if code != 404 || rec.Steps[i].HasScreenshot || !dropped[n] {
				t.Errorf("%s, %s: the screenshot was kept (GET %d, has_screenshot %v, told dropped %v); it must be dropped", how, tc.name, code, rec.Steps[i].HasScreenshot, dropped[n])
			}
			continue
		}
		if code != 200 || dropped[n] {
			t.Errorf("%s, %s: GET screenshot %d, told dropped %v; want it kept, blacked out", how, tc.name, code, dropped[n])
			continue
		}
		img, err := png.Decode(bytes.NewReader([]byte(data)))
		must(t, err)
		for _, want := range []struct {
			at []image.Point
			c  color.RGBA
		}{{tc.black, black}, {tc.white, white}} {
			for _, p := range want.at {
				if got := color.RGBAModel.Convert(img.At(p.X, p.Y)).(color.RGBA); got != want.c {
					t.Errorf("%s, %s: pixel %v is %v, want %v", how, tc.name, p, got, want.c)
				}
			}
		}
	}
}

// TestPolicyAppliedLaterDropsUnlocatableScreenshots: applying a changed
// policy to stored recordings blacks out the element of each step whose
// texts it changed; a screenshot in which that element cannot be located
// is deleted and counted, not stored again untouched.
func TestPolicyAppliedLaterDropsUnlocatableScreenshots(t *testing.T) {
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			// The input is a name the policy's list does not hold yet:
			// nothing is sensitive at import.
			all := map[string]string{}
			for _, k := range []string{"email", "phone", "card", "iban", "ssn", "ip", "secret", "name"} {
				all[k] = "redact"
			}
			w.setPolicy(all)
			step := func(i int, bounds []int) stepJSON {
				return newStep("Mail", i, stepJSON{"input": "Ingrid Svensson", "element": map[string]any{"role": "edit", "bounds": bounds}, "screenshot": fmt.Sprintf("screenshots/%d.png", i)})
			}
			r := w.upload(w.c["owner"], bundle(t, "t", []stepJSON{step(0, []int{60, 10, 20, 8}), step(1, []int{10, 10, 20, 8})},
				map[string][]byte{"screenshots/0.png": testPNG(t, 50, 40), "screenshots/1.png": testPNG(t, 50, 40)}))
			w.setPolicy(all, "Ingrid Svensson")
			var rep map[string]int
			w.root.json("POST", w.base+"/privacy-policy/apply", `{"recordings":true}`, 200, &rep)
			if rep["recording_steps_changed"] != 2 || rep["screenshots_blacked_out"] != 1 || rep["screenshots_dropped"] != 1 {
				t.Errorf("apply report %v", rep)
			}
			shot := func(n int) (int, string) {
				return w.c["owner"].do("GET", fmt.Sprintf("%s/recordings/%d/steps/%d/screenshot", w.process, r.ID, n), "", nil)
			}
			if code, _ := shot(1); code != 404 {
				t.Errorf("the screenshot whose element is off the image: GET %d, want it deleted", code)
			}
			code, data := shot(2)
			if code != 200 {
				t.Fatalf("the other screenshot: GET %d", code)
			}
			img, err := png.Decode(bytes.NewReader([]byte(data)))
			must(t, err)
			if got := color.RGBAModel.Convert(img.At(15, 12)).(color.RGBA); got != (color.RGBA{A: 255}) {
				t.Errorf("the other screenshot is not blacked out: %v", got)
			}
		})
	}
}

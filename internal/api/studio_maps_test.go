package api

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/testlogs"
)

// mapReading measures the process page's map as a person sees it: the
// rendered size of each activity's label in view (its font size times the
// SVG's current scale, and its box's height), and whether any two
// activities' shapes overlap.
const mapReading = `(() => {
  const map = document.getElementById('map'), svg = map.querySelector('svg');
  const m = map.getBoundingClientRect();
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const inView = (r) => r.right > m.left && r.left < m.right && r.bottom > m.top && r.top < m.bottom;
  const out = {nodes: 0, labels: 0, minFont: 1e9, minHeight: 1e9, overlaps: [], zoom: document.getElementById('map-zoom').textContent,
    overview: !document.getElementById('map-overview').hidden};
  const boxes = [];
  for (const g of svg.querySelectorAll('g.node')) {
    out.nodes++;
    const name = g.querySelector('title').textContent;
    boxes.push([name, g.querySelector('path, polygon, ellipse').getBoundingClientRect()]);
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!inView(r)) continue;
      out.labels++;
      out.minFont = Math.min(out.minFont, parseFloat(t.getAttribute('font-size')) * scale);
      out.minHeight = Math.min(out.minHeight, r.height);
    }
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i][1], b = boxes[j][1];
    if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5) out.overlaps.push(boxes[i][0] + ' and ' + boxes[j][0]);
  }
  return JSON.stringify(out);
})()`

type reading struct {
	Nodes, Labels      int
	MinFont, MinHeight float64
	Overlaps           []string
	Zoom               string
	Overview           bool
}

// readMap is mapReading of the page the browser shows.
func readMap(t *testing.T, ctx context.Context) reading {
	t.Helper()
	js, err := chromedp.Run(ctx, chromedp.Evaluate[string](mapReading))
	if err != nil {
		t.Fatal(err)
	}
	var r reading
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStudioMapsReadable: on receipt (27 activities) and BPIC 2012 the
// process page opens on a map chosen to read (at most 20 activities, the
// page saying how many of all), at a zoom where every activity's label in
// view is at least 11 CSS pixels high and no two activities overlap, at
// 1400 and at 390 pixels wide, in both views; a map larger than its panel
// has an overview; + and - zoom the focused map.
func TestStudioMapsReadable(t *testing.T) {
	ctx := browser(t)
	e := browserServer(t)
	root, maker, _, prod, base := prodWithMaker(e)
	_, viewerID := e.user("viewer", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":[%q]}`, prod.Root, access.ProcessMiningUser), 200, nil)
	var receiptPage string
	run := runner(t, ctx)
	run(signInSteps(e.url, "maker")...)
	for _, c := range []struct {
		name, file, shot string
		all              int
	}{
		{"Receipt", "csv/receipt.csv", "receipt", 27},
		{"BPIC 2012", "xes/bpic2012.xes.gz", "bpic2012", 23},
	} {
		data, err := os.ReadFile(testlogs.Path(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		var p processJSON
		maker.json("POST", base+"/processes", fmt.Sprintf(`{"name":%q}`, c.name), 201, &p)
		began := time.Now()
		if job := maker.importLog(fmt.Sprintf("%s/processes/%d/data", base, p.ID), c.file[strings.LastIndex(c.file, "/")+1:], data, nil); job.State != "done" {
			t.Fatalf("%s: import %+v", c.name, job)
		}
		t.Logf("%s imported in %v", c.name, time.Since(began).Round(time.Millisecond))
		// The KPI tile names what it counts: BPIC 2012's starts and
		// completes pair up into activity instances; receipt's events are
		// single.
		var figures struct{ Events int }
		maker.json("GET", fmt.Sprintf("%s/processes/%d/report", base, p.ID), "", 200, &figures)
		_, html := maker.do("GET", fmt.Sprintf("/e/%d/p/%d", prod.ID, p.ID), "", nil)
		counted := map[string]string{"receipt": "<span>Events</span>", "bpic2012": "<span>Activity instances</span>"}[c.shot]
		if !strings.Contains(html, counted+`<strong id="kpi-events">`+strconv.Itoa(figures.Events)+"<") {
			t.Errorf("%s: the KPI tile does not say %s %d", c.name, counted, figures.Events)
		}
		page := fmt.Sprintf("%s/e/%d/p/%d", e.url, prod.ID, p.ID)
		if c.shot == "receipt" {
			maker.json("PUT", fmt.Sprintf("%s/processes/%d/shares", base, p.ID), fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, viewerID), 200, nil)
			receiptPage = page
		}
		for _, v := range []struct {
			width, height int
			view          string
		}{{1400, 900, "frequency"}, {390, 844, "frequency"}, {1400, 900, "performance"}} {
			name := fmt.Sprintf("%s-%s-%dpx", c.shot, v.view, v.width)
			began := time.Now()
			run(chromedp.EmulateViewport(int64(v.width), int64(v.height)),
				chromedp.Navigate(page+"?view="+v.view), chromedp.WaitVisible(chromedp.CSS("#map svg")))
			loaded := time.Since(began)
			r := readMap(t, ctx)
			t.Logf("%s: %+v (page in %v)", name, r, loaded.Round(time.Millisecond))
			chosen := pageText(t, ctx, "#map-chosen")
			if want := fmt.Sprintf("the %d most frequent of %d activities", r.Nodes-2, c.all); !strings.Contains(chosen, want) || r.Nodes-2 > 20 {
				t.Errorf("%s: %d activities drawn, the page says %q", name, r.Nodes-2, chosen)
			}
			if r.Labels < 3 {
				t.Errorf("%s: %d labels in view", name, r.Labels)
			}
			if r.MinFont < 11 || r.MinHeight < 11 {
				t.Errorf("%s: the smallest label in view is %.1f px (its box %.1f px high); 11 at least", name, r.MinFont, r.MinHeight)
			}
			if len(r.Overlaps) > 0 {
				t.Errorf("%s: activities overlap: %v", name, r.Overlaps)
			}
			if wide := evalInt(t, ctx, `document.documentElement.scrollWidth`); wide > v.width {
				t.Errorf("%s: the page is %d px wide", name, wide)
			}
			shot(t, ctx, "studio-map-"+name)
			shotPanel(t, ctx, "studio-map-panel-"+name)
		}
		// The keyboard zooms the focused map, and the overview shows
		// where the view is on a map larger than the panel.
		run(chromedp.EmulateViewport(1400, 900), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#map svg")))
		before := pageText(t, ctx, "#map-zoom")
		run(chromedp.Focus(chromedp.CSS("#map")), chromedp.KeyEvent("+"), chromedp.KeyEvent("+"))
		after := pageText(t, ctx, "#map-zoom")
		if before == after {
			t.Errorf("%s: + leaves the zoom at %s", c.name, after)
		}
		if !chromedpBool(t, ctx, `!document.getElementById('map-overview').hidden && document.getElementById('map-view').getBoundingClientRect().width > 5`) {
			t.Errorf("%s: zoomed in to %s, the map has no overview", c.name, after)
		}
		// The arrow keys move the focused map; a click low in the overview
		// brings the end of the map into view.
		top := `document.getElementById('map').scrollTop`
		before = fmt.Sprint(evalInt(t, ctx, top))
		run(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
		if moved := fmt.Sprint(evalInt(t, ctx, top)); moved == before {
			t.Errorf("%s: the arrow keys leave the map at %s", c.name, moved)
		}
		run(chromedp.ScrollIntoView(chromedp.CSS("#map-overview")))
		js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(document.getElementById('map-overview').getBoundingClientRect())`))
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ X, Y, Width, Height float64 }
		json.Unmarshal([]byte(js), &o)
		run(chromedp.MouseClickXY(o.X+o.Width/2, o.Y+o.Height-3))
		if bottom := evalInt(t, ctx, `(() => { const m = document.getElementById('map'); return m.scrollHeight - m.clientHeight - m.scrollTop; })()`); bottom > 5 {
			t.Errorf("%s: a click at the foot of the overview leaves the map %d px from its end", c.name, bottom)
		}
		shotPanel(t, ctx, "studio-map-panel-"+c.shot+"-overview-click")
	}

	// A report reader gets a readable first view through disclosure
	// control: the page says what kind of map it shows, not how much of
	// the whole there is.
	run(chromedp.EmulateViewport(1400, 900), chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	run(signInSteps(e.url, "viewer")...)
	run(chromedp.Navigate(receiptPage), chromedp.WaitVisible(chromedp.CSS("#map svg")))
	r := readMap(t, ctx)
	t.Logf("the reader's first view: %+v", r)
	chosen := pageText(t, ctx, "#map-chosen")
	if !strings.Contains(chosen, "Showing the most frequent activities and paths") || strings.ContainsAny(chosen, "0123456789") {
		t.Errorf("the reader's page says %q", chosen)
	}
	// A reader's choice is made on noisy counts (studio.readerReadableMap),
	// aiming four activities under twenty: it keeps more than 25 only when
	// the noise takes ten or more off the count (3.5 standard deviations of the two noise layers: about 1 view in 4,000).
	if r.Nodes-2 > 25 || r.Nodes-2 < 10 || r.MinFont < 11 || len(r.Overlaps) > 0 {
		t.Errorf("the reader's first view: %+v", r)
	}
	if !strings.Contains(pageText(t, ctx, "#disclosure-note"), "report reader") {
		t.Error("the reader's page does not say that figures are protected")
	}
	shotPanel(t, ctx, "studio-map-panel-receipt-reader")
}

// shotPanel saves a screenshot of the map's panel alone (what it says it
// shows, the zoom buttons, the map and its overview) to artifacts/: small
// enough to read at a glance, where shot's whole page is not.
func shotPanel(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(".map-panel")))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// chromedpBool evaluates a script that tells something of the page.
func chromedpBool(t *testing.T, ctx context.Context, js string) bool {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package api

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/processtree"
)

// TestModelAndConformancePagesInABrowser: the maker sees the running
// example's model drawn as BPMN (inductive, then heuristics), its
// conformance (every trace fits), uploads a reference model through the
// page and compares the data with it: the fitness drops, the map marks the
// deviating activities and the table names them. A viewer sees no upload,
// and, through disclosure control, no figure of this six-case log.
func TestModelAndConformancePagesInABrowser(t *testing.T) {
	ctx := browser(t)
	e := browserServer(t)
	page := viewedProcess(t, e, "Compensation", "xes/running-example.xes")

	run := runner(t, ctx)
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	count := func(js string) int { return evalInt(t, ctx, js) }
	signIn := func(user string) { run(signInSteps(e.url, user)...) }

	signIn("maker")
	run(chromedp.Navigate(page), chromedp.Click(chromedp.CSS("#model-link")), chromedp.WaitVisible(chromedp.CSS("#map svg.bpmn")))
	if n := count(`document.querySelectorAll('#map g.task').length`); n != 8 {
		t.Errorf("the model draws %d tasks, want the 8 activities", n)
	}
	if tree, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('tree').textContent`)); !strings.Contains(tree, "'register request'") {
		t.Errorf("tree %q", tree)
	}
	shot(t, ctx, "studio-model")
	run(chromedp.SetValue(chromedp.CSS("#algorithm"), "heuristics"), chromedp.Click(chromedp.CSS("#mine")),
		chromedp.WaitVisible(chromedp.CSS("#dependency")), chromedp.WaitVisible(chromedp.CSS("#map svg.bpmn")))
	if n := count(`document.querySelectorAll('#map g.task').length`); n != 8 {
		t.Errorf("the heuristics model draws %d tasks", n)
	}

	run(chromedp.Navigate(page+"/conformance"), chromedp.WaitVisible(chromedp.CSS("#log-fitness")))
	if f := text("#log-fitness"); f != "1.0000" {
		t.Errorf("log fitness on the mined model: %q", f)
	}
	run(chromedp.WaitVisible(chromedp.CSS("#no-deviations")), chromedp.WaitVisible(chromedp.CSS("#no-reference")))

	// A reference model without the examinations and the loop.
	ref, _ := processtree.Parse("->( 'register request', 'check ticket', 'decide', X( 'pay compensation', 'reject request' ) )")
	var b bytes.Buffer
	if err := bpmn.Write(context.Background(), &b, bpmn.FromTree(ref)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "handbook.bpmn")
	os.WriteFile(file, b.Bytes(), 0o644)
	run(chromedp.SetUploadFiles(chromedp.CSS("#reference-file"), []string{file}), chromedp.Click(chromedp.CSS("#reference-upload button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reference-info")))
	if info := text("#reference-info"); !strings.Contains(info, "handbook.bpmn") {
		t.Errorf("reference info %q", info)
	}
	// With a reference model, the page compares with it first.
	run(chromedp.Navigate(page+"/conformance"), chromedp.WaitVisible(chromedp.CSS("#deviations")), chromedp.WaitVisible(chromedp.CSS("#use-mined")))
	if f, err := strconv.ParseFloat(text("#log-fitness"), 64); err != nil || f >= 0.95 {
		t.Errorf("log fitness on the reference: %v %v", f, err)
	}
	if n := count(`document.querySelectorAll('#map g.node.marked').length`); n < 3 {
		t.Errorf("%d activities marked on the map", n)
	}
	if dev := text("#deviations"); !strings.Contains(dev, "examine casually") || !strings.Contains(dev, "not in the model") {
		t.Errorf("deviations table %q", dev)
	}
	if n := count(`document.querySelectorAll('#model text.deviation').length`); n < 1 {
		t.Errorf("no task of the reference model is marked")
	}
	shot(t, ctx, "studio-conformance")
	// The mined model stays one click away, and its miner's form keeps it.
	run(chromedp.Click(chromedp.CSS("#use-mined")), chromedp.WaitVisible(chromedp.CSS("#no-deviations")), chromedp.WaitVisible(chromedp.CSS("#use-reference")))
	// (The form is read, not sent: a click's page and the one before it
	// both show #no-deviations, and reading it between the two lost the
	// node once in a clean run.)
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#miner input[name=model]') || {}).value || ''`)); v != "discovered" {
		t.Errorf("the miner's form on the mined model sends model=%q", v)
	}
	run(chromedp.Navigate(page+"/conformance?model=discovered&algorithm=inductive&noise=0.2"), chromedp.WaitVisible(chromedp.CSS("#no-deviations")))
	if f := text("#log-fitness"); f != "1.0000" {
		t.Errorf("log fitness on the mined model, mined again: %q", f)
	}

	// The viewer reads through disclosure control: no path of the six
	// cases is shared by five, so there is nothing to show; and no upload.
	run(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	signIn("viewer")
	run(chromedp.Navigate(page+"/conformance?model=reference"), chromedp.WaitVisible(chromedp.CSS("#too-few")))
	if msg := text("#too-few"); !strings.Contains(msg, "fewer than 5") {
		t.Errorf("the viewer's conformance page: %q", msg)
	}
	if n := count(`document.querySelectorAll('#reference-upload').length`); n != 0 {
		t.Errorf("the viewer is offered the upload")
	}
}

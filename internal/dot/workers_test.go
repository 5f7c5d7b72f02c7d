package dot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/dot/graphviz"
)

// TestMain lets this test binary be a layout worker, as procmine-layout
// is one.
func TestMain(m *testing.M) { graphviz.TestMain(m) }

// testWorkers are workers that run this test binary, remembering every
// process they start.
func testWorkers(t *testing.T, size int, timeout, wait time.Duration) (*dot.Workers, func() []*exec.Cmd) {
	var mu sync.Mutex
	var started []*exec.Cmd
	w := &dot.Workers{Size: size, Timeout: timeout, Wait: wait, Command: func() *exec.Cmd {
		c := exec.Command(os.Args[0])
		mu.Lock()
		started = append(started, c)
		mu.Unlock()
		return c
	}}
	old := dot.Use(w)
	t.Cleanup(func() { dot.Use(old); w.Close() })
	return w, func() []*exec.Cmd {
		mu.Lock()
		defer mu.Unlock()
		return append([]*exec.Cmd(nil), started...)
	}
}

// dense is a graph whose layout takes minutes: 40 nodes and 1,600
// labelled edges in no order, what a log of 40 activities in random
// order makes.
func dense(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	b.WriteString("digraph { node [shape=box];\n")
	for range 1600 {
		fmt.Fprintf(&b, "n%d -> n%d [label=\"%d\"];\n", r.IntN(40), r.IntN(40), r.IntN(1000))
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

const small = `digraph { rankdir=LR; node [fixedsize=true, width=1, height=0.5, shape=box];
	a -> b [id=ab]; b -> c [id=bc]; a -> c [id=ac]; }`

// TestWorkersLayOut: through workers, a layout gives the same positions
// as in-process, dot.SVG comes back whole, a worker serves one layout after
// another, and a broken graph is an error (its worker replaced).
func TestWorkersLayOut(t *testing.T) {
	local, err := graphviz.Engine{}.Lay(context.Background(), []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	_, started := testWorkers(t, 1, 20*time.Second, 5*time.Second)
	l, err := dot.Lay(context.Background(), []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(l) != fmt.Sprint(local) {
		t.Errorf("through a worker %+v, in-process %+v", l, local)
	}
	var svg bytes.Buffer
	if err := dot.Render(context.Background(), []byte(small), dot.SVG, &svg); err != nil || !strings.Contains(svg.String(), "</svg>") {
		t.Errorf("svg %v: %.200s", err, svg.String())
	}
	if n := len(started()); n != 1 {
		t.Errorf("%d workers started for two layouts, want 1", n)
	}
	if _, err := dot.Lay(context.Background(), []byte("digraph {")); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("a broken graph: %v", err)
	}
	if _, err := dot.Lay(context.Background(), []byte(small)); err != nil {
		t.Errorf("after the broken graph: %v", err)
	}
	// The broken graph retired its worker and was tried once more in a
	// fresh one, which it retired too.
	if n := len(started()); n != 3 {
		t.Errorf("%d workers started for four layouts, one of them broken, want 3", n)
	}
}

// TestWorkersStopLongLayouts: a layout that outlives its deadline is
// stopped then (its worker killed), and the same graph is refused at once
// afterwards; one whose caller goes away is stopped at once; a layout
// waits for a free worker only so long; and the next layout is served by
// a fresh worker.
func TestWorkersStopLongLayouts(t *testing.T) {
	_, started := testWorkers(t, 1, 2*time.Second, 300*time.Millisecond)
	a, b := dot.WithCaller(context.Background(), "a"), dot.WithCaller(context.Background(), "b")
	begin := time.Now()
	errs := make(chan error, 1)
	go func() { errs <- dot.Render(a, dense(1), dot.SVG, io.Discard) }()
	time.Sleep(500 * time.Millisecond)
	// The one worker is busy: another caller's layout waits 300 ms, then
	// is told.
	if err := dot.Render(b, []byte(small), dot.SVG, io.Discard); !errors.Is(err, dot.ErrBusy) {
		t.Errorf("with every worker busy: %v, want ErrBusy", err)
	}
	err := <-errs
	took := time.Since(begin)
	var te *dot.TimeoutError
	if !errors.As(err, &te) || took > 4*time.Second {
		t.Fatalf("dense graph: %v after %v, want a timeout after 2 s", err, took)
	}
	t.Logf("the dense layout was stopped after %v", took)
	begin = time.Now()
	if err := dot.Render(b, dense(1), dot.SVG, io.Discard); !errors.As(err, &te) || time.Since(begin) > 100*time.Millisecond {
		t.Errorf("the stopped graph again: %v after %v, want a timeout at once", err, time.Since(begin))
	}
	first := started()[0]
	if ws, ok := first.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the worker ended %v, want killed", first.ProcessState)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { errs <- dot.Render(ctx, dense(2), dot.SVG, io.Discard) }()
	time.Sleep(500 * time.Millisecond)
	begin = time.Now()
	cancel()
	// context.Canceled, not a dot.TimeoutError, says the cancel stopped it,
	// 1.5 s before its deadline would have; the bound only catches a hang
	// (beside two busy loops and the other packages' tests it took 1.3 s).
	if err := <-errs; !errors.Is(err, context.Canceled) || time.Since(begin) > 5*time.Second {
		t.Errorf("cancelled layout: %v after %v", err, time.Since(begin))
	}

	var svg bytes.Buffer
	if err := dot.Render(context.Background(), []byte(small), dot.SVG, &svg); err != nil || !strings.Contains(svg.String(), "</svg>") {
		t.Errorf("after the kill: %v", err)
	}
	if n := len(started()); n != 3 {
		t.Errorf("%d workers started, want 3 (two killed)", n)
	}
}

// TestWorkersShareFairly: a caller runs at most PerCaller layouts at once
// (told dot.ErrBusy at once past that), so another caller still finds a
// worker while the first one's layouts run.
func TestWorkersShareFairly(t *testing.T) {
	testWorkers(t, 2, 2*time.Second, 5*time.Second)
	a, b := dot.WithCaller(context.Background(), "a"), dot.WithCaller(context.Background(), "b")
	errs := make(chan error, 1)
	go func() { errs <- dot.Render(a, dense(3), dot.SVG, io.Discard) }()
	time.Sleep(300 * time.Millisecond)
	begin := time.Now()
	if err := dot.Render(a, dense(4), dot.SVG, io.Discard); !errors.Is(err, dot.ErrBusy) || time.Since(begin) > 100*time.Millisecond {
		t.Errorf("a second layout of the same caller: %v after %v, want dot.ErrBusy at once", err, time.Since(begin))
	}
	var svg bytes.Buffer
	if err := dot.Render(b, []byte(small), dot.SVG, &svg); err != nil || !strings.Contains(svg.String(), "</svg>") || time.Since(begin) > 1500*time.Millisecond {
		t.Errorf("another caller: %v after %v", err, time.Since(begin))
	}
	var te *dot.TimeoutError
	if err := <-errs; !errors.As(err, &te) {
		t.Errorf("dense layout: %v", err)
	}
}

// TestWorkersRetireAFailingGraphviz: Graphviz reading no graph without a
// reason (what it does with an empty source, and once did in a worker
// with a map it had drawn before) used to crash the worker on a nil
// graph. Now it is an error; the worker that said it is replaced, the
// layout tried once more in a fresh one, and failing there too it is the
// server's trouble (dot.WorkerError), not the drawing's; the next layout is
// served.
func TestWorkersRetireAFailingGraphviz(t *testing.T) {
	var out bytes.Buffer
	_, started := testWorkers(t, 1, 20*time.Second, 5*time.Second)
	var we *dot.WorkerError
	if err := dot.Render(context.Background(), nil, dot.SVG, &out); !errors.As(err, &we) || !strings.Contains(err.Error(), "failed without a reason") {
		t.Errorf("through a worker, an empty graph: %v, want a WorkerError", err)
	}
	if _, err := dot.Lay(context.Background(), []byte(" \n")); !errors.As(err, &we) {
		t.Errorf("through a worker, a blank graph laid out: %v, want a WorkerError", err)
	}
	if n := len(started()); n != 4 {
		t.Errorf("%d workers started for two failing layouts tried twice each, want 4", n)
	}
	for _, c := range started() {
		if c.ProcessState == nil {
			t.Errorf("worker %d still runs", c.Process.Pid)
		}
	}
	if err := dot.Render(context.Background(), []byte(small), dot.SVG, &out); err != nil || !strings.Contains(out.String(), "</svg>") {
		t.Errorf("the next layout: %v", err)
	}
}

// TestWorkersAreReplacedAfterUses: a worker makes Uses layouts, then a
// fresh one takes its place.
func TestWorkersAreReplacedAfterUses(t *testing.T) {
	w, started := testWorkers(t, 1, 20*time.Second, 5*time.Second)
	w.Uses = 2
	for i := range 5 {
		if _, err := dot.Lay(context.Background(), []byte(small)); err != nil {
			t.Fatalf("layout %d: %v", i, err)
		}
	}
	if n := len(started()); n != 3 {
		t.Errorf("%d workers started for 5 layouts at 2 each, want 3", n)
	}
}

// TestProcmineLinksNoGraphviz: procmine starts without compiling Graphviz
// (60 to 100 ms of every start when it was linked): only procmine-layout
// links it.
func TestProcmineLinksNoGraphviz(t *testing.T) {
	for cmd, want := range map[string]bool{"procmine": false, "procmine-layout": true} {
		out, err := exec.Command("go", "list", "-deps", "github.com/procmine/procmine/cmd/"+cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		if got := strings.Contains(string(out), "github.com/goccy/go-graphviz"); got != want {
			t.Errorf("cmd/%s links go-graphviz: %v, want %v", cmd, got, want)
		}
	}
}

package dot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A layout in-process cannot be stopped: Graphviz runs as WebAssembly
// compiled to machine code, which the Go scheduler cannot preempt, so a
// long layout also holds every garbage collection (and with it every
// goroutine of the server) until it ends. Layouts therefore run in worker
// processes (Workers): each is procmine-layout (or a test binary) with
// WorkerEnv set, answering layouts on its standard input and output, and
// one whose layout outlives its deadline is killed and replaced.

// WorkerEnv is the environment variable that makes a process a layout
// worker (see ServeWorkerIfAsked).
const WorkerEnv = "PROCMINE_LAYOUT_WORKER"

// ErrBusy is returned when every worker stayed busy for as long as a
// layout may wait for one.
var ErrBusy = errors.New("every layout worker is busy")

// WorkerError is a layout worker that could not start or died: the
// server's trouble, not the drawing's.
type WorkerError struct{ Err error }

func (e *WorkerError) Error() string { return "layout worker: " + e.Err.Error() }
func (e *WorkerError) Unwrap() error { return e.Err }

// TimeoutError is returned when a layout ran longer than its deadline; its
// worker was killed.
type TimeoutError struct{ Limit time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the layout took longer than %v and was stopped", e.Limit)
}

// Workers lay graphs out in a few worker processes. The zero values of
// Size, Timeout, Wait, PerCaller and Uses are 2, 20 s, 5 s, Size-1 (at
// least 1) and 500.
//
// Two rules keep one caller from taking the workers from everyone else:
// a caller (see WithCaller) runs at most PerCaller layouts at once, and
// gets ErrBusy at once past that; and a graph whose layout was stopped at
// its deadline is not laid out again for an hour (TimeoutError at once).
type Workers struct {
	// Command makes the command that starts one worker: Helper, or a
	// test binary whose TestMain calls ServeWorkerIfAsked. Its
	// environment is made for it (see workerEnv).
	Command func() *exec.Cmd
	// Size is how many layouts run at once: one worker each.
	Size int
	// Timeout is the longest one layout may run before its worker is
	// killed.
	Timeout time.Duration
	// Wait is the longest a layout waits for a free worker before
	// ErrBusy.
	Wait time.Duration
	// PerCaller is how many layouts one caller may run at once.
	PerCaller int
	// Uses is how many layouts a worker makes before it is replaced:
	// Graphviz keeps some memory of every graph it reads (go-graphviz
	// does not free the copy of the source it hands Graphviz), and a
	// worker's memory only grows.
	Uses int

	once sync.Once
	mu   sync.Mutex
	// running counts the layouts of each caller under way.
	running map[string]int
	// stopped holds when the layouts of graphs (by digest) were stopped
	// at their deadline.
	stopped map[[sha256.Size]byte]time.Time
	// slots holds one token per worker that may run: a running worker,
	// or nil for one to start when needed.
	slots chan *worker
}

// worker is one running worker process.
type worker struct {
	cmd *exec.Cmd
	enc *gob.Encoder
	dec *gob.Decoder
	in  io.Closer
	// uses counts the layouts it answered.
	uses int
}

// request is what a worker is asked: a graph in DOT, and either a format
// to render it in or, with Lay, its positions.
type request struct {
	Src    []byte
	Format string
	Lay    bool
}

// reply is a worker's answer.
type reply struct {
	Out    []byte
	Layout *Layout
	Err    string
	// Retire says that the worker ends after this answer: its Graphviz
	// failed, and is not trusted with another layout. Graphviz keeps
	// the last error it reported and gives it again for a graph it then
	// fails to read without a reason, so a Graphviz that broke after an
	// error says so with that stale error, for every graph after it (as
	// a worker in CI once did).
	Retire bool
	// Broken says that the failure is not the graph's: Graphviz
	// panicked, read no graph and gave no reason, or wrote a cut drawing.
	Broken bool
}

var current atomic.Pointer[Workers]

// Use makes every later layout of this process run in w's workers; nil
// gives them back to the process's own (see workers). It returns the
// workers used before.
func Use(w *Workers) *Workers { return current.Swap(w) }

// own are the workers of a process that Use gave none: one
// procmine-layout, started at the first layout (the command line's map
// and model drawings, one at a time, by one caller). Its user waits for
// their own drawing, which may take ten minutes (a server's stops at
// --layout-timeout).
var own = sync.OnceValue(func() *Workers { return &Workers{Command: Helper, Size: 1, Timeout: 10 * time.Minute} })

// workers are the workers layouts run in now.
func workers() *Workers {
	if w := current.Load(); w != nil {
		return w
	}
	return own()
}

// Close kills the workers that are idle; a worker busy with a layout
// ends with it (its caller kills it at the deadline), or when this
// process exits and its input closes.
func (w *Workers) Close() {
	w.init()
	n := 0
	for n < w.Size {
		select {
		case wk := <-w.slots:
			if wk != nil {
				wk.stop()
			}
			n++
			continue
		default:
		}
		break
	}
	for range n {
		w.slots <- nil
	}
}

func (w *Workers) init() {
	w.once.Do(func() {
		if w.Size <= 0 {
			w.Size = 2
		}
		if w.Timeout <= 0 {
			w.Timeout = 20 * time.Second
		}
		if w.Wait <= 0 {
			w.Wait = 5 * time.Second
		}
		if w.PerCaller <= 0 {
			w.PerCaller = max(1, w.Size-1)
		}
		if w.Uses <= 0 {
			w.Uses = 500
		}
		w.running, w.stopped = map[string]int{}, map[[sha256.Size]byte]time.Time{}
		w.slots = make(chan *worker, w.Size)
		for range w.Size {
			w.slots <- nil
		}
	})
}

// callerKey is the context key of WithCaller.
type callerKey struct{}

// WithCaller names who asks for the layouts made with ctx (a user), for
// Workers.PerCaller. Layouts of a context without one share one name.
func WithCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}

// stoppedFor is how long a graph whose layout was stopped is refused.
const stoppedFor = time.Hour

// maxStopped bounds the graphs remembered as stopped.
const maxStopped = 10000

// do runs one request in a worker: it waits at most Wait for a free one,
// and kills the worker when the layout outlives Timeout or ctx ends. A
// layout whose worker died, or whose worker's Graphviz failed in a way
// that is not the graph's (Retire), is tried once more in a fresh worker;
// failing there too, it is the server's trouble (WorkerError).
func (w *Workers) do(ctx context.Context, req request) (*reply, error) {
	w.init()
	caller, _ := ctx.Value(callerKey{}).(string)
	sum := sha256.Sum256(append([]byte(req.Format+"\x00"+strconv.FormatBool(req.Lay)+"\x00"), req.Src...))
	w.mu.Lock()
	if at, ok := w.stopped[sum]; ok && time.Since(at) < stoppedFor {
		w.mu.Unlock()
		return nil, &TimeoutError{Limit: w.Timeout}
	}
	if w.running[caller] >= w.PerCaller {
		w.mu.Unlock()
		return nil, ErrBusy
	}
	w.running[caller]++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if w.running[caller]--; w.running[caller] == 0 {
			delete(w.running, caller)
		}
		w.mu.Unlock()
	}()
	var we *WorkerError
	for try := 0; ; try++ {
		// Each try waits at most Wait for a worker: the first may have
		// used the whole of it.
		wait := time.NewTimer(w.Wait)
		rep, err := w.attempt(ctx, req, sum, wait.C)
		wait.Stop()
		failed := errors.As(err, &we) || err == nil && rep.Retire
		switch {
		case !failed:
			return rep, err
		case try == 0 && ctx.Err() == nil:
			continue
		case err == nil && rep.Broken:
			return nil, &WorkerError{errors.New(rep.Err)}
		}
		return rep, err // the graph's own error, twice
	}
}

// attempt runs one request in a worker: it waits for a free one until wait
// fires, and kills the worker when the layout outlives Timeout or ctx
// ends. A worker that answered Retire, or has made Uses layouts, is
// stopped and its slot left for a fresh one.
func (w *Workers) attempt(ctx context.Context, req request, sum [sha256.Size]byte, wait <-chan time.Time) (*reply, error) {
	var wk *worker
	select {
	case wk = <-w.slots:
	case <-wait:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if wk == nil {
		var err error
		if wk, err = w.start(); err != nil {
			w.slots <- nil
			return nil, err
		}
	}
	done := make(chan error, 1)
	var rep reply
	go func() {
		err := wk.enc.Encode(req)
		if err == nil {
			err = wk.dec.Decode(&rep)
		}
		done <- err
	}()
	deadline := time.NewTimer(w.Timeout)
	defer deadline.Stop()
	select {
	case err := <-done:
		if err != nil {
			// The worker died or wrote something else than an answer:
			// it is not trusted with another layout.
			wk.stop()
			w.slots <- nil
			return nil, &WorkerError{err}
		}
		if wk.uses++; rep.Retire || wk.uses >= w.Uses {
			// A worker that asked to be replaced ends once it has
			// answered; a worker that made its share of layouts is
			// replaced before Graphviz's leaks add up.
			wk.stop()
			w.slots <- nil
			return &rep, nil
		}
		w.slots <- wk
		return &rep, nil
	case <-deadline.C:
		// Killed first, the worker's pipes break and the exchange
		// ends; only then is the process reaped (cmd.Wait closes the
		// pipe the exchange reads).
		kill(wk.cmd)
		<-done
		wk.stop()
		w.slots <- nil
		w.mu.Lock()
		if len(w.stopped) >= maxStopped {
			clear(w.stopped)
		}
		w.stopped[sum] = time.Now()
		w.mu.Unlock()
		return nil, &TimeoutError{Limit: w.Timeout}
	case <-ctx.Done():
		// Killed first, the worker's pipes break and the exchange
		// ends; only then is the process reaped (cmd.Wait closes the
		// pipe the exchange reads).
		kill(wk.cmd)
		<-done
		wk.stop()
		w.slots <- nil
		return nil, ctx.Err()
	}
}

// start starts a worker process.
func (w *Workers) start() (*worker, error) {
	cmd := w.Command()
	cmd.Env = workerEnv(os.Environ())
	isolate(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, &WorkerError{err}
	}
	return &worker{cmd: cmd, enc: gob.NewEncoder(in), dec: gob.NewDecoder(out), in: in}, nil
}

// stop kills the worker and everything it started, and waits for it.
func (wk *worker) stop() {
	kill(wk.cmd)
	wk.in.Close()
	wk.cmd.Wait()
}

// ServeWorkerIfAsked makes this process a layout worker with engine e when
// it was started as one (WorkerEnv=1), as ServeWorker does; otherwise it
// returns at once. The TestMain of packages whose tests lay out calls it
// first (see graphviz.ForTests).
func ServeWorkerIfAsked(e Engine) {
	if os.Getenv(WorkerEnv) == "1" {
		ServeWorker(e)
	}
}

// ServeWorker makes this process a layout worker with engine e: it answers
// layouts on its standard input and output until its input ends, then
// exits.
func ServeWorker(e Engine) {
	yield()
	if err := serveWorker(e, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "layout worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveWorker answers requests from r on w with e until r ends or an
// answer retires the worker.
func serveWorker(e Engine, r io.Reader, w io.Writer) error {
	dec, enc := gob.NewDecoder(r), gob.NewEncoder(w)
	for layouts := 1; ; layouts++ {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		rep := answer(e, req)
		if rep.Retire {
			// Said on the worker's standard error, which is its
			// server's: no more than sizes and our own words, since
			// the graph is made of names people uploaded (Graphviz's
			// errors quote it).
			why := "Graphviz failed"
			if rep.Broken {
				why = rep.Err
			}
			fmt.Fprintf(os.Stderr, "layout worker %d: retiring after layout %d (%d bytes of DOT): %s\n", os.Getpid(), layouts, len(req.Src), why)
		}
		if err := enc.Encode(&rep); err != nil {
			return err
		}
		if rep.Retire {
			return nil
		}
	}
}

// answer makes one layout with e. A panic in Graphviz's bindings is an
// answer that retires the worker, not the worker's crash.
func answer(e Engine, req request) (rep reply) {
	defer func() {
		if p := recover(); p != nil {
			rep = reply{Err: fmt.Sprintf("graphviz panicked: %v", p), Retire: true, Broken: true}
		}
	}()
	var err error
	if req.Lay {
		rep.Layout, err = e.Lay(context.Background(), req.Src)
	} else {
		var out bytesWriter
		err = e.Render(context.Background(), req.Src, Format(req.Format), &out)
		rep.Out = out
		if err == nil && Format(req.Format) == SVG && !wholeSVG(out) {
			// A Graphviz breaking once wrote a cut drawing without an
			// error; pages embed the SVG as it is, and a cut one
			// swallows the page after it.
			rep.Out, err = nil, fmt.Errorf("%w: it wrote %d bytes that are not one whole SVG document", ErrNoGraph, len(out))
		}
	}
	if err != nil {
		rep.Err, rep.Retire, rep.Broken = err.Error(), true, errors.Is(err, ErrNoGraph)
	}
	return rep
}

// wholeSVG reports whether b is one well-formed XML document whose root
// is an svg element.
func wholeSVG(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return depth == 0 && roots == 1
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if roots++; t.Name.Local != "svg" || roots > 1 {
					return false
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// bytesWriter collects what is written to it.
type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// workerInherits are the variables a layout worker keeps from its server:
// where to run and cache (go-graphviz compiles its WebAssembly into
// TMPDIR) and how the Go runtime should behave. Nothing else: the
// server's environment holds its secrets (the blob key, the database URL,
// the OIDC client secret, the metrics token), and a worker's whole work is
// reading DOT made from names people uploaded.
var workerInherits = []string{"PATH", "HOME", "TMPDIR", "GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG", "GOCOVERDIR"}

// workerEnv is a worker's environment made from its server's.
func workerEnv(server []string) []string {
	env := []string{WorkerEnv + "=1"}
	for _, kv := range server {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(workerInherits, k) {
			env = append(env, kv)
		}
	}
	return env
}

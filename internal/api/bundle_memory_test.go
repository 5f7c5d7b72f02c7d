package api

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The bundle-memory attack (issue 14): a recording bundle of well under a
// megabyte that inflates to hundreds of megabytes of screenshots, whose
// images declare the most pixels accepted. Four sent at once must not
// drive the server past maxServerMemory.

// maxServerMemory is the peak resident memory a server may reach while it
// takes four hostile bundles at once.
const maxServerMemory = 600 << 20

// memoryChild names the environment variable that makes the test binary,
// started again by TestHostileBundlesKeepServerMemoryBounded, run the
// server and the four uploads itself; its value is the database kind.
const memoryChild = "PROCMINE_TEST_BUNDLE_MEMORY_CHILD"

// hostileBundle has shots screenshots, each an opaque RGB PNG declaring
// side×side pixels (which decode to four bytes each) of one grey that
// compresses to almost nothing, padded after its
// end with zeros up to pad bytes, which deflate a thousandfold: the zip is
// small and its inflated content, and the decoded pixels, are not.
func hostileBundle(t testing.TB, shots, side, pad int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	var enc bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&enc, img); err != nil {
		t.Fatal(err)
	}
	shot := append(enc.Bytes(), make([]byte, max(0, pad-enc.Len()))...)
	var steps []stepJSON
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range shots {
		name := fmt.Sprintf("screenshots/%04d.png", i)
		// A password field covering most of the image: it must be
		// blacked out, so every image is decoded and encoded again.
		steps = append(steps, newStep("Sign in", i, stepJSON{"input": "x", "element": map[string]any{"role": "password", "bounds": []int{1, 1, side - 2, side - 2}}, "screenshot": name}))
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(shot)
	}
	rec, _ := json.Marshal(map[string]any{"format": "procmine-recording", "version": 1, "title": "hostile", "steps": steps})
	f, _ := zw.Create("recording.json")
	f.Write(rec)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHostileBundlesKeepServerMemoryBounded sends four hostile bundles at
// once to a server and reads the server's peak resident memory (VmHWM).
// The server runs in a child process, the test binary started again: a
// process's peak memory is the one figure that counts every allocation
// (heap, stacks, the runtime's own, what the garbage collector has not
// given back yet), and a fresh process keeps what earlier tests allocated
// out of it. Measuring the heap in this process with runtime/metrics
// would miss the runtime's overhead and count the other tests' garbage.
func TestHostileBundlesKeepServerMemoryBounded(t *testing.T) {
	if kind := os.Getenv(memoryChild); kind != "" {
		hostileUploadsChild(t, kind)
		return
	}
	if testing.Short() {
		t.Skip("starts a server in a child process and sends it about 2 GB of inflated screenshots")
	}
	kinds := []string{"sqlite"}
	if os.Getenv("PROCMINE_TEST_POSTGRES_URL") != "" {
		kinds = append(kinds, "postgres")
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			peak, codes := runMemoryChild(t, kind)
			t.Logf("%s: four hostile bundles at once: answers %v, server peak resident memory %d MiB", kind, codes, peak>>20)
			if peak > maxServerMemory {
				t.Errorf("the server's peak resident memory was %d MiB; at most %d MiB is accepted", peak>>20, maxServerMemory>>20)
			}
		})
	}
}

// BenchmarkHostileBundlesPeakMemory is the figure of BENCHMARKS.md: the
// server's peak resident memory (peak-MiB) while it takes four hostile
// bundles at once, each run in a fresh child process.
func BenchmarkHostileBundlesPeakMemory(b *testing.B) {
	var peak int64
	for b.Loop() {
		p, _ := runMemoryChild(b, "sqlite")
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// runMemoryChild runs the test again in a child process on one database
// kind and returns the child's peak resident memory and its answers.
func runMemoryChild(t testing.TB, kind string) (int64, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileBundlesKeepServerMemoryBounded$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), memoryChild+"="+kind)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("the child said:\n%s", out)
	}
	var peak int64 = -1
	codes := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "PEAK "); ok {
			peak, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "CODES "); ok {
			codes = v
		}
	}
	if peak < 0 {
		t.Fatalf("the child said no peak:\n%s", out)
	}
	return peak, codes
}

// hostileUploadsChild is the child's side: a server on one database kind,
// four hostile uploads at once, then the process's peak memory.
func hostileUploadsChild(t *testing.T, kind string) {
	e, ok := servers(t)[kind]
	if !ok {
		t.Fatalf("no %s server", kind)
	}
	w := setupRecordings(t, e)
	// All four must be decoded for the figure to mean anything: on a
	// loaded machine an upload can wait past imageWait for one of the two
	// slots and be told to come back (503 busy), which is right for a
	// server but would measure two uploads, not four.
	imageWait = 10 * time.Minute
	// 15 screenshots of 4096×4096 pixels (16 Mi, the most accepted),
	// each inflating to 32 MiB (the most accepted): 480 MiB in all,
	// under the 512 MiB accepted for a whole bundle.
	data := hostileBundle(t, 15, 4096, 32<<20)
	fmt.Printf("BUNDLE %d\n", len(data))
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() {
			var body string
			codes[i], body = w.c["owner"].uploadBundle(w.process+"/recordings", data)
			if codes[i] >= 500 {
				t.Errorf("a hostile bundle was answered %d %s", codes[i], body)
			}
			fmt.Printf("ANSWER %d %.300s\n", codes[i], body)
		})
	}
	wg.Wait()
	fmt.Printf("CODES %v\n", codes)
	fmt.Printf("PEAK %d\n", vmHWM(t))
}

// vmHWM is this process's peak resident memory, in bytes.
func vmHWM(t *testing.T) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

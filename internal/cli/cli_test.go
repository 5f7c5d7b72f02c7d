package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// runCode runs procmine and returns its exit code, stdout and stderr.
func runCode(args ...string) (int, string, string) { return runWithInput("", args...) }

// runWithInput is runCode with text on stdin.
func runWithInput(in string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Streams{In: strings.NewReader(in), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestErrorsAndExitCodes(t *testing.T) {
	badXES := writeFile(t, "bad.xes", "<log>\n<trace>\n<event>\n<string key=\"concept:name\" value=\"a\"/>\n</trace>\n</log>\n")
	badCSV := writeFile(t, "bad.csv", "case:concept:name,concept:name,time:timestamp\n1,a,2020-01-01\n,b,2020-01-02\n")
	good := writeFile(t, "good.csv", "case:concept:name,concept:name,time:timestamp\n1,a,2020-01-01\n1,b,2020-01-02\n")
	out := filepath.Join(t.TempDir(), "out.svg")
	var wide strings.Builder
	wide.WriteString("case:concept:name,concept:name\n")
	for i := range 501 {
		fmt.Fprintf(&wide, "1,a%d\n", i)
	}
	tooWide := writeFile(t, "wide.csv", wide.String())
	truncated := truncatedGzip(t, testlogs.Path(t, "xes/08_receipt.xes.gz"), "cut.xes.gz")
	truncatedCSV := truncatedGzip(t, testlogs.Path(t, "csv/receipt.csv"), "cut.csv.gz")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, 2, "Usage: procmine COMMAND"},
		{"unknown command", []string{"mine"}, 2, `unknown command "mine"`},
		{"missing file arg", []string{"stats"}, 2, "expected FILE, got 0 argument(s)"},
		{"unknown flag", []string{"stats", good, "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"no such file", []string{"stats", "/nonexistent.xes"}, 1, "no such file or directory"},
		{"bad xes", []string{"stats", badXES}, 1, badXES + ":5: </trace>: expected </event>"},
		{"bad csv", []string{"stats", badCSV}, 1, badCSV + `:3: column "case:concept:name": empty case id`},
		{"bad format flag", []string{"stats", good, "--format", "json"}, 2, "--format must be xes, csv, parquet or ocel"},
		{"unknown extension", []string{"stats", writeFile(t, "log.dat", "x")}, 2, "give --format xes, csv or parquet"},
		{"bad share", []string{"map", good, "--paths", "2x"}, 2, `--paths: "2x" is not a share`},
		{"bad view", []string{"map", good, "--view", "heat"}, 2, `view must be frequency or performance, not "heat"`},
		{"bad output", []string{"map", good, "-o", "map.png"}, 2, `cannot write a map as "png"`},
		{"bad duration", []string{"stats", good, "--min-duration", "soon"}, 2, `--min-duration: "soon" is not a duration`},
		{"bad follows", []string{"stats", good, "--follows", "ab"}, 2, `--follows wants "A>B" or "A>>B"`},
		{"bad attr", []string{"stats", good, "--case-attr", "x"}, 2, "--case-attr wants KEY=VALUE"},
		{"bad time mode", []string{"stats", good, "--from", "2020-01-01", "--time-mode", "around"}, 2, "--time-mode must be"},
		{"bad from", []string{"stats", good, "--from", "monday"}, 2, `--from: "monday" is not a date`},
		{"from after to", []string{"stats", good, "--from", "2020-02-01", "--to", "2020-01-01"}, 2, "--from 2020-02-01 is after --to 2020-01-01"},
		{"nan duration", []string{"stats", good, "--min-duration", "NaNd"}, 2, `--min-duration: "NaNd" is out of range`},
		{"min above max", []string{"stats", good, "--min-duration", "2d", "--max-duration", "1d"}, 2, "--min-duration 2d is longer than --max-duration 1d"},
		{"lifecycle filter on instances", []string{"stats", good, "--drop-events", "lifecycle:transition=start"}, 2, "filters on lifecycle:transition need --raw-events"},
		{"convert to unknown", []string{"convert", good, "out.json"}, 2, "name it .xes, .csv, .parquet, .xes.gz or .csv.gz"},
		{"truncated gzip xes", []string{"stats", truncated}, 1, "the file is truncated or corrupt"},
		{"truncated gzip csv", []string{"stats", truncatedCSV}, 1, "the file is truncated or corrupt"},
		{"failed map leaves no file", []string{"map", tooWide, "-o", out}, 1, "the map has 501 activities and 502 paths; at most 500 activities and 300 paths are drawn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCode(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q\n lacks %q", stderr, tt.stderr)
			}
			if tt.code != 0 && stdout != "" {
				t.Errorf("a failed command printed to stdout: %q", stdout)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed map left %s behind", out)
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.svg.*")); len(tmp) > 0 {
		t.Errorf("a failed map left its temporary file %v behind", tmp)
	}
}

func TestStatsWithoutTimestamps(t *testing.T) {
	path := testlogs.Path(t, "xes/09_a32f0n00.xes.gz")
	code, out, stderr := runCode("stats", path)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(out, "cases          1000") || !strings.Contains(out, "case duration  unavailable: the log has no timestamps") {
		t.Errorf("output:\n%s", out)
	}
	var st statsJSON
	if err := json.Unmarshal(run(t, "stats", path, "--json"), &st); err != nil {
		t.Fatal(err)
	}
	if st.CaseDuration != nil || st.Variants != 1000 {
		t.Errorf("json: %+v", st)
	}
}

// TestDefaultViewMergesLifecycle: by default start/complete pairs count
// once, with --raw-events every event counts.
func TestDefaultViewMergesLifecycle(t *testing.T) {
	path := testlogs.Path(t, "xes/reviewing.xes")
	raw := stats(t, path, "--raw-events")
	merged := stats(t, path)
	if raw.Events != 3730 {
		t.Fatalf("raw events %d", raw.Events)
	}
	// 1452 starts merge into their completes: 3730 - 1452 instances.
	if merged.Events != 2278 {
		t.Errorf("merged events %d, want 2278", merged.Events)
	}
	bpic := stats(t, testlogs.Path(t, "xes/bpic2012.xes.gz"))
	// SCHEDULE events are states, not work; each START merges with a
	// COMPLETE, except 3 that never complete and stay instances of their own
	// (counted independently with Python over the same file).
	if want := 164506 + 3; bpic.Events != want {
		t.Errorf("bpic2012 instances %d, want %d", bpic.Events, want)
	}
}

func TestMapOutputs(t *testing.T) {
	path := testlogs.Path(t, "xes/running-example.xes")
	dir := t.TempDir()
	for _, name := range []string{"m.svg", "m.dot", "m.json"} {
		out := filepath.Join(dir, name)
		if code, _, stderr := runCode("map", path, "--view", "performance", "--paths", "60%", "-o", out); code != 0 {
			t.Fatal(stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"m.svg": "<svg", "m.dot": "digraph procmine", "m.json": `"edges"`}[name]
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	var m struct {
		Nodes []struct {
			Activity string `json:"activity"`
			Count    int    `json:"count"`
			Cases    int    `json:"cases"`
		} `json:"nodes"`
		Start map[string]int `json:"start"`
		End   map[string]int `json:"end"`
	}
	if err := json.Unmarshal(run(t, "map", path, "--activities", "0.5"), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Nodes) != 4 || m.Nodes[0].Activity != "check ticket" || m.Nodes[0].Count != 9 || m.Nodes[0].Cases != 6 {
		t.Errorf("nodes %+v", m.Nodes)
	}
}

func TestVariantsAndFilters(t *testing.T) {
	path := testlogs.Path(t, "xes/running-example.xes")
	var v struct {
		Total    int `json:"total"`
		Variants []struct {
			Activities []string `json:"activities"`
			Cases      int      `json:"cases"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(run(t, "variants", path, "--top", "2", "--json"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Total != 6 || len(v.Variants) != 2 {
		t.Errorf("variants %+v", v)
	}
	text := string(run(t, "variants", path))
	if !strings.Contains(text, "6 variants") || !strings.Contains(text, "register request → examine thoroughly → check ticket → decide → reject request") {
		t.Errorf("text output:\n%s", text)
	}
	// Filters compose. The expected counts were worked out independently
	// (Python over the same file).
	st := stats(t, path, "--event-attr", "org:resource=Pete", "--end-activity", "reject request")
	if st.Cases != 3 {
		t.Errorf("cases touched by Pete ending in a rejection: %d, want 3", st.Cases)
	}
	// A variant chosen from the list: the second one's cases, then all but them.
	second, _ := json.Marshal(v.Variants[1].Activities)
	if st := stats(t, path, "--variant", string(second)); st.Cases != v.Variants[1].Cases {
		t.Errorf("--variant %s: %d cases, want %d", second, st.Cases, v.Variants[1].Cases)
	}
	if st := stats(t, path, "--exclude-variant", string(second)); st.Cases != 6-v.Variants[1].Cases {
		t.Errorf("--exclude-variant %s: %d cases, want %d", second, st.Cases, 6-v.Variants[1].Cases)
	}
	st = stats(t, path, "--follows", "decide>>reinitiate request", "--min-duration", "15d")
	if st.Cases != 2 {
		t.Errorf("follows+duration cases %d, want 2", st.Cases)
	}
	st = stats(t, path, "--from", "2011-01-01", "--to", "2011-01-31", "--time-mode", "contained")
	if st.Cases != 3 {
		t.Errorf("time frame cases %d, want 3", st.Cases)
	}
	st = stats(t, path, "--from", "2011-01-01", "--to", "2011-01-31", "--time-mode", "started")
	if st.Cases != 3 {
		t.Errorf("started in January: %d, want 3", st.Cases)
	}
	// --to with a date alone takes in the whole day: case 5 ends on
	// 2011-01-24 at 13:56 UTC.
	if st := stats(t, path, "--to", "2011-01-24", "--time-mode", "contained"); st.Cases != 6 {
		t.Errorf("contained up to 2011-01-24: %d cases, want 6", st.Cases)
	}
	if st := stats(t, path, "--max-duration", "0", "--raw-events"); st.Cases != 0 {
		t.Errorf("--max-duration 0 kept %d cases", st.Cases)
	}
	if st := stats(t, path, "--raw-events", "--event-attr", "org:resource=Pete", "--drop-events", "concept:name=decide"); st.Events >= 42 {
		t.Errorf("events %d", st.Events)
	}
}

// TestConvertRoundTrip converts XES to CSV and back through the CLI; the
// figures of the log are unchanged.
func TestConvertRoundTrip(t *testing.T) {
	for _, rel := range []string{"xes/reviewing.xes", "xes/08_receipt.xes.gz", "xes/interval_event_log.xes", "xes/10_orders.xes.gz"} {
		src := testlogs.Path(t, rel)
		dir := t.TempDir()
		csvPath, xesPath := filepath.Join(dir, "a.csv.gz"), filepath.Join(dir, "b.xes")
		run(t, "convert", src, csvPath)
		run(t, "convert", csvPath, xesPath)
		for _, flags := range [][]string{{"--raw-events"}, nil} {
			a := stats(t, append([]string{src}, flags...)...)
			b := stats(t, append([]string{xesPath}, flags...)...)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Errorf("%s %v: figures changed by the round trip:\n%s\n%s", rel, flags, ja, jb)
			}
		}
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.xes"), filepath.Join(dir, "b.csv")
	run(t, "generate", "--cases", "300", "--seed", "7", "-o", a)
	run(t, "generate", "--cases", "300", "--seed", "7", "-o", b)
	sa, sb := stats(t, a), stats(t, b)
	if sa.Cases != 300 || sb.Cases != 300 || sa.Events != sb.Events || len(sa.Activities) < 9 {
		t.Errorf("generated %+v and %+v", sa, sb)
	}
	raw := stats(t, a, "--raw-events")
	if raw.Events <= sa.Events {
		t.Errorf("raw events %d should exceed instances %d (manual steps have start and complete)", raw.Events, sa.Events)
	}
	if sa.Rework.CasesWithRework == 0 || sa.CaseDuration == nil {
		t.Errorf("the model should produce rework and durations: %+v", sa)
	}
}

// truncatedGzip gzips src (unless it is gzipped already) and writes the
// first half of it.
func truncatedGzip(t *testing.T, src, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
	}
	return writeFile(t, name, string(b[:len(b)/2]))
}

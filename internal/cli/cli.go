package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Streams are the standard streams a command uses.
type Streams struct {
	In          io.Reader
	Out, Err    io.Writer
	ErrTerminal bool // whether Err is a terminal, for progress bars
}

// Std returns the process's standard streams.
func Std() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, ErrTerminal: isTerminal(os.Stderr)}
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, s Streams) error
}

var commands = map[string]command{
	"stats":       {"summarise a log: cases, events, activities, variants, durations", runStats},
	"map":         {"the process map as JSON, DOT or SVG", runMap},
	"variants":    {"the variants, most frequent first", runVariants},
	"discover":    {"mine a process model (inductive or heuristics miner): BPMN, PNML, SVG or its tree", runDiscover},
	"conformance": {"replay or align a log on a model (BPMN, PNML or PTML): fitness, deviations and precision", runConformance},
	"rootcause":   {"what goes with an outcome (long cases, an activity, rework): ranked factors and a decision tree", runRootCause},
	"compare":     {"compare two views of a log: key figures, a difference map, variants that appeared or vanished, statistical tests", runCompare},
	"convert":     {"convert between XES, CSV and Parquet", runConvert},
	"ocel":        {"object-centric logs (OCEL 2.0): ocel summary, ocel dfg", runOCEL},
	"generate":    {"generate a synthetic purchase-to-pay log", runGenerate},
	"serve":       {"run the server (REST API)", runServe},
	"mcp":         {"serve a procmine server's reports to an AI assistant (Model Context Protocol on stdin and stdout)", runMCP},
	"remote":      {"stats, map or variants of a process on a procmine server: remote stats --server URL --process ID", runRemote},
	"demo":        {"start a server on a fresh demo environment", runDemo},
	"admin":       {"administration offline: create-user", runAdmin},
	"backup":      {"copy the embedded store, online and consistent", runBackup},
	"erase":       {"right to erasure: remove a person everywhere, offline", runErase},
	"keys":        {"the key that encrypts uploaded data and screenshots: keys new, keys rotate", runKeys},
	"pii":         {"find personal data in text lines on stdin: pii scan", runPII},
	"recorder":    {"the browser recorder extension: recorder pack -o recorder.zip", runRecorder},
	"recording":   {"recording bundles offline: validate, redact, pack", runRecording},
	"restore":     {"put a backup in place as the embedded store", runRestore},
}

// usageError is a mistake on the command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Main runs procmine with the given arguments and returns the exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(s.Err)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(s.Err, "procmine: unknown command %q\n\n", args[0])
		usage(s.Err)
		return 2
	}
	err := cmd.run(ctx, args[1:], s)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(s.Err, "procmine %s: %v\n", args[0], err)
		fmt.Fprintf(s.Err, "Run 'procmine %s -h' for its flags.\n", args[0])
		return 2
	default:
		fmt.Fprintf(s.Err, "procmine %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "procmine — process mining, offline.")
	fmt.Fprintln(w, "\nUsage: procmine COMMAND [FILE] [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'procmine COMMAND -h' for a command's flags.")
}

// parse parses flags that may stand before, between or after the
// positional arguments (`procmine stats FILE --json`), and checks the
// number of positionals.
func parse(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) != len(positional) {
		return nil, usagef("expected %s, got %d argument(s)", strings.Join(positional, " "), len(pos))
	}
	return pos, nil
}

// newFlagSet returns a flag set whose -h prints the verb's flags.
func newFlagSet(name, synopsis string, s Streams) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(s.Err, "Usage: procmine %s %s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(s.Err)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

package cli

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/procmine/procmine/internal/generate"
)

func runGenerate(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("generate", "[--cases N] [--seed S] [-o log.xes|log.csv]", s)
	cases := fs.Int("cases", 1000, "number of cases")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same log")
	out := fs.String("o", "p2p.xes", "output file (.xes or .csv)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *cases < 1 || *cases > 10_000_000 {
		return usagef("--cases must be from 1 to 10000000")
	}
	write, err := writerFor(*out)
	if err != nil {
		return err
	}
	l := generate.P2P(generate.Options{Cases: *cases, Seed: *seed, Begin: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)})
	if err := writeOutput(*out, s, func(w *bufio.Writer) error { return write(w, l) }); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "procmine: wrote %d cases, %d events to %s\n", l.NumCases(), l.NumEvents(), *out)
	return nil
}

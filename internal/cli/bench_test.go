package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// BenchmarkStatsCommand runs `procmine stats --raw-events --json` on the
// gzipped BPIC 2012 log in-process: reading, decompressing, parsing and
// every statistic, without the process start.
func BenchmarkStatsCommand(b *testing.B) {
	path := testlogs.Path(b, "xes/bpic2012.xes.gz")
	s := Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
	for b.Loop() {
		if code := Main(context.Background(), []string{"stats", path, "--raw-events", "--json"}, s); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

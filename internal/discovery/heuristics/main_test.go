package heuristics

import (
	"testing"

	"github.com/procmine/procmine/internal/dot/graphviz"
)

// TestMain lets the benchmarks' drawings be laid out as procmine's are, by
// workers: this test binary started again.
func TestMain(m *testing.M) { graphviz.TestMain(m) }

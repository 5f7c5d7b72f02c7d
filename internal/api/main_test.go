package api

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/dot/graphviz"
)

// TestMain lays out as `procmine serve` does, in two worker processes:
// this test binary started again as a layout worker. Their deadline is
// 10 s (20 s in serve), which keeps TestDenseMapCannotStallTheServer
// short and is still well above every drawing the other tests make.
func TestMain(m *testing.M) {
	graphviz.ForTests()
	layouts := &dot.Workers{Command: dot.Helper, Size: 2, Timeout: 10 * time.Second}
	dot.Use(layouts)
	code := m.Run()
	layouts.Close()
	if testing.Verbose() {
		fmt.Println(coverage())
	}
	os.Exit(code)
}

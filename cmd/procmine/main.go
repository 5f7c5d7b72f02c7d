// Command procmine is the process mining platform: the offline tool that
// reads event logs and mines them, and (later) the server.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/procmine/procmine/internal/cli"
)

// Maps and models are laid out by procmine-layout, in processes of its own
// (see internal/dot): this program links no Graphviz, and starts at once.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Std())
	stop()
	os.Exit(code)
}

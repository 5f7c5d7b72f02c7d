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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Std())
	stop()
	os.Exit(code)
}

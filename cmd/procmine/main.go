// Command procmine is the process mining platform: the offline tool that
// reads event logs and mines them, and (later) the server.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/procmine/procmine/internal/cli"
	"github.com/procmine/procmine/internal/dot"
)

func main() {
	// A server lays out in processes of this program started again; such
	// a process serves layouts and never returns from here.
	dot.ServeWorkerIfAsked()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Std())
	stop()
	os.Exit(code)
}

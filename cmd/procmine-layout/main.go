// Command procmine-layout lays graphs out with Graphviz for procmine: it
// answers the layouts procmine asks of it on its standard input and output
// (see internal/dot). procmine starts it as a worker process, found beside
// its own executable or on PATH; it is a program of its own so that no
// other procmine process pays for Graphviz's start-up (its WebAssembly is
// compiled whenever a process that links it starts).
package main

import (
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/dot/graphviz"
)

func main() { dot.ServeWorker(graphviz.Engine{}) }

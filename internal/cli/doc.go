// Package cli implements procmine's command line: one file per verb
// (cmd_stats.go, cmd_map.go, ...), sharing the flags that choose how a log
// is read (input.go) and which part of it is analysed (filters.go).
//
// Main takes its arguments and streams explicitly, so tests run the very
// code a user runs. Exit codes: 0 success, 1 the input or an output failed
// (the message says which file, line and why), 2 the command line is wrong.
package cli

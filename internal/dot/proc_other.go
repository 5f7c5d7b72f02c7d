//go:build !linux

package dot

import "os/exec"

// isolate does nothing where process groups and parent-death signals are
// not at hand: a worker has no children of its own, and exits when its
// input closes.
func isolate(cmd *exec.Cmd) {}

// kill kills the worker.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

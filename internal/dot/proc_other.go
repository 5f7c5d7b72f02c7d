//go:build !linux

package dot

import "os/exec"

// isolate does nothing where process groups and parent-death signals are
// not at hand: a worker has no children of its own, and exits when its
// input closes.
func isolate(cmd *exec.Cmd) {}

// yield leaves the worker's priority as it is where setpriority is not at
// hand.
func yield() {}

// kill kills the worker.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

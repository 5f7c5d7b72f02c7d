package dot

import (
	"os/exec"
	"syscall"
)

// isolate puts the worker in a process group of its own, so that kill
// reaches anything it starts, and has the kernel kill it when this
// process dies, so that no layout outlives its server.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// yield lowers this worker's scheduling priority (nice 10): a layout
// takes a whole core for as long as it runs, and on a server with few
// cores the requests of everyone else come first. Linux keeps a nice
// value per thread, so it is set for the worker's process group (every
// thread of it; threads started later inherit it), which isolate made
// the worker's own.
func yield() {
	if syscall.Getpgrp() == syscall.Getpid() {
		syscall.Setpriority(syscall.PRIO_PGRP, 0, 10)
	}
}

// kill kills the worker's process group.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}

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

// kill kills the worker's process group.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}

package dot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// HelperName is the program that lays out for procmine: cmd/procmine-layout,
// installed beside procmine (make build puts both in bin/).
const HelperName = "procmine-layout"

// HelperEnv names another program to lay out with than HelperName, one
// that serves layouts when started with WorkerEnv=1 (tests name their own
// binary).
const HelperEnv = "PROCMINE_LAYOUT"

// HelperPath finds the layout program: HelperEnv's (an absolute path),
// else HelperName beside this program's executable, else on PATH. Its
// error says how to build the program. procmine and procmine-layout speak
// a protocol of their own version: install them together.
func HelperPath() (string, error) { return helperPath() }

var helperPath = sync.OnceValues(func() (string, error) {
	exe, _ := os.Executable()
	return findHelper(os.Getenv(HelperEnv), exe, exec.LookPath)
})

// findHelper is HelperPath for the program named in env (may be empty),
// this program's executable exe and a search of PATH.
func findHelper(env, exe string, lookPath func(string) (string, error)) (string, error) {
	name := HelperName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if env != "" {
		if !filepath.IsAbs(env) || !executable(env) {
			return "", fmt.Errorf("%s=%s: not the absolute path of an executable file", HelperEnv, env)
		}
		return env, nil
	}
	where := "this program's folder"
	if exe != "" {
		where = filepath.Dir(exe)
		if p := filepath.Join(where, name); executable(p) {
			return p, nil
		}
	}
	if p, err := lookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s, the program that draws maps and models, is neither in %s nor on PATH: build it beside procmine with `make build`, or `go build -o DIR ./cmd/procmine-layout` into procmine's folder, or name it in %s", HelperName, where, HelperEnv)
}

// Helper is the command that starts one layout worker: the layout program
// (HelperPath). When there is none, starting the command fails with
// HelperPath's error.
func Helper() *exec.Cmd {
	p, err := HelperPath()
	if err != nil {
		return &exec.Cmd{Path: HelperName, Err: err}
	}
	return exec.Command(p)
}

// executable reports whether path is a regular file someone may run.
func executable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && (runtime.GOOS == "windows" || st.Mode()&0o111 != 0)
}

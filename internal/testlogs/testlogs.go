// Package testlogs finds the shared real-world event logs that tests read.
// They live beside the repository in ../shared/data/eventlogs and are never
// copied into it. Without them a test is skipped, with the reason, except
// under CI=true, where their absence fails the test.
package testlogs

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the event log folder, or ends the test.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("PROCMINE_EVENTLOGS"); d != "" {
		return check(t, d)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return check(t, filepath.Join(d, "..", "shared", "data", "eventlogs"))
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return check(t, "")
}

// Path returns the path of a file under the event log folder.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Dir(t), rel)
}

func check(t testing.TB, dir string) string {
	t.Helper()
	if dir != "" {
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			return dir
		}
	}
	msg := "the shared event logs are missing (expected ../shared/data/eventlogs beside the repository, or PROCMINE_EVENTLOGS)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

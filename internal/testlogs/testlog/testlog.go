// Package testlog reads a shared real-world log for a test, as procmine
// imports it. It is apart from testlogs so that the importer's own tests
// can use testlogs.
package testlog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/testlogs"
)

// Read imports the log at rel under the shared event log folder (e.g.
// "xes/running-example.xes"), every event as it stands, or ends the test.
func Read(t testing.TB, rel string) *eventlog.Log {
	t.Helper()
	in, err := os.Open(testlogs.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	l, err := importer.Read(in, filepath.Base(rel), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

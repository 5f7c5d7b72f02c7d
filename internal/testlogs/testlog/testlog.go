// Package testlog reads a shared real-world log for a test, as procmine
// imports it, and the models PM4Py discovered of some of them. It is apart
// from testlogs so that the importer's own tests can use testlogs.
package testlog

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/importer"
	"github.com/procmine/procmine/internal/processtree"
	"github.com/procmine/procmine/internal/testlogs"
)

// Read imports the log at rel under the shared event log folder (e.g.
// "xes/running-example.xes"), every event as it stands, or ends the test.
func Read(t testing.TB, rel string) *eventlog.Log {
	t.Helper()
	return ReadWith(t, rel, importer.Options{})
}

// ReadWith is Read with the importer's options (wall-clock times, a
// mapping).
func ReadWith(t testing.TB, rel string, o importer.Options) *eventlog.Log {
	t.Helper()
	in, err := os.Open(testlogs.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	l, err := importer.Read(in, filepath.Base(rel), o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// DiscoveryLogs are the logs of reference/pm4py-discovery: PM4Py's IM and
// IMf models of them, their nets' sizes and their token-replay figures.
var DiscoveryLogs = []string{"running-example.xes", "03_repairExample.xes.gz", "06_bpic2013_closed.xes.gz", "08_receipt.xes.gz", "bpic2012.xes.gz"}

// PM4PyModel is one model PM4Py 2.7.11 discovered of a log, with what it
// measured of it.
type PM4PyModel struct {
	Tree        *processtree.Tree
	Places      int
	Transitions int
	// Replay is PM4Py's token replay of the log on the model.
	Replay struct {
		LogFitness                float64 `json:"log_fitness"`
		AverageTraceFitness       float64 `json:"average_trace_fitness"`
		PercentageOfFittingTraces float64 `json:"percentage_of_fitting_traces"`
	}
}

// Discovery reads PM4Py's IM and IMf models of one of DiscoveryLogs, or
// ends the test.
func Discovery(t testing.TB, name string) (im, imf PM4PyModel) {
	t.Helper()
	raw, err := os.ReadFile(testlogs.Path(t, "reference/pm4py-discovery/"+name+".discovery.json"))
	if err != nil {
		t.Fatal(err)
	}
	type model struct {
		Tree                string
		Places, Transitions int
		TokenReplay         json.RawMessage `json:"token_replay"`
	}
	var ref struct{ IM, IMf model }
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	out := make([]PM4PyModel, 2)
	for i, m := range []model{ref.IM, ref.IMf} {
		tree, err := processtree.Parse(m.Tree)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[i] = PM4PyModel{Tree: tree, Places: m.Places, Transitions: m.Transitions}
		if err := json.Unmarshal(m.TokenReplay, &out[i].Replay); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out[0], out[1]
}

// RandomOrder is a made log of cases of events, each event one of
// activities at random (seeded: the same every time): no structure for a
// miner to find, the worst it can be asked.
func RandomOrder(activities, cases, events int, seed uint64) *eventlog.Log {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := eventlog.NewBuilder()
	l := b.Log()
	for c := range cases {
		cs := b.NewCase(fmt.Sprint(c))
		for j := range events {
			b.Event(cs, l.Activities.ID(fmt.Sprint("a", r.IntN(activities))), int64(j), eventlog.None, eventlog.None)
		}
	}
	return b.Finish()
}

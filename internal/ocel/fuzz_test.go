package ocel

import (
	"bytes"
	"os"
	"testing"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// fuzzLimit bounds what a fuzzed file may make the reader keep.
var fuzzLimit = Options{MaxMemory: 32 << 20}

// checkRead: a file is read or refused with an error naming it, and what
// is read holds together: every relation names an object of the log, and
// every object type with objects flattens.
func checkRead(t *testing.T, l *Log, err error) {
	if err != nil {
		if _, ok := err.(*eventlog.ParseError); !ok {
			t.Fatalf("error %T %v does not name the file", err, err)
		}
		return
	}
	for _, e := range l.Events {
		for _, r := range e.Objects {
			if int(r.Object) >= len(l.Objects) || r.Object < 0 {
				t.Fatalf("event %q relates to object %d of %d", e.ID, r.Object, len(l.Objects))
			}
		}
	}
	for _, typ := range l.TypesWithObjects() {
		if fl, err := l.Flatten(typ, eventlog.Budget{MaxMemory: 32 << 20}); err == nil {
			if err := fl.Validate(); err != nil {
				t.Fatalf("flattened %s: %v", typ, err)
			}
		}
	}
	l.DirectlyFollows()
}

func seeds(f *testing.F, names ...string) {
	for _, n := range names {
		if data, err := os.ReadFile(testlogs.Path(f, "ocel/"+n)); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
}

// FuzzReadJSON: any bytes as an OCEL JSON file.
// go test ./internal/ocel -run '^$' -fuzz FuzzReadJSON -fuzztime 10m
func FuzzReadJSON(f *testing.F) {
	seeds(f, "ocel20_example.jsonocel", "example_log.jsonocel")
	f.Add([]byte(`{"objectTypes":[{"name":"o","attributes":[{"name":"n","type":"integer"}]}],"eventTypes":[{"name":"a","attributes":[]}],"objects":[{"id":"x","type":"o","attributes":[{"name":"n","time":"1970-01-01T00:00:00Z","value":3}],"relationships":[{"objectId":"x","qualifier":"self"}]}],"events":[{"id":"e","type":"a","time":"2020-01-01T00:00:00Z","relationships":[{"objectId":"x","qualifier":"q"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadJSON(data, "f.jsonocel", fuzzLimit)
		checkRead(t, l, err)
	})
}

// FuzzReadXML: any bytes as an OCEL XML file.
// go test ./internal/ocel -run '^$' -fuzz FuzzReadXML -fuzztime 10m
func FuzzReadXML(f *testing.F) {
	seeds(f, "ocel20_example.xmlocel")
	f.Add([]byte(`<log><object-types><object-type name="o"><attributes><attribute name="n" type="float"/></attributes></object-type></object-types><event-types><event-type name="a"><attributes/></event-type></event-types><objects><object id="x" type="o"><attributes><attribute name="n" time="2020-01-01T00:00:00Z">1.5</attribute></attributes></object></objects><events><event id="e" type="a" time="2020-01-01T00:00:00"><objects><relationship object-id="x" qualifier="q"/></objects></event></events></log>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadXML(bytes.NewReader(data), "f.xmlocel", fuzzLimit)
		checkRead(t, l, err)
	})
}

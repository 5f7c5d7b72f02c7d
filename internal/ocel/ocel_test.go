package ocel

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/testlogs"
)

// readFile reads a shared OCEL file by its name's kind.
func readFile(t testing.TB, rel string) *Log {
	t.Helper()
	path := testlogs.Path(t, rel)
	l, err := Read(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// reference is PM4Py's figures of one file.
type reference struct {
	Events, Objects, ObjectTypes, EventTypes int `json:"-"`
	Counts                                   struct {
		Events         int            `json:"events"`
		Objects        int            `json:"objects"`
		ObjectTypes    int            `json:"object_types"`
		EventTypes     int            `json:"event_types"`
		ObjectsPerType map[string]int `json:"objects_per_type"`
		EventsPerType  map[string]int `json:"events_per_type"`
		E2O            int            `json:"e2o_relations"`
		E2OPerType     map[string]int `json:"e2o_per_object_type"`
		O2O            int            `json:"o2o_relations"`
		WithoutEvents  int            `json:"objects_without_events"`
	}
	Flattening struct {
		PerObjectType map[string]struct {
			Cases, Events, Variants int
			DFG                     [][3]any       `json:"dfg"`
			Start                   map[string]int `json:"start_activities"`
			End                     map[string]int `json:"end_activities"`
		} `json:"per_object_type"`
	} `json:"flattening"`
	OCDFG struct {
		PerObjectType map[string]struct {
			Edges []struct {
				From          string `json:"from"`
				To            string `json:"to"`
				EventCouples  int    `json:"event_couples"`
				UniqueObjects int    `json:"unique_objects"`
				TotalObjects  int    `json:"total_objects"`
			} `json:"edge_list"`
		} `json:"per_object_type"`
		Activities map[string]struct {
			Events        int `json:"events"`
			UniqueObjects int `json:"unique_objects"`
			TotalObjects  int `json:"total_objects"`
		} `json:"activities_indep"`
		Start map[string]map[string]int `json:"start_activities_events"`
		End   map[string]map[string]int `json:"end_activities_events"`
	} `json:"ocdfg"`
}

func readReference(t *testing.T, name, file string) reference {
	t.Helper()
	data, err := os.ReadFile(testlogs.Path(t, "reference/pm4py-ocel/"+name))
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Files map[string]json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(all.Files[file], &r.Counts); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(all.Files[file], &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPM4PyFigures: every OCEL file PM4Py measured gives its figures:
// counts, the flattened log of every object type (cases, events,
// variants, DFG, start and end activities) and the object-centric
// directly-follows graph.
func TestPM4PyFigures(t *testing.T) {
	for _, tt := range []struct{ ref, file string }{
		{"ocel20_example.ocel.json", "ocel20_example.jsonocel"},
		{"ocel20_example.ocel.json", "ocel20_example.xmlocel"},
		{"ocel20_example.ocel.json", "ocel20_example.sqlite"},
		{"recruiting-red.ocel.json", "recruiting-red.jsonocel"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ref := readReference(t, tt.ref, tt.file)
			l := readFile(t, "ocel/"+tt.file)
			s := l.Summarize()
			c := ref.Counts
			if s.Events != c.Events || s.Objects != c.Objects || s.ObjectTypes != c.ObjectTypes || s.EventTypes != c.EventTypes || s.E2O != c.E2O || s.O2O != c.O2O || s.ObjectsWithoutEvents != c.WithoutEvents {
				t.Errorf("summary %+v\nPM4Py %+v", s, c)
			}
			if !reflect.DeepEqual(s.ObjectsPerType, c.ObjectsPerType) || !reflect.DeepEqual(s.EventsPerType, c.EventsPerType) || !reflect.DeepEqual(s.E2OPerType, c.E2OPerType) {
				t.Errorf("per type %v %v %v\nPM4Py %v %v %v", s.ObjectsPerType, s.EventsPerType, s.E2OPerType, c.ObjectsPerType, c.EventsPerType, c.E2OPerType)
			}
			if len(ref.Flattening.PerObjectType) == 0 {
				t.Fatal("the reference has no flattened logs")
			}
			for typ, want := range ref.Flattening.PerObjectType {
				fl, err := l.Flatten(typ, eventlog.Budget{})
				if err != nil {
					t.Fatalf("%s: %v", typ, err)
				}
				dfg := map[string]int{}
				g := mining.ComputeDFG(fl)
				for _, e := range g.Edges {
					dfg[g.Activities[e.From]+" -> "+g.Activities[e.To]] = e.Count
				}
				wantDFG := map[string]int{}
				for _, e := range want.DFG {
					wantDFG[fmt.Sprint(e[0])+" -> "+fmt.Sprint(e[1])] = int(e[2].(float64))
				}
				start, end := map[string]int{}, map[string]int{}
				for c := range fl.CaseIDs {
					lo, hi := fl.Events(c)
					start[fl.ActivityName(lo)]++
					end[fl.ActivityName(hi-1)]++
				}
				// PM4Py's variant counts of flattened logs are not counts of
				// activity sequences: it gives 3 for the 135 offers of
				// recruiting-red, whose events make two sequences only
				// (make job offer, then accepted or declined), and 3 for
				// ocel20_example's invoices, two of which are Insert
				// Invoice then Insert Payment. procmine counts sequences
				// there as for every other log (where it matches PM4Py);
				// a flattened log has at most as many as PM4Py says.
				if fl.NumCases() != want.Cases || fl.NumEvents() != want.Events || len(mining.Variants(fl)) > want.Variants ||
					!reflect.DeepEqual(dfg, wantDFG) || !reflect.DeepEqual(start, want.Start) || !reflect.DeepEqual(end, want.End) {
					t.Errorf("%s flattened: %d cases, %d events, %d variants, DFG %v, start %v, end %v\nPM4Py %+v",
						typ, fl.NumCases(), fl.NumEvents(), len(mining.Variants(fl)), dfg, start, end, want)
				}
			}
			g := l.DirectlyFollows()
			for typ, want := range ref.OCDFG.PerObjectType {
				var got []string
				for _, e := range g.Edges[typ] {
					got = append(got, fmt.Sprintf("%s->%s %d/%d/%d", e.From, e.To, e.EventCouples, e.UniqueObjects, e.TotalObjects))
				}
				var exp []string
				for _, e := range want.Edges {
					exp = append(exp, fmt.Sprintf("%s->%s %d/%d/%d", e.From, e.To, e.EventCouples, e.UniqueObjects, e.TotalObjects))
				}
				slices.Sort(exp)
				if !slices.Equal(got, exp) {
					t.Errorf("OC-DFG of %s:\n%v\nPM4Py:\n%v", typ, got, exp)
				}
			}
			for act, want := range ref.OCDFG.Activities {
				if got := g.Activities[act]; got.Events != want.Events || got.UniqueObjects != want.UniqueObjects || got.TotalObjects != want.TotalObjects {
					t.Errorf("activity %s: %+v, PM4Py %+v", act, got, want)
				}
			}
			if len(g.Activities) != len(ref.OCDFG.Activities) {
				t.Errorf("%d activities, PM4Py %d", len(g.Activities), len(ref.OCDFG.Activities))
			}
			for typ, want := range ref.OCDFG.Start {
				if !reflect.DeepEqual(g.Start[typ], want) || !reflect.DeepEqual(g.End[typ], ref.OCDFG.End[typ]) {
					t.Errorf("%s: start %v end %v, PM4Py %v %v", typ, g.Start[typ], g.End[typ], want, ref.OCDFG.End[typ])
				}
			}
		})
	}
}

// TestSQLTruth: what the SQLite file says in SQL is what every encoding
// of ocel20_example reads: events, objects, relations per type.
func TestSQLTruth(t *testing.T) {
	path := testlogs.Path(t, "ocel/ocel20_example.sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := func(query string) map[string]int {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	one := func(query string) int {
		var n int
		if err := db.QueryRow(query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	truth := map[string]any{
		"events":            one(`SELECT count(*) FROM event`),
		"objects":           one(`SELECT count(*) FROM object`),
		"events per type":   counts(`SELECT ocel_type, count(*) FROM event GROUP BY ocel_type`),
		"objects per type":  counts(`SELECT ocel_type, count(*) FROM object GROUP BY ocel_type`),
		"e2o":               one(`SELECT count(*) FROM event_object`),
		"e2o per type":      counts(`SELECT o.ocel_type, count(*) FROM event_object eo JOIN object o ON o.ocel_id = eo.ocel_object_id GROUP BY o.ocel_type`),
		"o2o":               one(`SELECT count(*) FROM object_object`),
		"qualifiers of e2o": counts(`SELECT ocel_qualifier, count(*) FROM event_object GROUP BY ocel_qualifier`),
		"qualifiers of o2o": counts(`SELECT ocel_qualifier, count(*) FROM object_object GROUP BY ocel_qualifier`),
	}
	if truth["events"] != 13 || truth["objects"] != 9 {
		t.Fatalf("the SQLite file says %v", truth)
	}
	var times []string
	rows, err := db.Query(`SELECT strftime('%Y-%m-%d %H:%M:%S', ocel_time) FROM (` + unionOfEventTables(t, db) + `) ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		times = append(times, s)
	}
	rows.Close()
	for _, file := range []string{"ocel20_example.jsonocel", "ocel20_example.xmlocel", "ocel20_example.sqlite"} {
		t.Run(file, func(t *testing.T) {
			l := readFile(t, "ocel/"+file)
			s := l.Summarize()
			e2oQ, o2oQ := map[string]int{}, map[string]int{}
			for _, e := range l.Events {
				for _, r := range e.Objects {
					e2oQ[r.Qualifier]++
				}
			}
			for _, o := range l.Objects {
				for _, r := range o.Objects {
					o2oQ[r.Qualifier]++
				}
			}
			got := map[string]any{"events": s.Events, "objects": s.Objects, "events per type": s.EventsPerType, "objects per type": s.ObjectsPerType,
				"e2o": s.E2O, "e2o per type": s.E2OPerType, "o2o": s.O2O, "qualifiers of e2o": e2oQ, "qualifiers of o2o": o2oQ}
			if !reflect.DeepEqual(got, truth) {
				t.Errorf("read %v\nSQL   %v", got, truth)
			}
			// The times: as SQLite holds them (without zone); the JSON
			// file holds each an hour earlier, with its zone.
			shift := time.Duration(0)
			if strings.HasSuffix(file, ".jsonocel") {
				shift = time.Hour
			}
			var read []string
			for _, e := range l.Events {
				read = append(read, eventlog.Time(e.Time).Add(shift).Format("2006-01-02 15:04:05"))
			}
			slices.Sort(read)
			if !slices.Equal(read, times) {
				t.Errorf("times %v\nSQL   %v", read, times)
			}
		})
	}
}

func unionOfEventTables(t *testing.T, db *sql.DB) string {
	rows, err := db.Query(`SELECT ocel_type_map FROM event_map_type`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var m string
		rows.Scan(&m)
		parts = append(parts, `SELECT ocel_time FROM "event_`+m+`"`)
	}
	return strings.Join(parts, " UNION ALL ")
}

// TestSameModel: the three encodings of ocel20_example read to one model:
// the same events, objects, attributes over time and relations with
// their qualifiers (the JSON file's times an hour earlier).
func TestSameModel(t *testing.T) {
	describe := func(l *Log, shift time.Duration) string {
		var b strings.Builder
		for _, e := range l.Events {
			fmt.Fprintf(&b, "event %s %s %s", e.ID, e.Type, eventlog.Time(e.Time).Add(shift).Format(time.DateTime))
			for _, a := range e.Attrs {
				fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			}
			for _, r := range e.Objects {
				fmt.Fprintf(&b, " ->%s(%s)", l.Objects[r.Object].ID, r.Qualifier)
			}
			b.WriteByte('\n')
		}
		for _, o := range l.Objects {
			fmt.Fprintf(&b, "object %s %s", o.ID, o.Type)
			for _, a := range o.Attrs {
				// An initial value is at the epoch: written 1970-01-01T00:00Z
				// in JSON and XML, 1970-01-01 01:00 in SQLite.
				at := "start"
				if a.Time > int64(24*time.Hour) {
					at = eventlog.Time(a.Time).Add(shift).Format(time.DateTime)
				}
				fmt.Fprintf(&b, " %s=%v@%s", a.Name, a.Value, at)
			}
			for _, r := range o.Objects {
				fmt.Fprintf(&b, " ->%s(%s)", l.Objects[r.Object].ID, r.Qualifier)
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	xml := describe(readFile(t, "ocel/ocel20_example.xmlocel"), 0)
	for file, shift := range map[string]time.Duration{"ocel20_example.sqlite": 0, "ocel20_example.jsonocel": time.Hour} {
		if got := describe(readFile(t, "ocel/"+file), shift); got != xml {
			t.Errorf("%s reads otherwise than the XML file:\n%s\nXML:\n%s", file, got, xml)
		}
	}
	if !strings.Contains(xml, "event e1 Create Purchase Requisition 2022-01-09 15:00:00 pr_creator=Mike ->PR1(Regular placement of PR)") {
		t.Errorf("the XML file reads:\n%s", xml)
	}
}

// TestOCEL1: the OCEL 1.0 example is read in JSON; its XML, SQLite and
// CSV forms are refused with the reason.
func TestOCEL1(t *testing.T) {
	l := readFile(t, "ocel/example_log.jsonocel")
	if l.Version != "1.0" || len(l.Events) == 0 {
		t.Fatalf("example_log.jsonocel: %+v", l.Summarize())
	}
	for _, file := range []string{"example_log.xmlocel", "example_log.sqlite", "example_log.csv"} {
		_, err := Read(context.Background(), testlogs.Path(t, "ocel/"+file), Options{})
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: %v", file, err)
		}
	}
}

// TestFlattenWithinBudget: flattening is held within the budget it is
// given, as reading a log is; an event touching many objects is in each
// of their cases.
func TestFlattenWithinBudget(t *testing.T) {
	l := &Log{Objects: make([]Object, 5000)}
	var rels []Relation
	for i := range l.Objects {
		l.Objects[i] = Object{ID: fmt.Sprintf("o%d", i), Type: "order"}
		rels = append(rels, Relation{Object: int32(i)})
	}
	attrs := make([]eventlog.Attr, 200)
	for i := range attrs {
		attrs[i] = eventlog.Attr{Key: fmt.Sprintf("a%d", i), Value: eventlog.StringValue(strings.Repeat("x", 50))}
	}
	l.Events = []Event{{ID: "e", Type: "ship", Time: 1e18, Attrs: attrs, Objects: rels}}
	if _, err := l.Flatten("order", eventlog.Budget{MaxMemory: 4 << 20}); err == nil || !strings.Contains(err.Error(), "would take more than 4 MB") {
		t.Errorf("within 4 MB: %v", err)
	}
	fl, err := l.Flatten("order", eventlog.Budget{})
	if err != nil || fl.NumCases() != 5000 || fl.NumEvents() != 5000 {
		t.Fatalf("%v", err)
	}
}

// TestReadWithinBound: a file whose text or content passes the bound is
// refused with the bound named, in JSON and in XML (one attribute as long
// as the file).
func TestReadWithinBound(t *testing.T) {
	long := strings.Repeat("x", 2<<20)
	for name, doc := range map[string]string{
		"big.jsonocel": `{"objectTypes":[{"name":"o","attributes":[]}],"eventTypes":[{"name":"a","attributes":[]}],"objects":[{"id":"` + long + `","type":"o"}],"events":[]}`,
		"big.xmlocel":  `<log><object-types><object-type name="o"><attributes/></object-type></object-types><objects><object id="x" type="o"><attributes><attribute name="n" time="2020-01-01T00:00:00Z">` + long + `</attribute></attributes></object></objects></log>`,
	} {
		_, err := ReadFrom(strings.NewReader(doc), name, Options{MaxMemory: 1 << 20})
		if err == nil || !strings.Contains(err.Error(), name+": ") || !strings.Contains(err.Error(), " 1 MB") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestHostileSQLite: an OCEL SQLite file from anyone may hold views,
// triggers or virtual tables, whose built-in functions make values of
// any size (zeroblob): they are refused by name before anything is read,
// and a value past a megabyte stops the read.
func TestHostileSQLite(t *testing.T) {
	orig, err := os.ReadFile(testlogs.Path(t, "ocel/ocel20_example.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"a view for a table", []string{"DROP TABLE object", "CREATE VIEW object AS SELECT zeroblob(50000000) AS ocel_id, 'Invoice' AS ocel_type, 1 AS rowid"},
			"view object: an OCEL SQLite file holds tables only"},
		{"a trigger", []string{"CREATE TRIGGER t AFTER INSERT ON event BEGIN SELECT 1; END"}, "trigger t: an OCEL SQLite file holds tables only"},
		{"a huge value", []string{"UPDATE object SET ocel_id = CAST(zeroblob(2000000) AS TEXT) WHERE rowid = 1"}, "too big"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/hostile.sqlite"
			if err := os.WriteFile(path, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			db.Close()
			_, err = ReadSQLite(context.Background(), path, "hostile.sqlite", Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
}

// TestGraphPerformance: each edge's time is its event couples' (an event
// couple shared by two objects counts once), and each type's lifetime is
// its objects' first-to-last event.
func TestGraphPerformance(t *testing.T) {
	h := int64(time.Hour)
	rel := func(objs ...int32) []Relation {
		var out []Relation
		for _, o := range objs {
			out = append(out, Relation{Object: o})
		}
		return out
	}
	l := &Log{
		Objects: []Object{{ID: "o1", Type: "order"}, {ID: "o2", Type: "order"}, {ID: "i1", Type: "item"}},
		Events: []Event{
			{ID: "e1", Type: "create", Time: 0, Objects: rel(0, 1, 2)},
			{ID: "e2", Type: "pack", Time: 1 * h, Objects: rel(0, 1)},
			{ID: "e3", Type: "ship", Time: 4 * h, Objects: rel(0)},
			{ID: "e4", Type: "ship", Time: 9 * h, Objects: rel(1, 2)},
		},
	}
	g := l.Graph("order")
	var order TypeGraph
	for _, ty := range g.Types {
		if ty.Name == "order" {
			order = ty
		}
	}
	secs := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	for _, e := range order.Edges {
		switch e.From + ">" + e.To {
		case "create>pack": // one couple (e1, e2) for both orders: two cases
			if e.EventCouples != 1 || e.UniqueObjects != 2 || e.Cases != 2 || e.MaxCaseCouples != 1 || secs(e.MeanSeconds) != 3600 || secs(e.MedianSeconds) != 3600 {
				t.Errorf("create>pack: %+v", e)
			}
		case "pack>ship": // (e2, e3) 3 h and (e2, e4) 8 h
			if e.EventCouples != 2 || secs(e.MeanSeconds) != 5.5*3600 || secs(e.MedianSeconds) != 5.5*3600 {
				t.Errorf("pack>ship: %+v", e)
			}
		default:
			t.Errorf("an edge %s>%s", e.From, e.To)
		}
	}
	// Lifetimes 4 h and 9 h.
	if secs(order.LifetimeMeanSeconds) != 6.5*3600 || secs(order.LifetimeMedianSeconds) != 6.5*3600 || order.Objects != 2 {
		t.Errorf("order: %+v", order)
	}
}

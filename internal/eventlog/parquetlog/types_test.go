package parquetlog_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/brotli"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
)

// file writes rows (values by column name; nil is a null) under schema.
func file(t testing.TB, schema parquet.Group, rows ...map[string]any) []byte {
	t.Helper()
	s := parquet.NewSchema("t", schema)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, s)
	for _, r := range rows {
		row := make(parquet.Row, len(s.Columns()))
		for i, path := range s.Columns() {
			leaf, _ := s.Lookup(path...)
			def := 0
			v := parquet.NullValue()
			if x, ok := r[path[0]]; ok && x != nil {
				v = parquet.ValueOf(x)
				if leaf.Node.Optional() {
					def = 1
				}
			}
			row[i] = v.Level(0, def, i)
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// int96 is t as Impala and Spark write timestamps: nanoseconds in the day,
// then the Julian day.
func int96(t time.Time) deprecated.Int96 {
	day := t.Truncate(24 * time.Hour)
	nanos := uint64(t.Sub(day).Nanoseconds())
	return deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day.Unix()/86400 + 2440588)}
}

func read(data []byte, o parquetlog.Options) (*eventlog.Log, error) {
	return parquetlog.Read(bytes.NewReader(data), int64(len(data)), "t.parquet", o)
}

// TestTypes: each Parquet type becomes the attribute type it means, and
// the structural columns take every time form.
func TestTypes(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 15, 123456789, time.UTC)
	day := at.Truncate(24 * time.Hour)
	schema := parquet.Group{
		"case":            parquet.Int(64),
		"activity":        parquet.String(),
		"time":            parquet.Timestamp(parquet.Millisecond),
		"start_timestamp": parquet.Optional(parquet.Leaf(parquet.Int96Type)),
		"n":               parquet.Optional(parquet.Int(32)),
		"x":               parquet.Optional(parquet.Leaf(parquet.DoubleType)),
		"ok":              parquet.Optional(parquet.Leaf(parquet.BooleanType)),
		"due":             parquet.Optional(parquet.Date()),
		"amount":          parquet.Optional(parquet.Decimal(2, 9, parquet.Int32Type)),
		"big":             parquet.Optional(parquet.Decimal(3, 30, parquet.FixedLenByteArrayType(13))),
		"id":              parquet.Optional(parquet.UUID()),
		"clock":           parquet.Optional(parquet.Time(parquet.Microsecond)),
		"case:region":     parquet.Optional(parquet.String()),
		"org:resource":    parquet.Optional(parquet.String()),
	}
	uuid := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	big := bytes.Repeat([]byte{0xff}, 13)
	big[12] = 0x85 // -123 in two's complement
	data := file(t, schema,
		map[string]any{"case": int64(7), "activity": "a", "time": at.UnixMilli(), "start_timestamp": int96(at.Add(-time.Hour)),
			"n": int32(-5), "x": 2.5, "ok": true, "due": int32(day.Unix() / 86400), "amount": int32(12345), "big": big, "id": uuid, "clock": int64(9*3600e6 + 5e5), "case:region": "north", "org:resource": "Ann"},
		map[string]any{"case": int64(7), "activity": "b", "time": at.Add(time.Minute).UnixMilli()},
	)
	l, err := read(data, parquetlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l.NumCases() != 1 || l.CaseIDs[0] != "7" || l.NumEvents() != 2 || l.ActivityName(0) != "a" || l.ResourceName(0) != "Ann" || l.Res[1] != eventlog.None {
		t.Fatalf("log %v %d %q %q", l.CaseIDs, l.NumEvents(), l.ActivityName(0), l.ResourceName(0))
	}
	if got, want := eventlog.Time(l.End[0]), at.Truncate(time.Millisecond); !got.Equal(want) {
		t.Errorf("time %v, want %v", got, want)
	}
	if got, want := eventlog.Time(l.Start[0]), at.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("INT96 start %v, want %v", got, want)
	}
	if v, _ := l.CaseAttrs.Get(0, "region"); v != eventlog.StringValue("north") {
		t.Errorf("case attribute %v", v)
	}
	want := map[string]eventlog.Value{
		"n": eventlog.IntValue(-5), "x": eventlog.FloatValue(2.5), "ok": eventlog.BoolValue(true),
		"due": eventlog.DateValue(day.UnixNano()), "amount": eventlog.FloatValue(123.45), "big": eventlog.FloatValue(-0.123),
		"id": eventlog.StringValue("12345678-9abc-def0-0123-456789abcdef"), "clock": eventlog.StringValue("09:00:00.5"),
	}
	for k, w := range want {
		if v, ok := l.EventAttrs.Get(0, k); !ok || v != w {
			t.Errorf("%s = %v (%s), want %v (%s)", k, v, v.Kind, w, w.Kind)
		}
	}
	if n := len(l.EventAttrs.Of(1)); n != 0 {
		t.Errorf("the second event, all nulls, has %d attributes", n)
	}
}

// TestRefuses: what cannot be read is refused with the file, the row and
// the column, and why.
func TestRefuses(t *testing.T) {
	good := parquet.Group{"case:concept:name": parquet.Optional(parquet.String()), "concept:name": parquet.Optional(parquet.String()), "time:timestamp": parquet.Optional(parquet.String())}
	row := func(c, a, ts any) map[string]any {
		return map[string]any{"case:concept:name": c, "concept:name": a, "time:timestamp": ts}
	}
	for _, tt := range []struct {
		name string
		data []byte
		o    parquetlog.Options
		want string
	}{
		{"not parquet", []byte("case,activity\n1,a\n"), parquetlog.Options{}, "t.parquet: not a Parquet file"},
		{"cut short", file(t, good, row("1", "a", "2026-01-01T00:00:00Z"))[:40], parquetlog.Options{}, "t.parquet: not a Parquet file"},
		{"no case id", file(t, good, row("1", "a", "2026-01-01T00:00:00Z"), row(nil, "b", "2026-01-01T00:00:00Z")), parquetlog.Options{}, `t.parquet: row 2, column "case:concept:name": has no case id`},
		{"no activity", file(t, good, row("1", nil, "2026-01-01T00:00:00Z")), parquetlog.Options{}, `t.parquet: row 1, column "concept:name": has no activity`},
		{"bad time", file(t, good, row("1", "a", "soon")), parquetlog.Options{}, `t.parquet: row 1, column "time:timestamp": "soon" is not a time`},
		{"no rows", file(t, good), parquetlog.Options{}, "t.parquet: no events"},
		{"no activity column", file(t, parquet.Group{"case:concept:name": parquet.String()}, map[string]any{"case:concept:name": "1"}), parquetlog.Options{}, "no activity column found"},
		{"list", file(t, parquet.Group{"case": parquet.String(), "activity": parquet.String(), "tags": parquet.List(parquet.String())}), parquetlog.Options{}, `t.parquet: column "tags": is a nested or repeated column`},
		{"group", file(t, parquet.Group{"case": parquet.String(), "activity": parquet.String(), "where": parquet.Group{"x": parquet.Int(64)}}), parquetlog.Options{}, `t.parquet: column "where": is a nested or repeated column`},
		{"not text", file(t, parquet.Group{"case": parquet.String(), "activity": parquet.Leaf(parquet.ByteArrayType)}, map[string]any{"case": "1", "activity": []byte{0xff, 0xfe}}), parquetlog.Options{}, `row 1, column "activity": holds bytes that are not UTF-8 text`},
		{"time as a number", file(t, parquet.Group{"case": parquet.String(), "activity": parquet.String(), "time": parquet.Leaf(parquet.DoubleType)}, map[string]any{"case": "1", "activity": "a", "time": 1.5}), parquetlog.Options{}, `row 1, column "time": is float, not a time`},
		{"too large", file(t, good, row("1", "a", "2026-01-01T00:00:00Z")), parquetlog.Options{MaxContent: 10}, "t.parquet: the file's content is larger than 10 bytes once decompressed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(tt.data, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestCodecs: files compressed with every codec procmine checks read back
// (gzip and zstd are decompressed once to check each page, then by the
// library); Brotli is refused by name.
func TestCodecs(t *testing.T) {
	schema := parquet.NewSchema("t", parquet.Group{"case": parquet.String(), "activity": parquet.String(), "n": parquet.Int(64)})
	for _, c := range []struct {
		name  string
		codec compress.Codec
		want  string
	}{
		{"snappy", &snappy.Codec{}, ""}, {"gzip", &gzip.Codec{}, ""}, {"zstd", &zstd.Codec{}, ""}, {"none", &uncompressed.Codec{}, ""},
		{"brotli", &brotli.Codec{}, "compressed with BROTLI, which procmine does not read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := parquet.NewWriter(&buf, schema, parquet.Compression(c.codec))
			var rows []parquet.Row
			for i := range 3000 {
				// The schema orders its columns by name: activity, case, n.
				rows = append(rows, parquet.Row{parquet.ByteArrayValue([]byte("a")).Level(0, 0, 0), parquet.ByteArrayValue([]byte(fmt.Sprint(i%50))).Level(0, 0, 1), parquet.Int64Value(int64(i)).Level(0, 0, 2)})
			}
			if _, err := w.WriteRows(rows); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			l, err := read(buf.Bytes(), parquetlog.Options{})
			switch {
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want %q", err, c.want)
			case c.want == "" && (err != nil || l.NumEvents() != 3000 || l.NumCases() != 50):
				t.Errorf("read: %v; %d events, %d cases", err, l.NumEvents(), l.NumCases())
			}
		})
	}
}

// TestMixedTypesAreText: a key whose values have two types is written as
// text, and read back as such.
func TestMixedTypesAreText(t *testing.T) {
	b := eventlog.NewBuilder()
	c, _ := b.Case("1")
	e := b.Event(c, b.Log().Activities.ID("a"), 0, eventlog.None, eventlog.None)
	b.EventAttr(e, eventlog.Attr{Key: "k", Value: eventlog.IntValue(3)})
	e = b.Event(c, b.Log().Activities.ID("b"), 1, eventlog.None, eventlog.None)
	b.EventAttr(e, eventlog.Attr{Key: "k", Value: eventlog.StringValue("x")})
	var buf bytes.Buffer
	if err := parquetlog.Write(&buf, b.Finish()); err != nil {
		t.Fatal(err)
	}
	l, err := read(buf.Bytes(), parquetlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.EventAttrs.Get(0, "k"); v != eventlog.StringValue("3") {
		t.Errorf("k = %v (%s)", v, v.Kind)
	}
}

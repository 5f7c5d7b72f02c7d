package parquetlog_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/csvlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
	"github.com/procmine/procmine/internal/testlogs"
)

// FuzzRead: any bytes are read or refused with an error, within a memory
// bound (the fuzzer's), and what is read writes back to the same events.
// Minimising an input takes a minute by default here (the Parquet library
// is large, and every run copies its coverage); run it as
// go test ./internal/eventlog/parquetlog -run '^$' -fuzz FuzzRead -fuzztime 10m -fuzzminimizetime 10x
func FuzzRead(f *testing.F) {
	for _, name := range []string{"running-example.parquet", "receipt.parquet"} {
		if data, err := os.ReadFile(testlogs.Path(f, "parquet/"+name)); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add(file(f, parquet.Group{"case": parquet.Int(64), "activity": parquet.String(), "time": parquet.Timestamp(parquet.Millisecond), "n": parquet.Optional(parquet.Leaf(parquet.DoubleType))},
		map[string]any{"case": int64(1), "activity": "a", "time": int64(1e12), "n": 1.5},
		map[string]any{"case": int64(1), "activity": "b", "time": int64(1e12 + 1)}))
	f.Add(file(f, parquet.Group{"case:concept:name": parquet.String(), "concept:name": parquet.String(), "start_timestamp": parquet.Optional(parquet.Leaf(parquet.Int96Type)), "time:timestamp": parquet.Optional(parquet.Date())},
		map[string]any{"case:concept:name": "x", "concept:name": "a", "time:timestamp": int32(20000)}))
	o := parquetlog.Options{MaxContent: 16 << 20, Mapping: csvlog.Mapping{Budget: eventlog.Budget{MaxMemory: 64 << 20}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parquetlog.Read(bytes.NewReader(data), int64(len(data)), "f.parquet", o)
		if err != nil {
			if _, ok := err.(*eventlog.ParseError); !ok {
				t.Fatalf("error %T %v does not name the file", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := parquetlog.Write(&buf, l); err != nil {
			t.Fatal(err)
		}
		back, err := parquetlog.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "back.parquet", parquetlog.Options{})
		if err != nil {
			t.Fatalf("what was read does not read back: %v", err)
		}
		if err := sameEvents(back, l); err != nil {
			t.Fatal(err)
		}
	})
}

package parquetlog_test

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
)

// TestHostilePageSizes: a file of a few hundred bytes whose last page
// header claims 2 GiB is refused before the Parquet library makes room
// for it (it allocated 2.8 GB for the compressed size before the check),
// and reading it allocates little.
func TestHostilePageSizes(t *testing.T) {
	b := eventlog.NewBuilder()
	c, _ := b.Case("1")
	b.Event(c, b.Log().Activities.ID("a"), 1e18, eventlog.None, eventlog.None)
	var buf bytes.Buffer
	if err := parquetlog.Write(&buf, b.Finish()); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// The last column chunk's page: the bytes after it are the footer's,
	// which is found from the file's end, so the header may grow.
	cols := f.Metadata().RowGroups[0].Columns
	off := cols[len(cols)-1].MetaData.DataPageOffset
	for _, tt := range []struct {
		name   string
		mutate func(*format.PageHeader)
	}{
		{"compressed size", func(h *format.PageHeader) { h.CompressedPageSize = 1<<31 - 1 }},
		{"uncompressed size", func(h *format.PageHeader) { h.UncompressedPageSize = 1<<31 - 1 }},
		{"negative size", func(h *format.PageHeader) { h.CompressedPageSize = -5 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			br := bytes.NewReader(data[off:])
			var h format.PageHeader
			if err := thrift.NewDecoder((&thrift.CompactProtocol{}).NewReader(br)).Decode(&h); err != nil {
				t.Fatal(err)
			}
			n := int64(len(data[off:]) - br.Len())
			tt.mutate(&h)
			header, err := thrift.Marshal(&thrift.CompactProtocol{}, &h)
			if err != nil {
				t.Fatal(err)
			}
			bad := append(append(append([]byte{}, data[:off]...), header...), data[off+n:]...)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = parquetlog.Read(bytes.NewReader(bad), int64(len(bad)), "bad.parquet", parquetlog.Options{})
			runtime.ReadMemStats(&after)
			if err == nil || !strings.HasPrefix(err.Error(), "bad.parquet: ") {
				t.Errorf("read: %v", err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
				t.Errorf("reading it allocated %d MB", got>>20)
			}
		})
	}
}

package parquetlog_test

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/eventlog/parquetlog"
)

// TestHostileFiles: files of a few hundred bytes that claim gigabytes
// are refused before the Parquet library makes room for what they claim,
// and reading them allocates little: a footer claiming 2^31 schema
// elements (the library's allocation stopped the process), a page whose
// Snappy data says it decompresses to 4 GiB (4 GB allocated), and page
// headers claiming 2 GiB (2.8 GB allocated).
func TestHostileFiles(t *testing.T) {
	allocates := func(t *testing.T, name string, data []byte, why string) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := parquetlog.Read(bytes.NewReader(data), int64(len(data)), name, parquetlog.Options{})
		runtime.ReadMemStats(&after)
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") || !strings.Contains(err.Error(), why) {
			t.Errorf("read: %v; want the reason %q", err, why)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
			t.Errorf("reading it allocated %d MB", got>>20)
		}
	}
	t.Run("footer", func(t *testing.T) {
		// FileMetaData: version 1, then schema: a list of 2^31-1 structs.
		footer := []byte{0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07}
		data := append([]byte("PAR1"), footer...)
		data = binary.LittleEndian.AppendUint32(data, uint32(len(footer)))
		allocates(t, "footer.parquet", append(data, "PAR1"...), "its metadata is malformed")
	})
	t.Run("snappy", func(t *testing.T) {
		data := smallFile(t)
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		cols := f.Metadata().RowGroups[0].Columns
		off := cols[len(cols)-1].MetaData.DataPageOffset
		br := bytes.NewReader(data[off:])
		var h format.PageHeader
		if err := thrift.NewDecoder((&thrift.CompactProtocol{}).NewReader(br)).Decode(&h); err != nil {
			t.Fatal(err)
		}
		body := off + int64(len(data[off:])-br.Len())
		bad := bytes.Clone(data)
		copy(bad[body:], []byte{0xff, 0xff, 0xff, 0xff, 0x0f}) // 4 GiB once decoded
		allocates(t, "snappy.parquet", bad, "a page decompresses to more than its header says")
	})
	testHostilePageSizes(t)
}

func smallFile(t *testing.T) []byte {
	b := eventlog.NewBuilder()
	c, _ := b.Case("1")
	b.Event(c, b.Log().Activities.ID("a"), 1e18, eventlog.None, eventlog.None)
	var buf bytes.Buffer
	if err := parquetlog.Write(&buf, b.Finish()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testHostilePageSizes(t *testing.T) {
	data := smallFile(t)
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

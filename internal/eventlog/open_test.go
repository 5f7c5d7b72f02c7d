package eventlog

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecompress: plain and gzipped text read the same, and Compressed
// tells which was which (the importer sizes columns from a plain file's
// size only).
func TestDecompress(t *testing.T) {
	text := strings.Repeat("case,activity\n1,a\n", 200_000) // several blocks
	for name, in := range map[string][]byte{"plain": []byte(text), "gzip": gzipped(t, text)} {
		r, err := Decompress(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if Compressed(r) != (name == "gzip") {
			t.Errorf("%s: Compressed says %v", name, Compressed(r))
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != text {
			t.Errorf("%s: %d bytes, err %v", name, len(got), err)
		}
	}
}

// TestDecompressTruncated: a cut-off gzip file is an error, never a
// shorter log.
func TestDecompressTruncated(t *testing.T) {
	z := gzipped(t, strings.Repeat("case,activity\n1,a\n", 200_000))
	r, err := Decompress(bytes.NewReader(z[:len(z)/2]))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = io.ReadAll(r)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a truncated gzip file: %v, want unexpected EOF", err)
	}
}

func TestDecompressCloseEarly(t *testing.T) {
	z := gzipped(t, strings.Repeat("x", 10<<20))
	before := runtime.NumGoroutine()
	r, err := Decompress(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	r.Close()
	// The read-ahead goroutine must end once closed.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGzipContentSize: a gzip file's trailer tells its content's size,
// and past 4 GiB the least size it can be within 200 to 1.
func TestGzipContentSize(t *testing.T) {
	content := bytes.Repeat([]byte("case,activity,time\n"), 10000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(content)
	zw.Close()
	if got := GzipContentSize(int64(gz.Len()), gz.Bytes()[gz.Len()-4:]); got != int64(len(content)) {
		t.Errorf("content of %d bytes: %d", len(content), got)
	}
	le := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	for _, c := range []struct {
		size  int64
		isize uint32
		want  int64
	}{
		{10, 5, 0},                          // too short to be gzip
		{100, 70, 70},                       // a tiny file, larger than its content
		{1e9, 705032704, 705032704 + 1<<32}, // 5 GB of content, its size modulo 4 GiB below the file's
		{1e9, 3e9, 3e9},                     // at least the file's size: taken as it is
		{1 << 20, 100, 100},                 // 4 GiB more would be past 200 to 1
	} {
		if got := GzipContentSize(c.size, le(c.isize)); got != c.want {
			t.Errorf("file %d, ISIZE %d: %d, want %d", c.size, c.isize, got, c.want)
		}
	}
}

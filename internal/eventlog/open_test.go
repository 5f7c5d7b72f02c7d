package eventlog

import (
	"bytes"
	"compress/gzip"
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

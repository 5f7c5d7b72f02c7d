package ocel

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// IsOCEL tells from a file's name whether it is an object-centric log:
// .jsonocel, .xmlocel, .sqlite (and .ocel.json, .ocel.xml).
func IsOCEL(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range []string{".jsonocel", ".xmlocel", ".sqlite", ".sqlite3", ".ocel.json", ".ocel.xml"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// Read reads the OCEL file at path by its name: JSON, XML or SQLite.
func Read(ctx context.Context, path string, o Options) (*Log, error) {
	name := filepath.Base(path)
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	if strings.HasSuffix(n, ".sqlite") || strings.HasSuffix(n, ".sqlite3") {
		if head, err := readHead(path, 16); err == nil && !bytes.HasPrefix(head, []byte("SQLite format 3\x00")) {
			return nil, eventlog.Errorf(name, 0, "", "not a SQLite file")
		}
		return ReadSQLite(ctx, path, name, o)
	}
	if strings.HasSuffix(n, ".csv") {
		return nil, eventlog.Errorf(name, 0, "", "OCEL 1.0 CSV is not read: it cannot say which objects exist; use the OCEL 2.0 JSON, XML or SQLite form")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	content, err := eventlog.Decompress(f)
	if err != nil {
		return nil, eventlog.Errorf(name, 0, "", "the file is not valid gzip (%v)", err)
	}
	defer content.Close()
	return ReadFrom(content, name, o)
}

// ReadFrom reads an OCEL file in JSON or XML from r, the form told by
// name (.jsonocel, .xmlocel) or else by its first character. XML is read
// as it streams; JSON is held whole while read (its types may come after
// its events), so its text counts against the bound too. r is the
// file's content: a caller decompresses it.
func ReadFrom(r io.Reader, name string, o Options) (*Log, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	isXML := strings.HasSuffix(n, ".xmlocel") || strings.HasSuffix(n, ".xml")
	if !isXML && !strings.HasSuffix(n, "json") && !strings.HasSuffix(n, "jsonocel") {
		isXML = bytes.HasPrefix(bytes.TrimSpace(head), []byte("<"))
	}
	if isXML {
		if bytes.Contains(head, []byte(`<global scope=`)) {
			return nil, eventlog.Errorf(name, 0, "", "OCEL 1.0 XML is not read; use its JSON form or OCEL 2.0")
		}
		return ReadXML(br, name, o)
	}
	d := newDraft(name, o)
	data, err := io.ReadAll(io.LimitReader(br, d.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > d.maxBytes {
		return nil, d.errorf(0, "", "the file is larger than %d MB, more than procmine reads of an object-centric log", d.maxBytes>>20)
	}
	d.used = int64(len(data))
	return d.readJSON(data)
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && k == 0 {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b[:k], nil
}

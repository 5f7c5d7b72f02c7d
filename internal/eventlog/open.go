package eventlog

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Decompress returns a reader of r's content, gunzipping it when it starts
// with the gzip magic bytes. Decompression runs in its own goroutine, up
// to three 1 MiB blocks ahead of the reader, so that inflating and parsing
// use two cores.
// Close the result to stop that goroutine early.
func Decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return io.NopCloser(br), nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	return newReadAhead(zr), nil
}

// GzipContentSize tells, from a gzip file's size and its last four bytes
// (the trailer's ISIZE: the content's size modulo 4 GiB), the size of its
// content, or 0 when the file is too short to be gzip. Past 4 GiB it can
// only guess: it takes the least size that is at least the file's own,
// within the 200 to 1 that any real log compresses by. Readers take it as
// a hint, to size what they make once.
func GzipContentSize(size int64, tail []byte) int64 {
	if size < 18 || len(tail) < 4 {
		return 0
	}
	n := int64(binary.LittleEndian.Uint32(tail[len(tail)-4:]))
	for n < size && n+1<<32 <= 200*size {
		n += 1 << 32
	}
	return n
}

// Compressed reports whether rc, a reader Decompress returned, gunzips.
func Compressed(rc io.ReadCloser) bool {
	_, ok := rc.(*readAhead)
	return ok
}

// Corrupt reports whether a read error means the compressed file is cut
// short or damaged, rather than being malformed in its content.
func Corrupt(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader) || errors.As(err, new(flate.CorruptInputError))
}

const blockSize = 1 << 20

type block struct {
	buf []byte
	err error
}

// readAhead fills blocks from a slow reader in a goroutine.
type readAhead struct {
	full  chan block
	empty chan []byte
	done  chan struct{}
	cur   block
	off   int
}

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{full: make(chan block, 2), empty: make(chan []byte, 3), done: make(chan struct{})}
	for range 3 {
		ra.empty <- make([]byte, blockSize)
	}
	go func() {
		defer close(ra.full)
		for {
			var buf []byte
			select {
			case buf = <-ra.empty:
			case <-ra.done:
				return
			}
			n, err := fill(r, buf)
			select {
			case ra.full <- block{buf[:n], err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

// fill reads until buf is full or r fails. Unlike io.ReadFull it passes a
// decompressor's io.ErrUnexpectedEOF (a truncated file) through as the
// error it is, and reports a clean end as io.EOF.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, io.EOF
		}
		if err != nil {
			return n, fmt.Errorf("gzip: %w", err)
		}
	}
	return n, nil
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.buf) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.buf != nil {
			ra.empty <- ra.cur.buf[:cap(ra.cur.buf)]
		}
		b, ok := <-ra.full
		if !ok {
			return 0, io.ErrClosedPipe
		}
		ra.cur, ra.off = b, 0
	}
	n := copy(p, ra.cur.buf[ra.off:])
	ra.off += n
	return n, nil
}

func (ra *readAhead) Close() error {
	select {
	case <-ra.done:
	default:
		close(ra.done)
	}
	return nil
}

package eventlog

import (
	"bufio"
	"compress/gzip"
	"io"
)

// Decompress returns a reader of r's content, gunzipping it when it starts
// with the gzip magic bytes. Decompression runs in its own goroutine, one
// block ahead of the reader, so that inflating and parsing use two cores.
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
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
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

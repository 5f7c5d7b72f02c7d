package xes

import (
	"bytes"
	"fmt"
	"io"

	"github.com/orisano/gosax"

	"github.com/procmine/procmine/internal/eventlog"
)

// The tokenizer runs in a goroutine of its own and hands the parser batches
// of tokens, so that tokenizing and building the log use two cores (the
// third stage, decompression, runs in eventlog.Decompress's goroutine).
// Only the tokens the parser needs are copied into a batch: start and end
// tags and DOCTYPEs; text, comments and processing instructions are counted
// for line numbers and dropped.

// tokEOF marks the end of the document in a batch.
const tokEOF = gosax.EventEOF

type token struct {
	kind     uint8
	line     int // line on which the token starts
	off, end int // its bytes in batch.data
}

type batch struct {
	data []byte
	toks []token
	// err ends the stream after toks: a tokenizer error at errLine.
	err     error
	errLine int
}

const (
	batchBytes  = 256 << 10
	batchTokens = 8192
)

type tokenizer struct {
	out  chan *batch
	free chan *batch
	done chan struct{}
	quit chan struct{}
}

func startTokenizer(r io.Reader, name string) *tokenizer {
	r = eventlog.LimitRuns(r, '>', eventlog.MaxRun, name, "an element, or text between elements,")
	t := &tokenizer{
		out:  make(chan *batch, 2),
		free: make(chan *batch, 3),
		done: make(chan struct{}),
		quit: make(chan struct{}),
	}
	// Batches start empty and grow to what the document needs, so a small
	// upload costs little; they are reused, so a large one grows them once.
	for range 3 {
		t.free <- &batch{}
	}
	go t.run(r)
	return t
}

// stop ends the tokenizer early and waits for its goroutine to exit.
func (t *tokenizer) stop() {
	select {
	case <-t.quit:
	default:
		close(t.quit)
	}
	for range t.out {
	}
	<-t.done
}

func (t *tokenizer) run(r io.Reader) {
	defer close(t.done)
	defer close(t.out)
	xr := gosax.NewReaderSize(r, 64<<10)
	line := 1
	var b *batch
	take := func() bool {
		select {
		case b = <-t.free:
			b.data, b.toks, b.err, b.errLine = b.data[:0], b.toks[:0], nil, 0
			return true
		case <-t.quit:
			return false
		}
	}
	send := func() bool {
		select {
		case t.out <- b:
			return true
		case <-t.quit:
			return false
		}
	}
	if !take() {
		return
	}
	defer func() {
		// gosax is third-party code fed with untrusted input: a panic in
		// it must become an error, never a crash of the server.
		if v := recover(); v != nil {
			b.err, b.errLine = fmt.Errorf("malformed XML (%v)", v), line
			send()
		}
	}()
	for n := 0; ; n++ {
		if n&4095 == 0 {
			// Text and comments never fill a batch; look for a stop anyway.
			select {
			case <-t.quit:
				return
			default:
			}
		}
		ev, err := xr.Event()
		if err != nil {
			b.err, b.errLine = err, line
			send()
			return
		}
		switch kind := ev.Type(); kind {
		case gosax.EventStart, gosax.EventEnd, gosax.EventDocType, tokEOF:
			off := len(b.data)
			b.data = append(b.data, ev.Bytes...)
			b.toks = append(b.toks, token{kind: kind, line: line, off: off, end: len(b.data)})
			if kind == tokEOF {
				send()
				return
			}
		case gosax.EventText, gosax.EventCData, gosax.EventComment, gosax.EventProcessingInstruction:
		default:
			b.err, b.errLine = fmt.Errorf("unknown token"), line
			send()
			return
		}
		line += bytes.Count(ev.Bytes, []byte{'\n'})
		if len(b.data) >= batchBytes || len(b.toks) >= batchTokens {
			if !send() || !take() {
				return
			}
		}
	}
}

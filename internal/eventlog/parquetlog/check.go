package parquetlog

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// A Parquet file says how much room each of its parts needs, and the
// library makes that room before it reads the part: a list's element
// count in the metadata, a page's size in its header, a page's size once
// decompressed in its compressed data. A few hundred bytes may claim
// gigabytes, and an allocation that fails stops the process (it is not a
// panic that can be recovered). So before the library reads anything,
// the file is walked here: the footer and every page header element by
// element, and every page decompressed within the size its header gives
// (TestHostileFiles).

// maxFooter bounds a file's metadata. Real footers take kilobytes, a few
// megabytes for thousands of row groups.
const maxFooter = 8 << 20

// errNotParquet is a file without Parquet's marks.
var errNotParquet = errors.New("it has no PAR1 at its end")

// checkFile walks the footer and every page of the file, and refuses a
// file whose column chunks declare more than maxContent bytes once
// decompressed (0: no bound).
func checkFile(r io.ReaderAt, size, maxContent int64) error {
	if size < 12 {
		return errNotParquet
	}
	tail := make([]byte, 8)
	if _, err := r.ReadAt(tail, size-8); err != nil {
		return err
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return errors.New("an encrypted Parquet file, which procmine does not read")
	default:
		return errNotParquet
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n > size-12 {
		return errors.New("its footer is longer than the file")
	}
	if n > maxFooter {
		return fmt.Errorf("its metadata takes %d MiB, more than the %d MiB procmine reads", n>>20, maxFooter>>20)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return err
	}
	if end, err := walkStruct(footer, 0, 0); err != nil || end != len(footer) {
		return fmt.Errorf("its metadata is malformed (%v)", cmpErr(err, "data after it"))
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), footer, &md); err != nil {
		return fmt.Errorf("its metadata is malformed (%v)", err)
	}
	if maxContent > 0 {
		var total int64
		for _, g := range md.RowGroups {
			for _, c := range g.Columns {
				total += max(c.MetaData.TotalUncompressedSize, 0)
			}
		}
		if total > maxContent {
			return &ErrTooLarge{maxContent}
		}
	}
	return checkPages(r, size, &md)
}

func cmpErr(err error, otherwise string) error {
	if err != nil {
		return err
	}
	return errors.New(otherwise)
}

// checkPages walks every column chunk page by page: each header within
// the chunk, the pages' sizes within what the chunk declares, and each
// page's data decompressed within the size its header gives.
func checkPages(r io.ReaderAt, size int64, md *format.FileMetaData) error {
	var zd *zstd.Decoder
	defer func() {
		if zd != nil {
			zd.Close()
		}
	}()
	for g, rg := range md.RowGroups {
		for c, cc := range rg.Columns {
			m := &cc.MetaData
			place := fmt.Sprintf("row group %d, column %d", g+1, c+1)
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			if start < 4 || m.TotalCompressedSize <= 0 || end > size || end < start || m.TotalUncompressedSize < 0 {
				return fmt.Errorf("%s: the column chunk lies outside the file", place)
			}
			switch m.Codec {
			case format.Uncompressed, format.Snappy, format.Gzip, format.Zstd:
			default:
				return fmt.Errorf("%s: compressed with %s, which procmine does not read (Snappy, gzip and zstd are)", place, m.Codec)
			}
			claimed := int64(0)
			for pos := start; pos < end; {
				h, n, err := pageHeader(r, pos, end)
				if err != nil {
					return fmt.Errorf("%s: a page header cannot be read (%v)", place, err)
				}
				body := int64(h.CompressedPageSize)
				claimed += int64(h.UncompressedPageSize)
				if body < 0 || pos+n+body > end || h.UncompressedPageSize < 0 || claimed > m.TotalUncompressedSize {
					return fmt.Errorf("%s: a page claims more than its column chunk holds", place)
				}
				data := make([]byte, body)
				if _, err := r.ReadAt(data, pos+n); err != nil {
					return fmt.Errorf("%s: a page cannot be read (%v)", place, err)
				}
				if err := checkBody(h, m.Codec, data, &zd); err != nil {
					return fmt.Errorf("%s: %v", place, err)
				}
				pos += n + body
			}
		}
	}
	return nil
}

// pageHeader decodes the page header at pos, which ends before end, and
// says how long it is. Headers are short, but statistics may make one
// long: it is read in windows of growing size, up to maxFooter.
func pageHeader(r io.ReaderAt, pos, end int64) (*format.PageHeader, int64, error) {
	for window := int64(1 << 10); ; window *= 16 {
		n := min(window, end-pos, maxFooter)
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, pos); err != nil && err != io.EOF {
			return nil, 0, err
		}
		k, err := walkStruct(buf, 0, 0)
		if err == errShort && n < end-pos && n < maxFooter {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		h := new(format.PageHeader)
		if err := thrift.Unmarshal(new(thrift.CompactProtocol), buf[:k], h); err != nil {
			return nil, 0, err
		}
		return h, int64(k), nil
	}
}

// checkBody decompresses a page's data within the size its header gives
// (a data page of version 2 keeps its levels uncompressed before it).
func checkBody(h *format.PageHeader, codec format.CompressionCodec, data []byte, zd **zstd.Decoder) error {
	want := int64(h.UncompressedPageSize)
	if v2 := h.DataPageHeaderV2; v2.Valid {
		levels := int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength)
		if levels < 0 || levels > int64(len(data)) || levels > want {
			return errors.New("a page's levels are longer than the page")
		}
		data, want = data[levels:], want-levels
		if v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V {
			codec = format.Uncompressed
		}
	}
	tooBig := errors.New("a page decompresses to more than its header says")
	switch codec {
	case format.Uncompressed:
		if int64(len(data)) > want {
			return tooBig
		}
	case format.Snappy:
		n, err := snappy.DecodedLen(data)
		if err != nil {
			return fmt.Errorf("a page is not Snappy data (%v)", err)
		}
		if int64(n) > want {
			return tooBig
		}
	case format.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("a page is not gzip data (%v)", err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(zr, want+1))
		if err != nil {
			return fmt.Errorf("a page is not gzip data (%v)", err)
		}
		if n > want {
			return tooBig
		}
	case format.Zstd:
		if want > maxPage {
			return fmt.Errorf("a page of %d MiB once decompressed, more than the %d MiB procmine reads", want>>20, maxPage>>20)
		}
		if *zd == nil {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxPage), zstd.WithDecoderMaxWindow(32<<20))
			if err != nil {
				return err
			}
			*zd = d
		}
		// Streamed and discarded, and stopped past the size claimed: the
		// check holds a window, not the page.
		if err := (*zd).Reset(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("a page is not zstd data (%v)", err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(*zd, want+1))
		if err != nil {
			return fmt.Errorf("a page is not zstd data (%v)", err)
		}
		if n > want {
			return tooBig
		}
	}
	return nil
}

// maxPage bounds one page once decompressed: writers make pages of about
// a megabyte.
const maxPage = 256 << 20

// errShort is a Thrift structure that goes on past the bytes at hand.
var errShort = errors.New("cut short")

// walkStruct walks a Thrift compact-protocol structure from b[i] and
// returns where it ends. Every element takes at least a byte, so a list
// that claims more elements than bytes are left is refused at its header,
// and the walk does work in proportion to len(b).
func walkStruct(b []byte, i, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("nested more than 64 deep")
	}
	for {
		if i >= len(b) {
			return 0, errShort
		}
		head := b[i]
		i++
		typ := head & 0x0f
		if typ == 0 { // stop
			return i, nil
		}
		if head>>4 == 0 { // the field id follows in full
			var err error
			if _, i, err = varint(b, i); err != nil {
				return 0, err
			}
		}
		var err error
		if i, err = walkValue(b, i, typ, false, depth); err != nil {
			return 0, err
		}
	}
}

// walkValue walks one value of a compact type; a boolean field keeps its
// value in its type, a boolean element of a list takes a byte.
func walkValue(b []byte, i int, typ byte, inList bool, depth int) (int, error) {
	var err error
	switch typ {
	case 1, 2: // true, false
		if inList {
			return skip(b, i, 1)
		}
		return i, nil
	case 3: // byte
		return skip(b, i, 1)
	case 4, 5, 6: // i16, i32, i64
		_, i, err = varint(b, i)
		return i, err
	case 7: // double
		return skip(b, i, 8)
	case 8: // binary
		var n uint64
		if n, i, err = varint(b, i); err != nil {
			return 0, err
		}
		if n > uint64(len(b)-i) {
			return 0, errShort
		}
		return i + int(n), nil
	case 9, 10: // list, set
		if i >= len(b) {
			return 0, errShort
		}
		head := b[i]
		i++
		count := uint64(head >> 4)
		if count == 15 {
			if count, i, err = varint(b, i); err != nil {
				return 0, err
			}
		}
		if count > uint64(len(b)-i) {
			return 0, errShort
		}
		for range count {
			if i, err = walkValue(b, i, head&0x0f, true, depth+1); err != nil {
				return 0, err
			}
		}
		return i, nil
	case 11: // map
		var count uint64
		if count, i, err = varint(b, i); err != nil {
			return 0, err
		}
		if count == 0 {
			return i, nil
		}
		if i >= len(b) || count > uint64(len(b)-i)/2 {
			return 0, errShort
		}
		kv := b[i]
		i++
		for range count {
			if i, err = walkValue(b, i, kv>>4, true, depth+1); err != nil {
				return 0, err
			}
			if i, err = walkValue(b, i, kv&0x0f, true, depth+1); err != nil {
				return 0, err
			}
		}
		return i, nil
	case 12: // struct
		return walkStruct(b, i, depth+1)
	case 13: // uuid
		return skip(b, i, 16)
	}
	return 0, fmt.Errorf("unknown Thrift type %d", typ)
}

func skip(b []byte, i, n int) (int, error) {
	if n > len(b)-i {
		return 0, errShort
	}
	return i + n, nil
}

func varint(b []byte, i int) (uint64, int, error) {
	v, n := binary.Uvarint(b[min(i, len(b)):])
	if n == 0 {
		return 0, 0, errShort
	}
	if n < 0 {
		return 0, 0, errors.New("a number longer than 64 bits")
	}
	return v, i + n, nil
}

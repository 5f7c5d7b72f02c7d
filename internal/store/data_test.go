package store

import (
	"bytes"
	"context"
	"testing"
	"unsafe"
)

// TestVersionDataIsTheCallers: the bytes VersionData returns are made for
// the call (read through sql.RawBytes, then opened where they lie): two
// reads do not share memory, and a read's bytes stay as they were
// through the reads and queries after it. A driver that handed out
// memory of its own would fail here rather than corrupt a version.
func TestVersionDataIsTheCallers(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		data := pseudoRandom(3<<20, 5)
		v, err := s.AddVersion(ctx, w.process, Version{By: w.user, Source: "a", Cases: 1, Events: 1}, data)
		must(t, err)
		first, err := s.VersionData(ctx, w.process, v)
		must(t, err)
		second, err := s.VersionData(ctx, w.process, v)
		must(t, err)
		if !bytes.Equal(first, data) || !bytes.Equal(second, data) {
			t.Fatal("the version does not read back")
		}
		a, b := uintptr(unsafe.Pointer(&first[0])), uintptr(unsafe.Pointer(&second[0]))
		if a < b+uintptr(len(second)) && b < a+uintptr(len(first)) {
			t.Error("two reads of a version share memory")
		}
		if _, err := s.Versions(ctx, w.process); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddVersion(ctx, w.process, Version{By: w.user, Source: "b", Cases: 1, Events: 1}, pseudoRandom(3<<20, 6)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, data) {
			t.Error("a read's bytes changed after later queries")
		}
	})
}

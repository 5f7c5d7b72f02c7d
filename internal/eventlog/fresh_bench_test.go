//go:build unix

package eventlog_test

import (
	"syscall"
	"testing"
)

// BenchmarkFreshMemory is the floor under opening a large log: touching
// memory the process has not used before, one byte in each 4 KiB page of
// 256 MiB mapped for the purpose, as a decoded log's columns are first
// written. A log that is R bytes resident cannot be opened in less than
// R divided by this rate, whatever its stored form. On the virtual
// machine of BENCHMARKS.md a page fault costs 12–30 µs.
// go test -run '^$' -bench FreshMemory -benchtime 5x ./internal/eventlog
func BenchmarkFreshMemory(b *testing.B) {
	const size = 256 << 20
	b.SetBytes(size)
	for b.Loop() {
		m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(m); i += 4096 {
			m[i] = 1
		}
		if err := syscall.Munmap(m); err != nil {
			b.Fatal(err)
		}
	}
}

package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(t *testing.T) *Key {
	k, err := ParseKey(Generate())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	a, b := key(t), key(t)
	ring := &Keyring{Current: a}
	secret := []byte("\x89PNG the screenshot bytes")
	s1, s2 := ring.Seal("screenshot", secret), ring.Seal("screenshot", secret)
	if bytes.Contains(s1, []byte("screenshot bytes")) || bytes.Equal(s1, s2) || !Sealed(s1) {
		t.Fatal("sealing leaks the plaintext or repeats itself")
	}
	if got, err := ring.Open("screenshot", s1); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := ring.Open("eventlog", s1); err == nil {
		t.Error("a screenshot opened as an event log")
	}
	tampered := bytes.Clone(s1)
	tampered[len(tampered)-1] ^= 1
	if _, err := ring.Open("screenshot", tampered); err == nil {
		t.Error("a changed blob opened")
	}
	if _, err := (&Keyring{Current: b}).Open("screenshot", s1); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("another key: %v", err)
	}
	// Rotation: the new key seals, the old one still opens.
	rotated := &Keyring{Current: b, Old: []*Key{a}}
	if got, err := rotated.Open("screenshot", s1); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("old blob after rotation: %v", err)
	}
	if id, _ := SealedWith(rotated.Seal("x", nil)); id != b.ID() {
		t.Errorf("sealed with %s, want the current key %s", id, b.ID())
	}
	// A blob in clear is refused: it was stored before encryption, or by
	// someone without the key.
	if _, err := ring.Open("screenshot", []byte("plain")); !errors.Is(err, ErrNotSealed) {
		t.Errorf("plain blob: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "k")
	os.WriteFile(good, []byte(Generate()+"\n"), 0o600)
	if _, err := ReadKeyFile(good); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open")
	os.WriteFile(open, []byte(Generate()), 0o644)
	if _, err := ReadKeyFile(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("c2hvcnQ="), 0o600)
	if _, err := ReadKeyFile(short); err == nil || !strings.Contains(err.Error(), "not a key") {
		t.Errorf("short key: %v", err)
	}
}

// TestOpenInPlace: a blob opened in place gives what Open gives, in the
// blob's own memory; one that does not authenticate is refused.
func TestOpenInPlace(t *testing.T) {
	k, err := ParseKey(Generate())
	if err != nil {
		t.Fatal(err)
	}
	ring := &Keyring{Current: k}
	secret := bytes.Repeat([]byte("a person's data "), 1000)
	sealed := ring.Seal("eventlog", secret)
	plain, err := ring.OpenInPlace("eventlog", bytes.Clone(sealed))
	if err != nil || !bytes.Equal(plain, secret) {
		t.Fatalf("opened in place: %v", err)
	}
	buf := bytes.Clone(sealed)
	plain, _ = ring.OpenInPlace("eventlog", buf)
	if &plain[0] != &buf[len(buf)-len(plain)-k.aead.Overhead()] {
		t.Error("the plaintext is not in the blob's memory")
	}
	if _, err := ring.OpenInPlace("screenshot", bytes.Clone(sealed)); err == nil {
		t.Error("a blob of another purpose opens in place")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := ring.OpenInPlace("eventlog", tampered); err == nil {
		t.Error("an altered blob opens in place")
	}
}

// TestSealInPlace: a blob sealed where it lies opens as one Seal sealed,
// in the buffer's own memory when it has room; without room it is sealed
// all the same.
func TestSealInPlace(t *testing.T) {
	k, err := ParseKey(Generate())
	if err != nil {
		t.Fatal(err)
	}
	ring := &Keyring{Current: k}
	if Overhead != k.aead.Overhead() {
		t.Fatalf("Overhead %d, the cipher adds %d", Overhead, k.aead.Overhead())
	}
	secret := bytes.Repeat([]byte("a person's data "), 1000)
	buf := make([]byte, Headroom, Headroom+len(secret)+Overhead)
	buf = append(buf, secret...)
	sealed := ring.SealInPlace("eventlog", buf)
	if &sealed[0] != &buf[0] {
		t.Error("sealed in a new buffer, not in place")
	}
	if bytes.Contains(sealed, []byte("a person's")) {
		t.Error("the sealed blob holds the text")
	}
	if plain, err := ring.Open("eventlog", sealed); err != nil || !bytes.Equal(plain, secret) {
		t.Fatalf("a blob sealed in place does not open: %v", err)
	}
	tight := append(make([]byte, Headroom), secret...) // no room after it
	tight = tight[:len(tight):len(tight)]
	if plain, err := ring.Open("eventlog", ring.SealInPlace("eventlog", tight)); err != nil || !bytes.Equal(plain, secret) {
		t.Fatalf("a blob without room after it: %v", err)
	}
}

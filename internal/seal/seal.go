// Package seal encrypts blobs at rest — uploaded event data and
// screenshots — with AES-256-GCM under a key the operator holds.
//
// A sealed blob is "pmseal1" followed by the key's id (the first 8 bytes
// of SHA-256 over the key), a random 12-byte nonce and the ciphertext with
// its tag. The blob's purpose ("screenshot", "eventlog") is authenticated
// with it, so a blob cannot be passed off as another kind. A Keyring seals
// with its current key and opens with any of its keys, which is how a key
// is rotated: add the new key as current, keep the old one, re-seal every
// blob (procmine keys rotate), then drop the old key.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

const (
	magic   = "pmseal1"
	idLen   = 8
	keyLen  = 32
	nonceSz = 12
)

// Key is one AES-256 key.
type Key struct {
	id   [idLen]byte
	aead cipher.AEAD
}

// NewKey makes a key of 32 bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != keyLen {
		return nil, fmt.Errorf("a key is %d bytes, not %d", keyLen, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &Key{aead: aead}
	sum := sha256.Sum256(raw)
	copy(k.id[:], sum[:idLen])
	return k, nil
}

// ID is the key's public fingerprint, in hex.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// ParseKey reads a key written as base64 (standard or URL alphabet) or hex,
// surrounding white space ignored.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if raw, err := dec(text); err == nil && len(raw) == keyLen {
			return NewKey(raw)
		}
	}
	return nil, fmt.Errorf("not a key: give %d random bytes in base64 or hex (procmine keys new makes one)", keyLen)
}

// ReadKeyFile reads a key from a file, which must not be readable by
// others than its owner.
func ReadKeyFile(name string) (*Key, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: readable by others (mode %v); chmod 600 it", name, st.Mode().Perm())
	}
	text, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return k, nil
}

// Generate makes a new random key, as base64 text.
func Generate() string {
	raw := make([]byte, keyLen)
	rand.Read(raw)
	return base64.StdEncoding.EncodeToString(raw)
}

// Keyring seals with Current and opens with any key.
type Keyring struct {
	Current *Key
	Old     []*Key
}

// ErrUnknownKey is a blob sealed with a key the ring does not hold.
var ErrUnknownKey = errors.New("sealed with a key this server does not hold")

// Seal encrypts plaintext for a purpose.
func (r *Keyring) Seal(purpose string, plaintext []byte) []byte {
	k := r.Current
	out := make([]byte, 0, len(magic)+idLen+nonceSz+len(plaintext)+k.aead.Overhead())
	out = append(out, magic...)
	out = append(out, k.id[:]...)
	nonce := make([]byte, nonceSz)
	rand.Read(nonce)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, []byte(purpose))
}

// Headroom and Overhead are what sealing adds before a blob (the magic,
// the key's id and the nonce) and after it (the tag): a buffer with that
// much room around its blob is sealed where it lies (SealInPlace).
const (
	Headroom = len(magic) + idLen + nonceSz
	Overhead = 16
)

// SealInPlace is Seal for a blob that buf holds after Headroom bytes of
// room, with at least Overhead bytes of capacity after it: the blob is
// encrypted where it lies and the sealed blob is buf's own memory, so
// that sealing a blob of hundreds of megabytes does not take as much
// again. Without the room after it, it is sealed as Seal does.
func (r *Keyring) SealInPlace(purpose string, buf []byte) []byte {
	k := r.Current
	if len(buf) < Headroom {
		panic("seal: SealInPlace of a buffer without its headroom")
	}
	if cap(buf)-len(buf) < k.aead.Overhead() {
		return r.Seal(purpose, buf[Headroom:])
	}
	copy(buf, magic)
	copy(buf[len(magic):], k.id[:])
	nonce := buf[len(magic)+idLen : Headroom]
	rand.Read(nonce)
	plain := buf[Headroom:]
	sealed := k.aead.Seal(plain[:0], nonce, plain, []byte(purpose))
	return buf[:Headroom+len(sealed)]
}

// Sealed tells whether data is a sealed blob.
func Sealed(data []byte) bool { return bytes.HasPrefix(data, []byte(magic)) }

// SealedWith tells the id of the key a sealed blob needs.
func SealedWith(data []byte) (string, bool) {
	if !Sealed(data) || len(data) < len(magic)+idLen {
		return "", false
	}
	return hex.EncodeToString(data[len(magic) : len(magic)+idLen]), true
}

// ErrNotSealed is a blob stored in clear where a sealed one was expected:
// written before encryption was configured (procmine keys rotate seals
// it), or put there by someone without the key.
var ErrNotSealed = errors.New("stored unencrypted: run procmine keys rotate to seal it")

// Open decrypts a sealed blob of that purpose.
func (r *Keyring) Open(purpose string, data []byte) ([]byte, error) {
	return r.open(purpose, data, false)
}

// OpenInPlace is Open decrypting data where it lies, so that opening a
// blob of hundreds of megabytes does not take as much again: data is
// overwritten, whether it opens or not, and must not be used afterwards.
func (r *Keyring) OpenInPlace(purpose string, data []byte) ([]byte, error) {
	return r.open(purpose, data, true)
}

func (r *Keyring) open(purpose string, data []byte, inPlace bool) ([]byte, error) {
	if !Sealed(data) {
		return nil, ErrNotSealed
	}
	if len(data) < len(magic)+idLen+nonceSz {
		return nil, errors.New("sealed blob cut short")
	}
	id := data[len(magic) : len(magic)+idLen]
	for _, k := range append([]*Key{r.Current}, r.Old...) {
		if k == nil || !bytes.Equal(k.id[:], id) {
			continue
		}
		rest := data[len(magic)+idLen:]
		var dst []byte
		if inPlace {
			dst = rest[nonceSz:nonceSz] // the plaintext over the ciphertext
		}
		plain, err := k.aead.Open(dst, rest[:nonceSz], rest[nonceSz:], []byte(purpose))
		if err != nil {
			return nil, fmt.Errorf("sealed blob does not authenticate (altered, or not a %s)", purpose)
		}
		return plain, nil
	}
	return nil, fmt.Errorf("%w (key %x)", ErrUnknownKey, id)
}

package auth

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Key-encryption keys (KEKs) seal the private halves of token-signing keys before they are
// stored, with AES-256-GCM, so that a copy of the database alone does not let anyone mint
// tokens. A sealed key is
//
//	"CSK1" || KEK fingerprint (8 bytes) || nonce (12 bytes) || ciphertext and tag
//
// with the key's kid as additional data, so a sealed key cannot be moved to another kid. The
// fingerprint is the first 8 bytes of SHA-256 over the KEK; it names the KEK a key needs
// without revealing it. A stored key that does not start with the magic is a plaintext
// PKCS#8 key of an older certsum, which the key ring seals when it meets it.

// sealMagic starts every sealed private key. A plaintext PKCS#8 key starts with 0x30.
var sealMagic = []byte("CSK1")

const (
	kekSize         = 32
	fingerprintSize = 8
	// keyFilePrefix starts each key line of a key file.
	keyFilePrefix = "certsum-kek-v1:"
)

// Sealer seals and opens private signing keys with one or more KEKs: the first seals, every
// one opens what it sealed. Holding the previous KEK after the current one lets a server read
// keys sealed before a rewrap. It is safe for concurrent use.
type Sealer struct {
	keys []kek
}

type kek struct {
	fp   [fingerprintSize]byte
	aead cipher.AEAD
}

// NewSealer returns a Sealer over KEKs of 32 bytes each, the first of which seals.
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key-encryption key")
	}
	s := &Sealer{}
	for i, k := range keys {
		if len(k) != kekSize {
			return nil, fmt.Errorf("key-encryption key %d has %d bytes, want %d", i+1, len(k), kekSize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(k)
		var fp [fingerprintSize]byte
		copy(fp[:], sum[:])
		s.keys = append(s.keys, kek{fp: fp, aead: aead})
	}
	return s, nil
}

// EphemeralSealer returns a Sealer over a fresh random KEK that lives only in this process:
// for an in-memory database, whose keys die with the process anyway, and for tests.
func EphemeralSealer() *Sealer {
	k := make([]byte, kekSize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	s, err := NewSealer(k)
	if err != nil {
		panic(err)
	}
	return s
}

// Fingerprint returns the hex fingerprint of the sealing KEK, as logs and errors name it.
func (s *Sealer) Fingerprint() string { return hex.EncodeToString(s.keys[0].fp[:]) }

// Seal encrypts a private key for kid with the first KEK.
func (s *Sealer) Seal(kid string, plain []byte) ([]byte, error) {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal signing key: %w", err)
	}
	out := make([]byte, 0, len(sealMagic)+fingerprintSize+len(nonce)+len(plain)+k.aead.Overhead())
	out = append(out, sealMagic...)
	out = append(out, k.fp[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, []byte(kid)), nil
}

// isSealed reports whether a stored private key is sealed (not an older plaintext one).
func isSealed(stored []byte) bool { return bytes.HasPrefix(stored, sealMagic) }

// Open decrypts a sealed private key of kid with the KEK it was sealed with. The error names
// that KEK's fingerprint when this Sealer does not hold it.
func (s *Sealer) Open(kid string, sealed []byte) ([]byte, error) {
	if !isSealed(sealed) {
		return nil, errors.New("the private key is not sealed")
	}
	rest := sealed[len(sealMagic):]
	if len(rest) < fingerprintSize {
		return nil, errors.New("the sealed private key is truncated")
	}
	fp, rest := rest[:fingerprintSize], rest[fingerprintSize:]
	for _, k := range s.keys {
		if !bytes.Equal(k.fp[:], fp) {
			continue
		}
		if len(rest) < k.aead.NonceSize() {
			return nil, errors.New("the sealed private key is truncated")
		}
		plain, err := k.aead.Open(nil, rest[:k.aead.NonceSize()], rest[k.aead.NonceSize():], []byte(kid))
		if err != nil {
			return nil, fmt.Errorf("the sealed private key does not open with key-encryption key %s: %w", hex.EncodeToString(fp), err)
		}
		return plain, nil
	}
	return nil, fmt.Errorf("the private key was sealed with key-encryption key %s, which this server does not hold "+
		"(it holds %s): give every server the same key file", hex.EncodeToString(fp), s.fingerprints())
}

func (s *Sealer) fingerprints() string {
	fps := make([]string, len(s.keys))
	for i, k := range s.keys {
		fps[i] = hex.EncodeToString(k.fp[:])
	}
	return strings.Join(fps, ", ")
}

// NewKeyFile returns the text of a key file holding a fresh KEK, followed by the KEKs of
// previous (when given), so that a server using it opens everything sealed before.
func NewKeyFile(previous []byte) ([]byte, error) {
	k := make([]byte, kekSize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# certsum key-encryption keys: the first seals token-signing keys, every one opens them.\n")
	b.WriteString("# Keep this file secret (mode 0600) and give every certsum server on the database the same one.\n")
	b.WriteString(keyFilePrefix + base64.StdEncoding.EncodeToString(k) + "\n")
	if previous != nil {
		keys, err := parseKeyLines(previous)
		if err != nil {
			return nil, err
		}
		for _, pk := range keys {
			b.WriteString(keyFilePrefix + base64.StdEncoding.EncodeToString(pk) + "\n")
		}
	}
	return b.Bytes(), nil
}

// ParseKeyFile returns a Sealer over the KEKs of a key file: one "certsum-kek-v1:<base64>"
// line each, the first sealing; blank lines and lines starting with '#' are ignored.
func ParseKeyFile(data []byte) (*Sealer, error) {
	keys, err := parseKeyLines(data)
	if err != nil {
		return nil, err
	}
	return NewSealer(keys...)
}

func parseKeyLines(data []byte) ([][]byte, error) {
	var keys [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		enc, ok := strings.CutPrefix(line, keyFilePrefix)
		if !ok {
			return nil, fmt.Errorf("line %d: not a %q key line", n, keyFilePrefix)
		}
		k, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(k) != kekSize {
			return nil, fmt.Errorf("line %d: the key is not %d bytes of base64", n, kekSize)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("the key file holds no key")
	}
	return keys, nil
}

package certsum

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a fresh id: 32 lowercase hex characters from a CSPRNG, the shape of
// SailPoint's ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// ValidID reports whether s has the shape of a certsum id: 32 lowercase hex characters.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

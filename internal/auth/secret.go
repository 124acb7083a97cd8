package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// secretBytes is the entropy of a client secret: 256 bits, shown as 64 hex characters, the
// shape of SailPoint's personal access token secrets.
const secretBytes = 32

// hashVersion is the first byte of every stored hash, so the scheme can change later
// without guessing what a stored value is.
const hashVersion byte = 1

// newSecret returns a fresh client secret from the CSPRNG.
func newSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// hashSecret returns what the store keeps of a client's secret: a version byte and
// SHA-256 over the client id and the secret. Secrets are 256 random bits, so a slow password
// hash would add latency to every token request without making a guess any more feasible;
// binding the client id means one client's hash never verifies another's secret.
func hashSecret(clientID, secret string) []byte {
	h := sha256.New()
	h.Write([]byte("certsum client secret\x00"))
	h.Write([]byte(clientID))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return h.Sum([]byte{hashVersion})
}

// secretMatches compares a presented secret with a stored hash in constant time.
func secretMatches(clientID, secret string, stored []byte) bool {
	return subtle.ConstantTimeCompare(hashSecret(clientID, secret), stored) == 1
}

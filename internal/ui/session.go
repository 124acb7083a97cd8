package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// A browser session: the bearer token its sign-in obtained (verified again on every request,
// so an expired or revoked token ends the session) and the CSRF token its forms carry. The
// sessions live in this process's memory: behind several replicas, a browser must keep to one
// (sticky sessions), or sign in again on another.

// session is one signed-in browser.
type session struct {
	id, csrf string
	token    string
	expires  time.Time // the token's own expiry
	lastSeen time.Time
}

// sessions holds the signed-in browsers.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	idle time.Duration
	now  func() time.Time
}

func newSessions(idle time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, idle: idle, now: now}
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("ui: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for a verified token that expires at expires.
func (s *sessions) create(token string, expires time.Time) *session {
	now := s.now()
	x := &session{id: randomToken(), csrf: randomToken(), token: token, expires: expires, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.byID { // sweep what has expired, so memory stays bounded
		if s.expired(old, now) {
			delete(s.byID, id)
		}
	}
	s.byID[x.id] = x
	return x
}

func (s *sessions) expired(x *session, now time.Time) bool {
	return !now.Before(x.expires) || now.Sub(x.lastSeen) >= s.idle
}

// get returns the live session of id and marks it seen, or nil.
func (s *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byID[id]
	if x == nil {
		return nil
	}
	if s.expired(x, now) {
		delete(s.byID, id)
		return nil
	}
	x.lastSeen = now
	return x
}

// end forgets a session.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// sameToken compares two secrets in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

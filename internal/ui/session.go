package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/certsum/certsum"
)

// A browser session: the access token its sign-in obtained (verified again on every request,
// so an expired or revoked token ends the session) and the CSRF token its forms carry. The
// sessions are kept in the database (certsum.SessionStore), so that every replica serves
// every browser; the database knows only the SHA-256 of the id in the cookie.

// session is one signed-in browser.
type session struct {
	id, csrf, token   string
	expires, lastSeen time.Time
}

// sessions keeps the sessions in the store.
type sessions struct {
	st   certsum.SessionStore
	idle time.Duration
	now  func() time.Time
}

// touchEvery is how stale a session's last use may be recorded: a page view writes only when
// the last recorded use is older, so reading pages does not write each time.
const touchEvery = time.Minute

func newSessions(st certsum.SessionStore, idle time.Duration, now func() time.Time) *sessions {
	return &sessions{st: st, idle: idle, now: now}
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("ui: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// idHash is what the store keeps of a session id.
func idHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// create starts a session for a verified token that expires at expires.
func (s *sessions) create(ctx context.Context, token string, expires time.Time) (*session, error) {
	now := s.now()
	x := &session{id: randomToken(), csrf: randomToken(), token: token, expires: expires, lastSeen: now}
	err := s.st.CreateSession(ctx, certsum.UISession{IDHash: idHash(x.id), Token: token, CSRF: x.csrf,
		Expires: certsum.NewTime(expires), LastSeen: certsum.NewTime(now)}, certsum.NewTime(now))
	if err != nil {
		return nil, err
	}
	return x, nil
}

// get returns the live session of id (nil when there is none, or it expired or idled out,
// which ends it) and records its use.
func (s *sessions) get(ctx context.Context, id string) (*session, error) {
	if id == "" {
		return nil, nil
	}
	us, err := s.st.GetSession(ctx, idHash(id))
	if certsum.ErrorCode(err) == certsum.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	x := &session{id: id, csrf: us.CSRF, token: us.Token, expires: us.Expires.Time, lastSeen: us.LastSeen.Time}
	if !now.Before(x.expires) || now.Sub(x.lastSeen) >= s.idle {
		return nil, s.st.DeleteSession(ctx, idHash(id))
	}
	if now.Sub(x.lastSeen) >= touchEvery {
		if err := s.st.TouchSession(ctx, idHash(id), certsum.NewTime(now)); err != nil {
			return nil, err
		}
		x.lastSeen = now
	}
	return x, nil
}

// end forgets a session.
func (s *sessions) end(ctx context.Context, id string) error {
	return s.st.DeleteSession(ctx, idHash(id))
}

// sameToken compares two secrets in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

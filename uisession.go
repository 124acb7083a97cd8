package certsum

import "context"

// A dashboard session (internal/ui), kept in the database so that any replica serves it.

// UISession is one signed-in browser: the access token its sign-in obtained (verified again
// on every request), the CSRF token of its forms, and its times.
type UISession struct {
	// IDHash is the SHA-256 (hex) of the session id the browser's cookie holds; the id
	// itself is never stored.
	IDHash   string
	Token    string
	CSRF     string
	Expires  Time // the token's own expiry
	LastSeen Time
}

// SessionStore keeps dashboard sessions.
type SessionStore interface {
	// CreateSession stores a new session and removes those that expired before now.
	CreateSession(ctx context.Context, s UISession, now Time) error
	// GetSession returns a session. Errors: not_found.
	GetSession(ctx context.Context, idHash string) (*UISession, error)
	// TouchSession records that a session was used at seen.
	TouchSession(ctx context.Context, idHash string, seen Time) error
	// DeleteSession removes a session (sign-out, expiry); an unknown one is no error.
	DeleteSession(ctx context.Context, idHash string) error
}

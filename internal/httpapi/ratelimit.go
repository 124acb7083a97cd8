package httpapi

import (
	"net/http"

	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/ratelimit"
)

// apiVersion is the API version the rate limit is counted per (docs/api.md).
const apiVersion = "v2024"

// rateLimitKey keys the v2024 rate limit by the verified client id and the API version, as
// SailPoint counts it (100 requests per client id per API version per 10 s by default).
//
// The limiter runs after bearer-token verification on purpose: only a verified token says
// who the client is. Keying by a client id read from an unverified token would let anyone
// exhaust another client's budget (or dodge their own by inventing ids), and keying by the
// raw token would give every fresh token a fresh budget. Requests that fail authentication
// never reach the limiter; they are cheap to reject and are limited at the token endpoint.
func rateLimitKey(r *http.Request) string {
	p, ok := auth.PrincipalFrom(r.Context())
	if !ok || p.ClientID == "" {
		return "" // not limited; unreachable behind Authenticate
	}
	return ratelimit.Key(apiVersion, p.ClientID)
}

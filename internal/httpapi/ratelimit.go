package httpapi

import (
	"net/http"
	"strings"

	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/ratelimit"
)

// rateLimitKey keys the rate limit by the verified client id and the API version of the
// path, as SailPoint counts it: 100 requests per client id per API version per 10 s by
// default, each version counted separately (docs/api.md). A generation is a version: a
// client calling /v3 and /v2024 has a budget on each; the service-versioned paths
// (/certifications/v1, /campaigns/v1, …) are version v1 together, and certsum's own
// /certsum/v1 routes another.
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
	return ratelimit.Key(apiVersion(r.URL.Path), p.ClientID)
}

// apiVersion is the API version a path belongs to, for the rate limit: its generation's
// name, "certsum" for the administration routes.
func apiVersion(path string) string {
	first, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if first == "certsum" {
		return "certsum"
	}
	for i := range generations {
		// root is "/"+name; compared without building a string per request.
		if g := &generations[i]; g.root != "" && g.root[1:] == first {
			return g.name
		}
	}
	if second, _, _ := strings.Cut(rest, "/"); second == "v1" {
		return "v1"
	}
	return "other"
}

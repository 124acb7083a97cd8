package httpapi

import (
	"net/http"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// requireScope is the per-route authorization gate that runs after bearer-token
// verification: the token must carry a user context (every v2024 operation uses the spec's
// userAuth scheme, so a token of an API client without an identity gets 403, as AUTHN
// documents) and at least one of the route's scopes (Principal.HasScope applies "manage
// implies read" and sp:scopes:all). Per-certification rules come later, in the handlers.
func requireScope(ew *errorWriter, scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := auth.PrincipalFrom(r.Context())
			if !ok {
				ew.write(w, r, certsum.Errorf(certsum.CodeUnauthenticated, "JWT validation failed: no bearer token"))
				return
			}
			noteClient(r.Context(), p.ClientID)
			if !p.HasUser() {
				ew.write(w, r, certsum.Errorf(certsum.CodeForbidden,
					"this operation needs a token with user context (a personal access token); client %s has none", p.ClientID))
				return
			}
			if !p.HasScope(scopes...) {
				ew.write(w, r, certsum.Errorf(certsum.CodeForbidden,
					"the token lacks the scope this operation needs: one of %s", strings.Join(scopes, ", ")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

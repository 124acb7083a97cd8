package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// requireAccess is the per-route authorization gate that runs after bearer-token
// verification: the token must carry a user context (every v2024 operation uses the spec's
// userAuth scheme, so a token of an API client without an identity gets 403, as AUTHN
// documents), at least one of the route's scopes when it names any (Principal.HasScope
// applies "manage implies read" and sp:scopes:all), and at least one of the route's user
// levels when it names any (the spec's x-sailpoint-userLevels, certsum's admin routes).
// Per-certification rules come later, in the handlers.
func requireAccess(ew *errorWriter, scopes, levels []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := auth.PrincipalFrom(r.Context())
			if !ok {
				ew.write(w, r, certsum.Errorf(certsum.CodeUnauthenticated, "JWT validation failed: no bearer token"))
				return
			}
			noteClient(r.Context(), p.ClientID)
			switch {
			case !p.HasUser():
				ew.write(w, r, certsum.Errorf(certsum.CodeForbidden,
					"this operation needs a token with user context (a personal access token); client %s has none", p.ClientID))
			case len(scopes) > 0 && !p.HasScope(scopes...):
				ew.write(w, r, certsum.Errorf(certsum.CodeForbidden,
					"the token lacks the scope this operation needs: one of %s", strings.Join(scopes, ", ")))
			case len(levels) > 0 && !slices.ContainsFunc(levels, func(l string) bool { return slices.Contains(p.Levels, l) }):
				ew.write(w, r, certsum.Errorf(certsum.CodeForbidden,
					"identity %s lacks the level this operation needs: one of %s", p.IdentityID, strings.Join(levels, ", ")))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

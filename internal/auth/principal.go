package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// Principal is the verified caller of a request, taken from its access token.
type Principal struct {
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// IdentityID is the identity a personal access token acts for; empty for API clients,
	// which have no user context.
	IdentityID string
	// TokenID is the token's jti.
	TokenID string
	// Levels are the user levels (authorities), e.g. ORG_ADMIN.
	Levels []string
	// Scopes are the scopes the token grants.
	Scopes []string
	// Expires is when the token stops being accepted (before leeway).
	Expires time.Time
}

type principalKey struct{}

// WithPrincipal returns a copy of ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal Authenticate put in ctx, and false when there is none.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// HasScope reports whether the token grants any one of the listed scopes, with SailPoint's
// implications: "X:manage" grants "X:read"; sp:scopes:all grants everything; the legacy pair
// "read" and "write" together count as sp:scopes:all; and sp:scopes:default, the minimal
// scope, is granted to every token. With no scopes listed it returns false. A nil principal
// has no scopes.
func (p *Principal) HasScope(anyOf ...string) bool {
	if p == nil {
		return false
	}
	for _, want := range anyOf {
		if scopeGranted(p.Scopes, want) {
			return true
		}
	}
	return false
}

// scopeGranted reports whether the granted set implies want.
func scopeGranted(granted []string, want string) bool {
	if want == "" {
		return false
	}
	if want == certsum.ScopeDefault || slices.Contains(granted, want) || grantsAll(granted) {
		return true
	}
	if base, ok := strings.CutSuffix(want, ":read"); ok && base != "" {
		return slices.Contains(granted, base+":manage")
	}
	return false
}

// grantsAll reports whether the set is sp:scopes:all or its legacy spelling "read write".
func grantsAll(granted []string) bool {
	return slices.Contains(granted, certsum.ScopeAll) ||
		slices.Contains(granted, legacyRead) && slices.Contains(granted, legacyWrite)
}

// The legacy scope pair that SailPoint's own tokens carried; together they mean sp:scopes:all.
const (
	legacyRead  = "read"
	legacyWrite = "write"
)

// HasUser reports whether the token acts for an identity (a personal access token), which
// every v2024 certification operation requires.
func (p *Principal) HasUser() bool { return p != nil && p.IdentityID != "" }

// IsAdmin reports whether the caller is a user with the ORG_ADMIN or CERT_ADMIN level, the
// levels that see and act on every certification. Tokens without user context are never
// admins.
func (p *Principal) IsAdmin() bool {
	return p.HasUser() && (slices.Contains(p.Levels, certsum.LevelOrgAdmin) || slices.Contains(p.Levels, certsum.LevelCertAdmin))
}

// MayActOnCertification applies the per-certification rule (docs/api.md, "Who sees what"):
// an unknown certification is not_found for everyone; ORG_ADMIN and CERT_ADMIN may act on any
// certification; anyone else must be its reviewer (the identity, or a member of the reviewing
// governance group), else forbidden. The API's certification routes and the dashboard's
// certification pages both apply it.
func MayActOnCertification(ctx context.Context, st certsum.CertificationStore, p *Principal, certID string) error {
	if !p.IsAdmin() {
		// IsReviewer answers not_found for an unknown certification, which keeps 404 first.
		ok, err := st.IsReviewer(ctx, certID, p.IdentityID)
		if err != nil {
			return err
		}
		if !ok {
			return certsum.Errorf(certsum.CodeForbidden,
				"identity %s neither administers certifications nor reviews certification %s", p.IdentityID, certID)
		}
		return nil
	}
	// Admins skip the reviewer check, but the certification must still exist. The version
	// is the cheapest existence probe a store offers.
	_, err := st.CertificationVersion(ctx, certID)
	return err
}

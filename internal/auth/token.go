package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/certsum/certsum"
)

// claims is the payload of a certsum access token (docs/api.md).
type claims struct {
	IdentityID  string   `json:"identity_id,omitempty"`
	UserName    string   `json:"user_name,omitempty"`
	Authorities []string `json:"authorities"`
	Scope       []string `json:"scope"`
	ClientID    string   `json:"client_id"`
	TenantID    string   `json:"tenant_id"`
	jwt.RegisteredClaims
}

// TokenResponse is the body of a successful POST /oauth/token: the RFC 6749 fields plus the
// ones SailPoint returns and its Go SDK decodes. The user fields are set only for personal
// access tokens.
type TokenResponse struct {
	AccessToken         string `json:"access_token"`
	TokenType           string `json:"token_type"`
	ExpiresIn           int64  `json:"expires_in"`
	Scope               string `json:"scope"`
	TenantID            string `json:"tenant_id"`
	Pod                 string `json:"pod"`
	StrongAuthSupported bool   `json:"strong_auth_supported"`
	Org                 string `json:"org"`
	IdentityID          string `json:"identity_id,omitempty"`
	UserName            string `json:"user_name,omitempty"`
	UserID              string `json:"user_id,omitempty"`
	StrongAuth          bool   `json:"strong_auth"`
	JTI                 string `json:"jti"`
	Internal            bool   `json:"internal"`
	AccessType          string `json:"accessType"`
	Enabled             bool   `json:"enabled"`
}

// pod names the deployment in token responses, where SailPoint names its data centre pod.
const pod = "certsum"

// errInvalidClient is the one answer to an unknown client and a wrong secret alike, so the
// response does not tell which client ids exist.
func errInvalidClient() error {
	return certsum.Errorf(certsum.CodeUnauthenticated, "client authentication failed")
}

// dummyHash is compared against when the client does not exist, so an unknown client id
// costs the same time as a wrong secret.
var dummyHash = hashSecret("", "")

// Issue authenticates a client by id and secret and returns a signed access token with its
// token-endpoint response. scopes are the requested scopes (nil for all the client has);
// the token grants those the client's registered scopes imply. Errors: unauthenticated
// (unknown client or wrong secret), invalid with Field "scope" (nothing requested is
// granted, or a malformed scope), unavailable or internal (store).
func (s *Service) Issue(ctx context.Context, clientID, secret string, scopes []string) (string, *TokenResponse, error) {
	c, err := s.store.GetClient(ctx, clientID)
	if err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			secretMatches("", secret, dummyHash)
			return "", nil, errInvalidClient()
		}
		return "", nil, fmt.Errorf("look up client: %w", err)
	}
	if !secretMatches(c.ID, secret, c.SecretHash) {
		return "", nil, errInvalidClient()
	}
	granted, err := grantScopes(c.Scopes, scopes)
	if err != nil {
		return "", nil, err
	}
	var user *certsum.Identity
	if c.IdentityID != "" {
		user, err = s.store.FindIdentity(ctx, c.IdentityID)
		if err != nil || user.ID != c.IdentityID {
			if err == nil || certsum.ErrorCode(err) == certsum.CodeNotFound {
				// The store removes a client with its identity; this is a race with that.
				return "", nil, errInvalidClient()
			}
			return "", nil, fmt.Errorf("look up the client's identity: %w", err)
		}
	}
	key, err := s.keys.signingKey(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("signing key: %w", err)
	}
	now := s.now()
	exp := now.Add(s.ttl)
	levels := c.Levels
	if levels == nil {
		levels = []string{}
	}
	cl := claims{
		Authorities: levels,
		Scope:       granted,
		ClientID:    c.ID,
		TenantID:    s.tenantID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        certsum.NewID(),
		},
	}
	if user != nil {
		cl.IdentityID, cl.UserName = user.ID, user.Name
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, cl)
	tok.Header["kid"] = key.kid
	signed, err := tok.SignedString(key.priv)
	if err != nil {
		return "", nil, fmt.Errorf("sign token: %w", err)
	}
	resp := &TokenResponse{
		AccessToken: signed, TokenType: "bearer", ExpiresIn: int64(s.ttl / time.Second),
		Scope: strings.Join(granted, " "), TenantID: s.tenantID, Pod: pod, Org: s.tenantID,
		JTI: cl.ID, AccessType: "OFFLINE", Enabled: true,
	}
	if user != nil {
		resp.IdentityID, resp.UserName, resp.UserID = user.ID, user.Name, user.ID
	}
	s.logger.Debug("token issued", "client_id", c.ID, "identity_id", c.IdentityID, "jti", cl.ID, "scope", resp.Scope)
	return signed, resp, nil
}

// grantScopes returns the requested scopes the registered ones imply (all registered ones
// when nothing is requested), in request order without duplicates. "sp:scope:all", the
// spelling in SailPoint's own curl example, is read as sp:scopes:all.
func grantScopes(registered, requested []string) ([]string, error) {
	if len(requested) == 0 {
		out := slices.Clone(registered)
		if out == nil {
			out = []string{}
		}
		return out, nil
	}
	out := make([]string, 0, len(requested))
	for _, r := range requested {
		if r == "sp:scope:all" {
			r = certsum.ScopeAll
		}
		if err := checkScope(r); err != nil {
			return nil, err
		}
		if scopeGranted(registered, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, &certsum.Error{Code: certsum.CodeInvalid, Field: "scope",
			Message: fmt.Sprintf("none of the requested scopes (%s) is granted to this client", strings.Join(requested, " "))}
	}
	return out, nil
}

// checkScope reports a scope string that cannot be one: empty, too long, or with characters
// outside letters, digits and ":._*-".
func checkScope(s string) error {
	ok := s != "" && len(s) <= 128
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":._*-", c) >= 0
	}
	if !ok {
		return &certsum.Error{Code: certsum.CodeInvalid, Field: "scope", Message: fmt.Sprintf("%q is not a valid scope", s)}
	}
	return nil
}

// Reasons a token is refused; each becomes the 401 body's error text after the prefix
// "JWT validation failed: ".
const (
	reasonMissing    = "no bearer token in the Authorization header"
	reasonScheme     = "the Authorization header does not use the Bearer scheme"
	reasonMalformed  = "JWT is malformed"
	reasonAlgorithm  = "JWT signing algorithm is not allowed (only ES256 is)"
	reasonUnknownKey = "JWT signing key is unknown"
	reasonKeyExpired = "JWT signing key has expired"
	reasonSignature  = "JWT signature is invalid"
	reasonExpired    = "JWT is expired"
	reasonNotYet     = "JWT is not valid yet"
	reasonIssuedAt   = "JWT is issued in the future"
	reasonIssuer     = "JWT issuer is not accepted"
	reasonAudience   = "JWT audience is not accepted"
	reasonClaims     = "JWT claims are incomplete"
	reasonRevoked    = "the client of this JWT no longer exists"
)

// unauthenticated returns the error Verify reports for a refused token.
func unauthenticated(reason string) error {
	return certsum.Errorf(certsum.CodeUnauthenticated, "JWT validation failed: %s", reason)
}

// Verify checks an access token (signature with a pinned algorithm and a known key, issuer,
// audience, expiry, not-before and issued-at with Leeway, the claims certsum needs, and that
// its client still exists) and returns its principal. A token that passed is remembered
// until it (or its key) expires, so repeat uses skip the signature check but not the
// revocation check. Errors: unauthenticated with a message that says why, or
// unavailable/internal when the store cannot be read.
func (s *Service) Verify(ctx context.Context, token string) (*Principal, error) {
	sum := sha256.Sum256([]byte(token))
	p, ok := s.verified.get(sum, s.now())
	if !ok {
		var until time.Time
		var err error
		if p, until, err = s.verifyJWT(ctx, token); err != nil {
			return nil, err
		}
		s.verified.put(sum, p, until)
	}
	exists, err := s.clients.exists(ctx, p.ClientID)
	if err != nil {
		// The signature proves the token; only revocation cannot be checked right now.
		s.logger.Warn("cannot check whether a token's client still exists; accepting the token", "client_id", p.ClientID, "err", err)
	} else if !exists {
		return nil, unauthenticated(reasonRevoked)
	}
	return p.clone(), nil
}

// verifyJWT does the cryptographic and claim checks of Verify and returns the principal with
// the instant until which the result may be reused: the token's expiry or its key's
// NotAfter, whichever is first, plus leeway.
func (s *Service) verifyJWT(ctx context.Context, token string) (*Principal, time.Time, error) {
	var storeErr error
	var keyNotAfter time.Time
	keyFunc := func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodES256 {
			return nil, errWrongAlgorithm
		}
		kid, _ := t.Header["kid"].(string)
		pub, notAfter, err := s.keys.verificationKey(ctx, kid, Leeway)
		if err != nil && !errors.Is(err, errUnknownKey) && !errors.Is(err, errKeyExpired) {
			storeErr = err
		}
		keyNotAfter = notAfter
		return pub, err
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{algorithm}),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(s.now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	)
	var cl claims
	tok, err := parser.ParseWithClaims(token, &cl, keyFunc)
	if storeErr != nil {
		return nil, time.Time{}, fmt.Errorf("verify token: %w", storeErr)
	}
	if err != nil {
		return nil, time.Time{}, unauthenticated(refusalReason(tok, err))
	}
	if cl.ClientID == "" || cl.ID == "" || cl.Scope == nil || cl.ExpiresAt == nil {
		return nil, time.Time{}, unauthenticated(reasonClaims)
	}
	levels := cl.Authorities
	if levels == nil {
		levels = []string{}
	}
	until := cl.ExpiresAt.Time
	if !keyNotAfter.IsZero() && keyNotAfter.Before(until) {
		until = keyNotAfter
	}
	return &Principal{
		ClientID: cl.ClientID, IdentityID: cl.IdentityID, TokenID: cl.ID,
		Levels: levels, Scopes: cl.Scope, Expires: cl.ExpiresAt.Time,
	}, until.Add(Leeway), nil
}

// clone returns a copy that shares nothing with p, so a handler cannot change a cached
// principal.
func (p *Principal) clone() *Principal {
	c := *p
	c.Levels = slices.Clone(p.Levels)
	c.Scopes = slices.Clone(p.Scopes)
	return &c
}

// maxVerifiedTokens bounds the cache of verified tokens.
const maxVerifiedTokens = 10_000

// verifiedCache remembers tokens that passed the signature and claim checks, keyed by their
// SHA-256, until they expire (or their key does). Both SDKs use one token for the life of
// the process, so nearly every request skips the ECDSA verification. Revocation is still
// checked per request.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedEntry
}

type verifiedEntry struct {
	p     *Principal
	until time.Time
}

// get returns the cached principal of a token that is still within its validity at now.
func (c *verifiedCache) get(sum [sha256.Size]byte, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sum]
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) {
		delete(c.m, sum) // verify again, so the caller hears exactly why it is refused
		return nil, false
	}
	return e.p, true
}

// put caches a verified principal until the given instant; when the cache is full it starts
// over, which bounds memory without bookkeeping.
func (c *verifiedCache) put(sum [sha256.Size]byte, p *Principal, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerifiedTokens {
		c.m = make(map[[sha256.Size]byte]verifiedEntry)
	}
	c.m[sum] = verifiedEntry{p: p, until: until}
}

// errWrongAlgorithm is the key function's refusal of any algorithm but ES256.
var errWrongAlgorithm = errors.New("signing algorithm not allowed")

// refusalReason turns a jwt parse error into the reason a client is told.
func refusalReason(tok *jwt.Token, err error) string {
	if tok != nil {
		if alg, _ := tok.Header["alg"].(string); alg != "" && alg != algorithm {
			return reasonAlgorithm
		}
	}
	switch {
	case errors.Is(err, errWrongAlgorithm):
		return reasonAlgorithm
	case errors.Is(err, errUnknownKey):
		return reasonUnknownKey
	case errors.Is(err, errKeyExpired):
		return reasonKeyExpired
	case errors.Is(err, jwt.ErrTokenMalformed):
		return reasonMalformed
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// An alg header that names no known method, or none at all.
		return reasonAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return reasonSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return reasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reasonNotYet
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return reasonIssuedAt
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return reasonIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return reasonAudience
	default:
		return reasonClaims
	}
}

// Revocation check timings: how long a client's existence is cached, and how many clients
// the cache holds before it starts over.
const (
	clientCheckTTL   = 30 * time.Second
	maxCachedClients = 10_000
)

// clientCache remembers for clientCheckTTL whether a token's client still exists, so that
// deleting a client revokes its tokens within that time without a store read per request.
type clientCache struct {
	store certsum.ClientStore
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]clientEntry
}

type clientEntry struct {
	exists  bool
	checked time.Time
}

func newClientCache(store certsum.ClientStore, now func() time.Time) *clientCache {
	return &clientCache{store: store, now: now, entries: map[string]clientEntry{}}
}

// exists reports whether the client is still registered.
func (c *clientCache) exists(ctx context.Context, id string) (bool, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Sub(e.checked) < clientCheckTTL && !now.Before(e.checked) {
		return e.exists, nil
	}
	_, err := c.store.GetClient(ctx, id)
	switch certsum.ErrorCode(err) {
	case "":
		e = clientEntry{exists: true, checked: now}
	case certsum.CodeNotFound:
		e = clientEntry{exists: false, checked: now}
	default:
		return false, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedClients {
		c.entries = make(map[string]clientEntry)
	}
	c.entries[id] = e
	c.mu.Unlock()
	return e.exists, nil
}

// forget drops a client from the cache, so that a deletion through this Service takes
// effect at once.
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

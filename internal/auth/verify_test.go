package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/certsum/certsum"
)

// verifyFixture is a service with one personal access token client and one issued token.
type verifyFixture struct {
	clock  *fakeClock
	store  *memStore
	s      *Service
	client *certsum.OAuthClient
	secret string
	token  string
	kid    string
	priv   *ecdsa.PrivateKey
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	f := &verifyFixture{clock: &fakeClock{t: t0}, store: newMemStore(alice, bob)}
	f.s = mustService(t, f.store, f.clock, func(o *Options) { o.TokenTTL = time.Hour })
	f.client, f.secret = mustClient(t, f.s, ClientSpec{Identity: bob.ID, Levels: []string{"ORG_ADMIN"}})
	f.token, _ = mustIssue(t, f.s, f.client.ID, f.secret)
	kid, err := f.s.EnsureSigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.kid = kid
	f.priv = mustSigningKey(t, f.store, kid)
	return f
}

// claims returns the claims of a genuine token of the fixture's client at the clock's time.
func (f *verifyFixture) claims() jwt.MapClaims {
	now := f.clock.Now()
	return jwt.MapClaims{
		"identity_id": bob.ID, "user_name": bob.Name, "authorities": []string{"ORG_ADMIN"},
		"scope": []string{"sp:scopes:all"}, "client_id": f.client.ID, "tenant_id": "tenant-1",
		"iss": testIssuer, "aud": []string{testIssuer}, "exp": now.Add(time.Hour).Unix(),
		"nbf": now.Unix(), "iat": now.Unix(), "jti": certsum.NewID(),
	}
}

// sign signs claims with method and key, naming kid when it is not empty.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

func mustECKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAuthenticateRefusesBadTokens(t *testing.T) {
	f := newVerifyFixture(t)
	other := mustECKey(t, elliptic.P256())
	otherKid, _ := thumbprint(&other.PublicKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.priv.PublicKey)
	p384 := mustECKey(t, elliptic.P384())

	parts := strings.Split(f.token, ".")
	var payload map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &payload)
	payload["authorities"] = []string{"ORG_ADMIN", "CERT_ADMIN"}
	tampered, _ := json.Marshal(payload)
	tamperedToken := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2]

	with := func(mutate func(jwt.MapClaims)) jwt.MapClaims {
		c := f.claims()
		mutate(c)
		return c
	}
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, f.kid, f.claims())

	cases := []struct {
		name   string
		header string
		setup  func()
		reason string
	}{
		{"a missing Authorization header", "", nil, reasonMissing},
		{"a Basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), nil, reasonScheme},
		{"a token without a scheme", f.token, nil, reasonScheme},
		{"the Bearer scheme without a token", "Bearer ", nil, reasonMissing},
		{"garbage", "Bearer garbage", nil, reasonMalformed},
		{"segments that are not base64", "Bearer !!!.@@@.###", nil, reasonMalformed},
		{"a header that is not JSON", "Bearer " + base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2], nil, reasonMalformed},
		{"a signature by another key under the right kid", "Bearer " + sign(t, jwt.SigningMethodES256, other, f.kid, f.claims()), nil, reasonSignature},
		{"a tampered payload", "Bearer " + tamperedToken, nil, reasonSignature},
		// One character off an ES256 signature (86 base64url characters) leaves a length no
		// base64 text has; four off would leave a valid length whose last character's spare
		// bits are zero once in 16 tokens, and so sometimes a well-formed wrong signature.
		{"a truncated signature", "Bearer " + f.token[:len(f.token)-1], nil, reasonMalformed},
		{"an unknown kid", "Bearer " + sign(t, jwt.SigningMethodES256, other, otherKid, f.claims()), nil, reasonUnknownKey},
		{"a kid that cannot be certsum's", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, "key-1", f.claims()), nil, reasonUnknownKey},
		{"no kid", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, "", f.claims()), nil, reasonUnknownKey},
		{"alg none", "Bearer " + none, nil, reasonAlgorithm},
		{"HS256 with the public key as the secret", "Bearer " + sign(t, jwt.SigningMethodHS256, pubDER, f.kid, f.claims()), nil, reasonAlgorithm},
		{"ES384", "Bearer " + sign(t, jwt.SigningMethodES384, p384, f.kid, f.claims()), nil, reasonAlgorithm},
		{"a made-up alg", "Bearer " + base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"XX256","kid":"`+f.kid+`"}`)) + "." + parts[1] + "." + parts[2], nil, reasonAlgorithm},
		{"a wrong issuer", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { c["iss"] = "http://elsewhere" })), nil, reasonIssuer},
		{"no issuer", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { delete(c, "iss") })), nil, reasonClaims},
		{"a wrong audience", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { c["aud"] = []string{"http://elsewhere"} })), nil, reasonAudience},
		{"an expired token", "Bearer " + f.token, func() { f.clock.Set(t0.Add(time.Hour + Leeway + time.Second)) }, reasonExpired},
		{"a token not valid yet", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { c["nbf"] = t0.Add(5 * time.Minute).Unix() })), nil, reasonNotYet},
		{"a token issued in the future", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) {
			c["iat"] = t0.Add(5 * time.Minute).Unix()
			delete(c, "nbf")
		})), nil, reasonIssuedAt},
		{"no expiry", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { delete(c, "exp") })), nil, reasonClaims},
		{"no client id", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { delete(c, "client_id") })), nil, reasonClaims},
		{"no jti", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { delete(c, "jti") })), nil, reasonClaims},
		{"a scope that is a string, not an array", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { c["scope"] = "sp:scopes:all" })), nil, reasonMalformed},
		{"a client that no longer exists", "Bearer " + sign(t, jwt.SigningMethodES256, f.priv, f.kid, with(func(c jwt.MapClaims) { c["client_id"] = certsum.NewID() })), nil, reasonRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.clock.Set(t0)
			if tc.setup != nil {
				tc.setup()
			}
			w, h := callProtected(t, f.s, tc.header)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", w.Code, w.Body)
			}
			if h.called != 0 {
				t.Error("the protected handler ran")
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
			}
			m := decodeObject(t, w.Body.Bytes())
			if want := "JWT validation failed: " + tc.reason; m["error"] != want || len(m) != 1 {
				t.Errorf("body = %s, want {\"error\":%q}", w.Body, want)
			}
		})
	}
}

func TestAuthenticateRefusesTwoAuthorizationHeaders(t *testing.T) {
	f := newVerifyFixture(t)
	r := httptest.NewRequest(http.MethodGet, "/v2024/certifications", nil)
	r.Header.Add("Authorization", "Bearer "+f.token)
	r.Header.Add("Authorization", "Bearer "+f.token)
	w := httptest.NewRecorder()
	f.s.Authenticate(&protected{}).ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", w.Code)
	}
}

func TestAuthenticateAcceptsAGoodTokenWithAnyCaseOfBearer(t *testing.T) {
	f := newVerifyFixture(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		t.Run(scheme, func(t *testing.T) {
			w, h := callProtected(t, f.s, scheme+" "+f.token)
			if w.Code != http.StatusNoContent || h.called != 1 {
				t.Fatalf("status %d (handler called %d times); body %s", w.Code, h.called, w.Body)
			}
			p := h.p
			if p == nil {
				t.Fatal("no principal in the request context")
			}
			if p.ClientID != f.client.ID || p.IdentityID != bob.ID || p.TokenID == "" ||
				!p.IsAdmin() || !p.HasScope(certsum.ScopeCampaignManage) || !p.Expires.Equal(t0.Add(time.Hour)) {
				t.Errorf("principal = %+v", p)
			}
		})
	}
	// Within the leeway after expiry the token is still accepted.
	f.clock.Set(t0.Add(time.Hour + Leeway - time.Second))
	if w, _ := callProtected(t, f.s, "Bearer "+f.token); w.Code != http.StatusNoContent {
		t.Errorf("token %v past expiry (within leeway): status %d", Leeway-time.Second, w.Code)
	}
}

func TestDeletingAClientRevokesItsTokens(t *testing.T) {
	f := newVerifyFixture(t)
	other := mustService(t, f.store, f.clock) // another replica
	if w, _ := callProtected(t, other, "Bearer "+f.token); w.Code != http.StatusNoContent {
		t.Fatalf("before deletion: status %d", w.Code)
	}
	if err := f.s.DeleteClient(context.Background(), f.client.ID); err != nil {
		t.Fatal(err)
	}
	w, _ := callProtected(t, f.s, "Bearer "+f.token)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), reasonRevoked) {
		t.Fatalf("on the deleting replica: status %d body %s, want 401 at once", w.Code, w.Body)
	}
	// The other replica has the client cached as present until the check expires.
	f.clock.Add(clientCheckTTL)
	w, _ = callProtected(t, other, "Bearer "+f.token)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), reasonRevoked) {
		t.Fatalf("on another replica after %v: status %d body %s, want 401", clientCheckTTL, w.Code, w.Body)
	}
	if _, _, err := f.s.Issue(context.Background(), f.client.ID, f.secret, nil); certsum.ErrorCode(err) != certsum.CodeUnauthenticated {
		t.Errorf("issuing for a deleted client: %v, want unauthenticated", err)
	}
}

// brokenStore is a store whose key and client reads fail, as when the database is down.
type brokenStore struct {
	*memStore
	keysDown, clientsDown bool
}

var errDown = errors.New("database is down")

func (b *brokenStore) ListSigningKeys(ctx context.Context) ([]certsum.SigningKey, error) {
	if b.keysDown {
		return nil, errDown
	}
	return b.memStore.ListSigningKeys(ctx)
}

func (b *brokenStore) GetClient(ctx context.Context, id string) (*certsum.OAuthClient, error) {
	if b.clientsDown {
		return nil, errDown
	}
	return b.memStore.GetClient(ctx, id)
}

func TestAuthenticateWhenTheStoreIsDown(t *testing.T) {
	f := newVerifyFixture(t)
	t.Run("keys unreadable and none cached answers 503, not 401", func(t *testing.T) {
		s := mustService(t, &brokenStore{memStore: f.store, keysDown: true}, f.clock)
		w, h := callProtected(t, s, "Bearer "+f.token)
		if w.Code != http.StatusServiceUnavailable || h.called != 0 {
			t.Fatalf("status %d, want 503", w.Code)
		}
		if w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", w.Header().Get("Content-Type"))
		}
		decodeObject(t, w.Body.Bytes())
	})
	t.Run("keys cached keep verifying while a refresh fails", func(t *testing.T) {
		b := &brokenStore{memStore: f.store}
		s := mustService(t, b, f.clock)
		if w, _ := callProtected(t, s, "Bearer "+f.token); w.Code != http.StatusNoContent {
			t.Fatalf("warm-up: status %d", w.Code)
		}
		b.keysDown = true
		f.clock.Add(keyRefresh + time.Second)
		if w, _ := callProtected(t, s, "Bearer "+f.token); w.Code != http.StatusNoContent {
			t.Errorf("with a stale cache and the store down: status %d, want 204", w.Code)
		}
		f.clock.Set(t0)
	})
	t.Run("an unreadable client is not taken as revoked", func(t *testing.T) {
		s := mustService(t, &brokenStore{memStore: f.store, clientsDown: true}, f.clock)
		if w, _ := callProtected(t, s, "Bearer "+f.token); w.Code != http.StatusNoContent {
			t.Errorf("status %d, want 204", w.Code)
		}
	})
}

func TestVerifiedTokensAreCachedOnlyWhileValid(t *testing.T) {
	f := newVerifyFixture(t)
	ctx := context.Background()
	p, err := f.s.Verify(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	p.Scopes[0], p.Levels = "tampered", nil
	again, err := f.s.Verify(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	if again.Scopes[0] != "sp:scopes:all" || len(again.Levels) != 1 {
		t.Errorf("a caller's change to its principal leaked into the cache: %+v", again)
	}
	f.clock.Set(t0.Add(time.Hour + Leeway))
	if _, err := f.s.Verify(ctx, f.token); err == nil || !strings.Contains(err.Error(), reasonExpired) {
		t.Errorf("a cached token past its expiry: %v, want %q", err, reasonExpired)
	}
}

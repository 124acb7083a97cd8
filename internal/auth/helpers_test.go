package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// fakeClock is the injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// t0 is the start of every test's clock.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// The identities of the test inventory.
var (
	alice = certsum.Identity{ID: "a11ce000000000000000000000000001", Name: "Alice Reviewer", Email: "alice@example.com"}
	bob   = certsum.Identity{ID: "b0b00000000000000000000000000002", Name: "Bob Admin"}
)

const testIssuer = "http://certsum.test"

// mustService returns a Service over store with the test issuer and clock.
// testSealer is the one key-encryption key of this package's tests, so that several
// Services on one store open each other's keys, as replicas sharing a key file do.
var testSealer = EphemeralSealer()

func mustService(t testing.TB, store Store, clock *fakeClock, mutate ...func(*Options)) *Service {
	t.Helper()
	o := Options{Store: store, Issuer: testIssuer, Now: clock.Now, TenantID: "tenant-1", Sealer: testSealer}
	for _, m := range mutate {
		m(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	return s
}

// mustClient registers a client and returns it with its secret.
func mustClient(t testing.TB, s *Service, spec ClientSpec) (*certsum.OAuthClient, string) {
	t.Helper()
	c, secret, err := s.CreateClient(context.Background(), spec)
	if err != nil {
		t.Fatalf("CreateClient(%+v): %v", spec, err)
	}
	return c, secret
}

// mustIssue issues a token for a client.
func mustIssue(t testing.TB, s *Service, id, secret string, scopes ...string) (string, *TokenResponse) {
	t.Helper()
	tok, resp, err := s.Issue(context.Background(), id, secret, scopes)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok, resp
}

// mustSigningKey returns the stored private key with this kid.
func mustSigningKey(t testing.TB, store *memStore, kid string) *ecdsa.PrivateKey {
	t.Helper()
	keys, _ := store.ListSigningKeys(context.Background())
	for _, k := range keys {
		if k.ID == kid {
			der, err := testSealer.Open(k.ID, k.PrivateKey)
			if err != nil {
				t.Fatal(err)
			}
			priv, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				t.Fatal(err)
			}
			return priv.(*ecdsa.PrivateKey)
		}
	}
	t.Fatalf("no signing key %s in the store", kid)
	return nil
}

// protected is a handler behind Authenticate that records the principal it saw.
type protected struct {
	mu     sync.Mutex
	called int
	p      *Principal
}

func (h *protected) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	h.mu.Lock()
	h.called++
	h.p = p
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// callProtected sends one request with the given Authorization header (none when empty)
// through Authenticate.
func callProtected(t testing.TB, s *Service, authorization string) (*httptest.ResponseRecorder, *protected) {
	t.Helper()
	h := &protected{}
	r := httptest.NewRequest(http.MethodGet, "/v2024/certifications", nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	s.Authenticate(h).ServeHTTP(w, r)
	return w, h
}

// decodeObject decodes a JSON object body, failing the test on anything else.
func decodeObject(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

// jwtCurve is the curve of ES256.
func jwtCurve() elliptic.Curve { return elliptic.P256() }

// sha256b64 is the unpadded base64url SHA-256 of s.
func sha256b64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newFormRequest is a POST /oauth/token with form as an urlencoded body.
func newFormRequest(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

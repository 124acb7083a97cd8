package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkAuthenticate measures one request through the bearer middleware with a cached
// key and client check: the per-request cost of authentication.
func BenchmarkAuthenticate(b *testing.B) {
	clock := &fakeClock{t: t0}
	s := mustService(b, newMemStore(alice), clock)
	c, secret := mustClient(b, s, ClientSpec{Identity: alice.ID})
	tok, _ := mustIssue(b, s, c.ID, secret)
	h := s.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/v2024/certifications", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkTokenEndpoint measures one POST /oauth/token with a form body.
func BenchmarkTokenEndpoint(b *testing.B) {
	clock := &fakeClock{t: t0}
	s := mustService(b, newMemStore(alice), clock)
	c, secret := mustClient(b, s, ClientSpec{Identity: alice.ID})
	if _, err := s.EnsureSigningKey(context.Background()); err != nil {
		b.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}
	h := s.TokenHandler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, newFormRequest(form))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkVerifySignature measures the full signature and claim check that a token's
// first use pays (later uses hit the verified-token cache).
func BenchmarkVerifySignature(b *testing.B) {
	clock := &fakeClock{t: t0}
	s := mustService(b, newMemStore(alice), clock)
	c, secret := mustClient(b, s, ClientSpec{Identity: alice.ID})
	tok, _ := mustIssue(b, s, c.ID, secret)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.verifyJWT(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/ratelimit"
)

// tokenRequestSpec describes one request to the token endpoint.
type tokenRequestSpec struct {
	method string
	query  url.Values
	form   url.Values // sent urlencoded
	multi  url.Values // sent multipart
	basic  *[2]string
	raw    string // a raw urlencoded body, when set
	addr   string // the remote address (host:port); httptest's default when empty
}

func postToken(t testing.TB, s *Service, spec tokenRequestSpec) *httptest.ResponseRecorder {
	t.Helper()
	target := "/oauth/token"
	if spec.query != nil {
		target += "?" + spec.query.Encode()
	}
	method := spec.method
	if method == "" {
		method = http.MethodPost
	}
	var body bytes.Buffer
	contentType := ""
	switch {
	case spec.raw != "":
		body.WriteString(spec.raw)
		contentType = "application/x-www-form-urlencoded"
	case spec.form != nil:
		body.WriteString(spec.form.Encode())
		contentType = "application/x-www-form-urlencoded"
	case spec.multi != nil:
		mw := multipart.NewWriter(&body)
		for k, vs := range spec.multi {
			for _, v := range vs {
				_ = mw.WriteField(k, v)
			}
		}
		_ = mw.Close()
		contentType = mw.FormDataContentType()
	}
	r := httptest.NewRequest(method, target, &body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if spec.basic != nil {
		r.SetBasicAuth(url.QueryEscape(spec.basic[0]), url.QueryEscape(spec.basic[1]))
	}
	if spec.addr != "" {
		r.RemoteAddr = spec.addr
	}
	w := httptest.NewRecorder()
	s.TokenHandler().ServeHTTP(w, r)
	return w
}

func TestTokenEndpointAcceptsEveryWayOfSendingCredentials(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.Name, Levels: []string{"CERT_ADMIN"}})
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}
	cases := []struct {
		name string
		spec tokenRequestSpec
	}{
		{"a form body, as both SDKs send it", tokenRequestSpec{form: creds}},
		{"a multipart body", tokenRequestSpec{multi: creds}},
		{"query parameters", tokenRequestSpec{query: creds}},
		{"HTTP Basic with the grant in the body", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}}, basic: &[2]string{c.ID, secret}}},
		{"HTTP Basic with the client id repeated in the body", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}}, basic: &[2]string{c.ID, secret}}},
		{"the grant type in upper case", tokenRequestSpec{form: url.Values{"grant_type": {"CLIENT_CREDENTIALS"}, "client_id": {c.ID}, "client_secret": {secret}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := postToken(t, s, tc.spec)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			m := decodeObject(t, w.Body.Bytes())
			p, err := s.Verify(context.Background(), m["access_token"].(string))
			if err != nil {
				t.Fatalf("the issued token does not verify: %v", err)
			}
			if p.ClientID != c.ID || p.IdentityID != alice.ID {
				t.Errorf("principal = %+v", p)
			}
		})
	}
}

func TestTokenResponseHasTheFieldsAndTypesTheSDKsDecode(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := mustService(t, newMemStore(alice), clock, func(o *Options) { o.TokenTTL = 3 * time.Hour })
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID, Levels: []string{"ORG_ADMIN"}})
	w := postToken(t, s, tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	m := decodeObject(t, w.Body.Bytes())
	wantStrings := map[string]string{
		"token_type": "bearer", "scope": "sp:scopes:all", "tenant_id": "tenant-1", "identity_id": alice.ID,
		"user_name": alice.Name, "user_id": alice.ID, "accessType": "OFFLINE", "org": "tenant-1", "pod": "certsum",
	}
	for k, want := range wantStrings {
		if got, ok := m[k].(string); !ok || got != want {
			t.Errorf("%s = %#v, want string %q", k, m[k], want)
		}
	}
	for _, k := range []string{"access_token", "jti"} {
		if got, ok := m[k].(string); !ok || got == "" {
			t.Errorf("%s = %#v, want a non-empty string", k, m[k])
		}
	}
	for _, k := range []string{"strong_auth_supported", "strong_auth", "internal", "enabled"} {
		if _, ok := m[k].(bool); !ok {
			t.Errorf("%s = %#v, want a boolean", k, m[k])
		}
	}
	exp, ok := m["expires_in"].(float64)
	if !ok || exp != math.Trunc(exp) || exp != 3*3600 {
		t.Errorf("expires_in = %#v, want the integer 10800", m["expires_in"])
	}
	if !strings.Contains(w.Body.String(), `"expires_in":10800,`) {
		t.Errorf("expires_in is not written as an integer: %s", w.Body)
	}
	if m["enabled"] != true {
		t.Errorf("enabled = %v", m["enabled"])
	}
}

func TestTokenResponseOfAnAPIClientHasNoUser(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := mustService(t, newMemStore(), clock)
	c, secret := mustClient(t, s, ClientSpec{Name: "ci"})
	w := postToken(t, s, tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	m := decodeObject(t, w.Body.Bytes())
	for _, k := range []string{"identity_id", "user_id", "user_name"} {
		if v, ok := m[k]; ok {
			t.Errorf("an API client's token response has %s = %v", k, v)
		}
	}
	p, err := s.Verify(context.Background(), m["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if p.HasUser() || p.IsAdmin() || len(p.Levels) != 1 || p.Levels[0] != LevelAPI {
		t.Errorf("API client principal = %+v", p)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := mustService(t, newMemStore(alice), clock)
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID, Scopes: []string{"idn:campaign:read"}})
	cases := []struct {
		name       string
		spec       tokenRequestSpec
		status     int
		code       string
		basicChall bool
	}{
		{"a wrong secret", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {strings.Repeat("0", 64)}}},
			401, "invalid_client", false},
		{"an unknown client", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {certsum.NewID()}, "client_secret": {secret}}},
			401, "invalid_client", false},
		{"a wrong secret over Basic", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}}, basic: &[2]string{c.ID, "nope"}},
			401, "invalid_client", true},
		{"no secret", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}}},
			401, "invalid_client", false},
		{"no credentials at all", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}}},
			401, "invalid_client", false},
		{"an over-long client id", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {strings.Repeat("x", 300)}, "client_secret": {secret}}},
			401, "invalid_client", false},
		{"a grant type certsum does not support", tokenRequestSpec{form: url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ID}, "client_secret": {secret}}},
			400, "unsupported_grant_type", false},
		{"a made-up grant type", tokenRequestSpec{form: url.Values{"grant_type": {"magic"}, "client_id": {c.ID}, "client_secret": {secret}}},
			400, "unsupported_grant_type", false},
		{"no grant type", tokenRequestSpec{form: url.Values{"client_id": {c.ID}, "client_secret": {secret}}},
			400, "invalid_request", false},
		{"a repeated parameter", tokenRequestSpec{raw: "grant_type=client_credentials&client_id=" + c.ID + "&client_secret=" + secret + "&client_secret=" + secret},
			400, "invalid_request", false},
		{"the same parameter in query and body", tokenRequestSpec{query: url.Values{"client_id": {c.ID}},
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}}, 400, "invalid_request", false},
		{"credentials both in Basic and the body", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, basic: &[2]string{c.ID, secret}},
			400, "invalid_request", false},
		{"a Basic client id that contradicts the body", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}}, basic: &[2]string{c.ID, secret}},
			400, "invalid_request", false},
		{"a malformed body", tokenRequestSpec{raw: "grant_type=%zz"}, 400, "invalid_request", false},
		{"GET instead of POST", tokenRequestSpec{method: http.MethodGet, query: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}},
			405, "invalid_request", false},
		{"a scope the client does not have", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}, "scope": {"read"}}},
			400, "invalid_scope", false},
		{"a malformed scope", tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}, "scope": {`idn:"x"`}}},
			400, "invalid_scope", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := postToken(t, s, tc.spec)
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			m := decodeObject(t, w.Body.Bytes())
			if m["error"] != tc.code {
				t.Errorf("error = %v, want %s", m["error"], tc.code)
			}
			if d, ok := m["error_description"].(string); !ok || d == "" {
				t.Errorf("error_description = %#v, want a text", m["error_description"])
			}
			if _, ok := m["access_token"]; ok {
				t.Error("an error answer carries a token")
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tc.basicChall {
				t.Errorf("WWW-Authenticate present = %t, want %t", got, tc.basicChall)
			}
		})
	}
	// The answer to a wrong secret does not say whether the client exists.
	wrong := postToken(t, s, cases[0].spec).Body.String()
	unknown := postToken(t, s, cases[1].spec).Body.String()
	if wrong != unknown {
		t.Errorf("wrong secret and unknown client answer differently:\n%s\n%s", wrong, unknown)
	}
}

func TestTokenGrantsTheIntersectionOfRequestedAndRegisteredScopes(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := mustService(t, newMemStore(alice), clock)
	narrow, narrowSecret := mustClient(t, s, ClientSpec{Identity: alice.ID, Scopes: []string{"idn:campaign:manage", "idn:role:read"}})
	all, allSecret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	legacy, legacySecret := mustClient(t, s, ClientSpec{Identity: alice.ID, Scopes: []string{"read", "write"}})
	cases := []struct {
		name           string
		id, secret     string
		scope          string
		want           string
		wantInvalidErr bool
	}{
		{"no scope requested grants every registered scope", narrow.ID, narrowSecret, "", "idn:campaign:manage idn:role:read", false},
		{"a registered scope is granted alone", narrow.ID, narrowSecret, "idn:role:read", "idn:role:read", false},
		{"manage covers a requested read", narrow.ID, narrowSecret, "idn:campaign:read", "idn:campaign:read", false},
		{"unregistered scopes are dropped", narrow.ID, narrowSecret, "idn:campaign:manage sp:scopes:all idn:source:read", "idn:campaign:manage", false},
		{"duplicates collapse", narrow.ID, narrowSecret, "idn:role:read idn:role:read", "idn:role:read", false},
		{"nothing in common is an error", narrow.ID, narrowSecret, "idn:source:read", "", true},
		{"sp:scopes:all narrows to what is asked", all.ID, allSecret, "idn:campaign:read", "idn:campaign:read", false},
		{"sp:scope:all, the curl example's spelling, means sp:scopes:all", all.ID, allSecret, "sp:scope:all", "sp:scopes:all", false},
		{"legacy read write grants sp:scopes:all", legacy.ID, legacySecret, "sp:scopes:all", "sp:scopes:all", false},
		{"the default scope is always grantable", narrow.ID, narrowSecret, "sp:scopes:default", "sp:scopes:default", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {tc.id}, "client_secret": {tc.secret}}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			w := postToken(t, s, tokenRequestSpec{form: form})
			if tc.wantInvalidErr {
				if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"invalid_scope"`) {
					t.Fatalf("status %d body %s, want 400 invalid_scope", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			m := decodeObject(t, w.Body.Bytes())
			if m["scope"] != tc.want {
				t.Errorf("scope = %q, want %q", m["scope"], tc.want)
			}
			p, err := s.Verify(context.Background(), m["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Scopes, " "); got != tc.want {
				t.Errorf("token scope claim = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTokenEndpointLimitsIssuedTokensPerClientID(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 10, 0, time.UTC)} // a window boundary
	lim := ratelimit.NewMemory(2, 10*time.Second, clock.Now)
	s := mustService(t, newMemStore(alice), clock, func(o *Options) { o.Limiter = lim })
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	other, otherSecret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}
	for i := 0; i < 2; i++ {
		if w := postToken(t, s, tokenRequestSpec{form: good}); w.Code != 200 {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
	clock.Add(2500 * time.Millisecond)
	w := postToken(t, s, tokenRequestSpec{form: good})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("third token in the window: status %d, want 429", w.Code)
	}
	if got := w.Body.String(); got != `{"message":" Rate Limit Exceeded "}` {
		t.Errorf("body = %s", got)
	}
	if got := w.Header().Get("Retry-After"); got != "8" {
		t.Errorf("Retry-After = %q, want 8", got)
	}
	// Basic credentials are counted under the same client id.
	if w := postToken(t, s, tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}}, basic: &[2]string{c.ID, secret}}); w.Code != 429 {
		t.Errorf("Basic request of a limited client: %d, want 429", w.Code)
	}
	// Another client is not affected.
	if w := postToken(t, s, tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ID}, "client_secret": {otherSecret}}}); w.Code != 200 {
		t.Errorf("another client: %d, want 200", w.Code)
	}
	clock.Add(7500 * time.Millisecond)
	if w := postToken(t, s, tokenRequestSpec{form: good}); w.Code != 200 {
		t.Errorf("after the window: %d, want 200", w.Code)
	}
}

// A hundred wrong secrets naming a client, from one address or from many, do not keep the
// client from getting its token; the guessing address is throttled.
func TestWrongSecretsCannotLockAClientOut(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 10, 0, time.UTC)}
	lim := ratelimit.NewMemory(10, 10*time.Second, clock.Now)
	s := mustService(t, newMemStore(alice), clock, func(o *Options) { o.Limiter = lim })
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {"guess"}}
	const attacker, owner = "203.0.113.9:4000", "198.51.100.7:5000"

	codes := map[int]int{}
	for i := 0; i < 100; i++ {
		codes[postToken(t, s, tokenRequestSpec{form: bad, addr: attacker}).Code]++
	}
	if codes[401] != 10 || codes[429] != 90 {
		t.Errorf("100 wrong secrets from one address: %v, want 10×401 then 429", codes)
	}
	// The guessing address is throttled for every token request, even a correct one.
	if w := postToken(t, s, tokenRequestSpec{form: good, addr: attacker}); w.Code != 429 {
		t.Errorf("the throttled address: %d, want 429", w.Code)
	}
	// The client's owner, elsewhere, gets the token.
	if w := postToken(t, s, tokenRequestSpec{form: good, addr: owner}); w.Code != 200 {
		t.Fatalf("the real client after 100 wrong secrets: %d %s", w.Code, w.Body)
	}

	// Wrong secrets from many addresses: past the per-client failure bound they get 429,
	// and the correct secret still gets its token.
	codes = map[int]int{}
	for i := 0; i < 100; i++ {
		codes[postToken(t, s, tokenRequestSpec{form: bad, addr: fmt.Sprintf("192.0.2.%d:1000", i)}).Code]++
	}
	if codes[429] == 0 || codes[200] != 0 {
		t.Errorf("100 wrong secrets from 100 addresses: %v, want 429s once past the bound", codes)
	}
	if w := postToken(t, s, tokenRequestSpec{form: good, addr: owner}); w.Code != 200 {
		t.Fatalf("the real client after wrong secrets from many addresses: %d %s", w.Code, w.Body)
	}
	// Malformed requests count as failures of their address too.
	for i := 0; i < 11; i++ {
		postToken(t, s, tokenRequestSpec{raw: "grant_type=password", addr: "192.0.2.200:1"})
	}
	if w := postToken(t, s, tokenRequestSpec{form: good, addr: "192.0.2.200:1"}); w.Code != 429 {
		t.Errorf("an address sending malformed requests: %d, want 429", w.Code)
	}
}

func TestJWKSListsTheKeysThatVerify(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	get := func() map[string]any {
		w := httptest.NewRecorder()
		s.JWKSHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("JWKS: status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
		}
		return decodeObject(t, w.Body.Bytes())
	}
	if keys := get()["keys"].([]any); len(keys) != 0 {
		t.Fatalf("a fresh install lists %d keys", len(keys))
	}
	k1, err := s.RotateKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	k2, err := s.RotateKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys := get()["keys"].([]any)
	if len(keys) != 2 {
		t.Fatalf("keys after a rotation = %d, want 2", len(keys))
	}
	first := keys[0].(map[string]any)
	if first["kid"] != k2.ID || keys[1].(map[string]any)["kid"] != k1.ID {
		t.Errorf("kids = %v, %v; want newest (%s) first", first["kid"], keys[1].(map[string]any)["kid"], k2.ID)
	}
	for _, f := range []string{"kty", "crv", "alg", "use", "x", "y"} {
		if v, ok := first[f].(string); !ok || v == "" {
			t.Errorf("JWK field %s = %#v", f, first[f])
		}
	}
	if first["alg"] != "ES256" || first["crv"] != "P-256" || first["kty"] != "EC" {
		t.Errorf("JWK = %v", first)
	}
	x, _ := base64.RawURLEncoding.DecodeString(first["x"].(string))
	if len(x) != 32 {
		t.Errorf("x has %d bytes, want 32", len(x))
	}
	// Once the retired key's NotAfter has passed it is no longer published.
	clock.Add(s.keepRetired() + time.Second)
	keys = get()["keys"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["kid"] != k2.ID {
		t.Errorf("keys after the old key expired = %v, want only %s", keys, k2.ID)
	}
}

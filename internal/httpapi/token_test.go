package httpapi

import (
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// every route of the API with a request that would succeed for Mia, the reviewer of certA,
// given a valid token.
var everyRoute = []struct{ method, path, body string }{
	{"GET", certPath(idCertA, "/access-summaries/ROLE"), ""},
	{"GET", certPath(idCertA, "/decision-summary"), ""},
	{"GET", certPath(idCertA, "/identity-summaries"), ""},
	{"GET", certPath(idCertA, "/identity-summaries/", idSumSam), ""},
	{"GET", v + "/certifications", ""},
	{"GET", certPath(idCertA, ""), ""},
	{"GET", certPath(idCertA, "/access-review-items"), ""},
	{"POST", certPath(idCertA, "/decide"), `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":false}]`},
	{"POST", certPath(idCertA, "/sign-off"), ""},
	{"POST", certPath(idCertA, "/reassign"), `{"reassign":[{"id":"` + itemSamAcct + `","type":"ITEM"}],"reassignTo":"` + idRita + `","reason":"r"}`},
	{"GET", certPath(idCertA, "/reviewers"), ""},
	{"GET", certPath(idCertA, "/access-review-items/", itemSamOrd, "/permissions"), ""},
}

// mustForgeToken signs claims with the store's current signing key, as only the server
// should: it lets a test vary one claim of an otherwise valid token.
func mustForgeToken(t *testing.T, e *env, mutate func(jwt.MapClaims)) string {
	t.Helper()
	keys, err := e.store.ListSigningKeys(context.Background())
	if err != nil || len(keys) == 0 {
		t.Fatalf("signing keys: %v (%d)", err, len(keys))
	}
	der, err := e.sealer.Open(keys[0].ID, keys[0].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	client, _, err := e.auth.CreateClient(context.Background(), auth.ClientSpec{Name: "forged", Identity: idMia})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	claims := jwt.MapClaims{
		"iss": "http://certsum.test", "aud": "http://certsum.test", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "jti": certsum.NewID(), "identity_id": idMia, "authorities": []string{certsum.LevelUser},
		"scope": []string{certsum.ScopeAll}, "client_id": client.ID, "tenant_id": "test",
	}
	mutate(claims)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = keys[0].ID
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEveryRouteRefusesABadToken(t *testing.T) {
	f := mustFixture(t)
	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"identity_id": idMia, "scope": []string{certsum.ScopeAll}}).SignedString([]byte("guess"))
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"identity_id": idMia}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tokens := []struct{ name, header string }{
		{"no Authorization header", ""},
		{"another scheme", "Basic " + f.mia},
		{"garbage", "Bearer not.a.jwt"},
		{"a tampered signature", "Bearer " + f.mia[:len(f.mia)-2] + "xx"},
		{"an HS256 token", "Bearer " + hs256},
		{"an unsigned token", "Bearer " + none},
		{"a wrong audience", "Bearer " + mustForgeToken(t, f.env, func(c jwt.MapClaims) { c["aud"] = "https://elsewhere.example" })},
		{"a wrong issuer", "Bearer " + mustForgeToken(t, f.env, func(c jwt.MapClaims) { c["iss"] = "https://elsewhere.example" })},
		{"an expired token", "Bearer " + mustForgeToken(t, f.env, func(c jwt.MapClaims) { c["exp"] = f.clock.Now().Add(-time.Hour).Unix() })},
	}
	for _, tk := range tokens {
		t.Run(tk.name, func(t *testing.T) {
			for _, rt := range everyRoute {
				res := f.doHeader(rt.method, rt.path, tk.header, rt.body).mustStatus(t, 401)
				var body map[string]string
				res.decode(t, &body)
				if !strings.HasPrefix(body["error"], "JWT validation failed") {
					t.Errorf("%s %s: 401 body %s", rt.method, rt.path, res.body)
				}
			}
		})
	}
	t.Run("a forged token with every claim right is accepted (the control)", func(t *testing.T) {
		f.doHeader("GET", certPath(idCertA, ""), "Bearer "+mustForgeToken(t, f.env, func(jwt.MapClaims) {}), "").mustStatus(t, 200)
	})
	t.Run("the scheme is matched in any case", func(t *testing.T) {
		f.doHeader("GET", certPath(idCertA, ""), "bEaReR "+f.mia, "").mustStatus(t, 200)
	})
}

func TestTokensExpireOnEveryRoute(t *testing.T) {
	f := mustFixture(t)
	f.clock.Advance(12*time.Hour + time.Minute)
	for _, rt := range everyRoute {
		res := f.doHeader(rt.method, rt.path, "Bearer "+f.mia, rt.body).mustStatus(t, 401)
		if !strings.Contains(string(res.body), "expired") {
			t.Errorf("%s %s: %s", rt.method, rt.path, res.body)
		}
	}
}

func TestEveryRouteAcceptsItsReviewer(t *testing.T) {
	f := mustFixture(t)
	for _, rt := range everyRoute {
		if strings.HasSuffix(rt.path, "/sign-off") {
			// Open items make sign-off a 400; TestSignOffAndReassign signs off for real.
			f.doHeader(rt.method, rt.path, "Bearer "+f.mia, rt.body).mustStatus(t, 400)
			continue
		}
		f.doHeader(rt.method, rt.path, "Bearer "+f.mia, rt.body).mustStatus(t, 200)
	}
}

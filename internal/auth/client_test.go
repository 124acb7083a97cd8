package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestCreateClientStoresOnlyAHashOfTheSecret(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.Name, Levels: []string{"cert_admin"}, Scopes: []string{"idn:campaign:read"}})
	if b, err := hex.DecodeString(secret); err != nil || len(b) != secretBytes {
		t.Errorf("secret %q is not %d random bytes in hex", secret, secretBytes)
	}
	if !certsum.ValidID(c.ID) {
		t.Errorf("client id %q is not a certsum id", c.ID)
	}
	stored, err := store.GetClient(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := certsum.OAuthClient{
		ID: c.ID, Name: "PAT of Alice Reviewer", IdentityID: alice.ID, Levels: []string{"CERT_ADMIN"},
		Scopes: []string{"idn:campaign:read"}, Created: certsum.NewTime(t0),
	}
	if diff := cmp.Diff(want, *stored, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "SecretHash" }, cmp.Ignore())); diff != "" {
		t.Errorf("stored client (-want +got):\n%s", diff)
	}
	if bytes.Contains(stored.SecretHash, []byte(secret)) || strings.Contains(hex.EncodeToString(stored.SecretHash), secret) {
		t.Error("the stored hash contains the secret")
	}
	if !secretMatches(c.ID, secret, stored.SecretHash) {
		t.Error("the secret does not match its own hash")
	}
	if secretMatches(c.ID, secret[:63]+"0", stored.SecretHash) && secret[63] != '0' {
		t.Error("a different secret matches")
	}
	if secretMatches(certsum.NewID(), secret, stored.SecretHash) {
		t.Error("the hash verifies the secret for another client id")
	}
	_, secret2 := mustClient(t, s, ClientSpec{Identity: alice.ID})
	if secret2 == secret {
		t.Error("two clients got the same secret")
	}
}

func TestCreateClientDefaultsAndValidation(t *testing.T) {
	clock := &fakeClock{t: t0}
	twin := certsum.Identity{ID: "7770000000000000000000000000000a", Name: "Twin"}
	twin2 := certsum.Identity{ID: "7770000000000000000000000000000b", Name: "Twin"}
	s := mustService(t, newMemStore(alice, twin, twin2), clock)
	ctx := context.Background()

	c, _ := mustClient(t, s, ClientSpec{Identity: alice.ID})
	if !cmp.Equal(c.Levels, []string{"USER"}) || !cmp.Equal(c.Scopes, []string{"sp:scopes:all"}) {
		t.Errorf("PAT defaults: levels %v scopes %v, want [USER] [sp:scopes:all]", c.Levels, c.Scopes)
	}
	api, _ := mustClient(t, s, ClientSpec{})
	if api.IdentityID != "" || !cmp.Equal(api.Levels, []string{"API"}) || api.Name != "API client" {
		t.Errorf("API client defaults: %+v", api)
	}
	dedup, _ := mustClient(t, s, ClientSpec{Identity: alice.ID, Levels: []string{"USER", "user", "CERT_ADMIN"}, Scopes: []string{"sp:scope:all", "sp:scopes:all"}})
	if !cmp.Equal(dedup.Levels, []string{"USER", "CERT_ADMIN"}) || !cmp.Equal(dedup.Scopes, []string{"sp:scopes:all"}) {
		t.Errorf("duplicates kept: levels %v scopes %v", dedup.Levels, dedup.Scopes)
	}

	cases := []struct {
		name  string
		spec  ClientSpec
		code  certsum.Code
		field string
	}{
		{"an unknown identity", ClientSpec{Identity: "nobody"}, certsum.CodeReference, "identity"},
		{"an ambiguous identity name", ClientSpec{Identity: "Twin"}, certsum.CodeInvalid, "identity"},
		{"an unknown level", ClientSpec{Identity: alice.ID, Levels: []string{"SUPERUSER"}}, certsum.CodeInvalid, "level"},
		{"a user level without an identity", ClientSpec{Levels: []string{"ORG_ADMIN"}}, certsum.CodeInvalid, "level"},
		{"API plus a user level without an identity", ClientSpec{Levels: []string{"API", "USER"}}, certsum.CodeInvalid, "level"},
		{"a scope with a space", ClientSpec{Identity: alice.ID, Scopes: []string{"idn:campaign:read idn:x"}}, certsum.CodeInvalid, "scope"},
		{"an empty scope", ClientSpec{Identity: alice.ID, Scopes: []string{" "}}, certsum.CodeInvalid, "scope"},
		{"a name with a control character", ClientSpec{Name: "a\nb"}, certsum.CodeInvalid, "name"},
		{"an over-long name", ClientSpec{Name: strings.Repeat("n", 129)}, certsum.CodeInvalid, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, secret, err := s.CreateClient(ctx, tc.spec)
			if certsum.ErrorCode(err) != tc.code {
				t.Fatalf("err = %v (code %s), want code %s", err, certsum.ErrorCode(err), tc.code)
			}
			if secret != "" {
				t.Error("a refused client still got a secret")
			}
			var e *certsum.Error
			if !errors.As(err, &e) || e.Field != tc.field {
				t.Errorf("error %v does not name the field %q", err, tc.field)
			}
		})
	}
}

func TestEnsureAdminIdentityCreatesOnceAndReuses(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	ctx := context.Background()
	first, err := s.EnsureAdminIdentity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != AdminIdentityID || first.Name != AdminIdentityName {
		t.Errorf("admin identity = %+v", first)
	}
	again, err := mustService(t, store, clock).EnsureAdminIdentity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("second call returned %s", again.ID)
	}
	if n, _ := store.CountIdentities(ctx); n != 2 {
		t.Errorf("identities = %d, want alice and the administrator", n)
	}
}

func TestCreateAdminClientBootstrapsAFreshInstall(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore()
	s := mustService(t, store, clock)
	creds, err := s.CreateAdminClient(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if creds.Client.IdentityID != AdminIdentityID || !cmp.Equal(creds.Client.Levels, []string{"ORG_ADMIN"}) || creds.IdentityName != AdminIdentityName {
		t.Errorf("admin client = %+v", creds.Client)
	}
	tok, _ := mustIssue(t, s, creds.Client.ID, creds.Secret)
	p, err := s.Verify(context.Background(), tok)
	if err != nil || !p.IsAdmin() || !p.HasScope(certsum.ScopeCampaignManage) {
		t.Errorf("admin principal = %+v, %v", p, err)
	}
	env := creds.Env("http://127.0.0.1:8080/")
	want := "SAIL_BASE_URL=http://127.0.0.1:8080\nSAIL_CLIENT_ID=" + creds.Client.ID + "\nSAIL_CLIENT_SECRET=" + creds.Secret + "\n"
	if env != want {
		t.Errorf("Env =\n%s\nwant\n%s", env, want)
	}
	if strings.Contains(creds.Env(""), "SAIL_BASE_URL") {
		t.Error("Env without a base URL still writes SAIL_BASE_URL")
	}
}

func TestCreateDemoClients(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice, bob)
	s := mustService(t, store, clock)
	creds, err := s.CreateDemoClients(context.Background(), []string{alice.ID, bob.Name, alice.Name})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 {
		t.Fatalf("credentials = %d, want admin + alice + bob", len(creds))
	}
	if creds[0].Client.IdentityID != AdminIdentityID || creds[0].Client.Levels[0] != "ORG_ADMIN" {
		t.Errorf("first credentials = %+v, want the administrator", creds[0].Client)
	}
	for i, want := range []certsum.Identity{alice, bob} {
		c := creds[i+1]
		if c.Client.IdentityID != want.ID || c.IdentityName != want.Name || !cmp.Equal(c.Client.Levels, []string{"USER"}) {
			t.Errorf("credentials %d = %+v, want a USER token of %s", i+1, c.Client, want.Name)
		}
		tok, _ := mustIssue(t, s, c.Client.ID, c.Secret)
		if p, err := s.Verify(context.Background(), tok); err != nil || p.IdentityID != want.ID || p.IsAdmin() {
			t.Errorf("reviewer principal = %+v %v", p, err)
		}
	}
	if _, err := s.CreateDemoClients(context.Background(), []string{"nobody"}); certsum.ErrorCode(err) != certsum.CodeNotFound {
		t.Errorf("an unknown reviewer: %v, want not_found", err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Options{Store: newMemStore()}); err == nil {
		t.Error("New without a Sealer succeeded")
	}
	if _, err := New(Options{Store: newMemStore(), TokenTTL: -1, Sealer: testSealer}); err == nil {
		t.Error("New with a negative lifetime succeeded")
	}
	s, err := New(Options{Store: newMemStore(), Sealer: testSealer})
	if err != nil {
		t.Fatal(err)
	}
	if s.TokenTTL() != DefaultTokenTTL || s.issuer != DefaultIssuer || s.audience != DefaultIssuer || s.tenantID != DefaultTenantID {
		t.Errorf("defaults: ttl %v issuer %q audience %q tenant %q", s.TokenTTL(), s.issuer, s.audience, s.tenantID)
	}
}

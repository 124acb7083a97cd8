package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/certsum/certsum"
)

// kidOf returns the kid header of a token.
func kidOf(t testing.TB, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

func TestFirstTokenCreatesTheFirstKey(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	if n := len(store.keys); n != 0 {
		t.Fatalf("New wrote %d keys; it must not touch the store", n)
	}
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	tok, _ := mustIssue(t, s, c.ID, secret)
	if len(store.keys) != 1 {
		t.Fatalf("keys after the first token = %d, want 1", len(store.keys))
	}
	k := store.keys[0]
	if k.Algorithm != "ES256" || len(k.ID) != kidLen || k.Retired != nil || k.NotAfter != nil {
		t.Errorf("first key = %+v", k)
	}
	if got := kidOf(t, tok); got != k.ID {
		t.Errorf("token kid = %q, want %q", got, k.ID)
	}
	mustIssue(t, s, c.ID, secret)
	if len(store.keys) != 1 {
		t.Errorf("a second token added a key: %d keys", len(store.keys))
	}
}

func TestRotationKeepsOldTokensValidUntilTheOldKeyExpires(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock, func(o *Options) { o.TokenTTL = time.Hour })
	c, secret := mustClient(t, s, ClientSpec{Identity: alice.ID})
	ctx := context.Background()
	oldToken, _ := mustIssue(t, s, c.ID, secret)
	oldKid := kidOf(t, oldToken)
	oldPriv := mustSigningKey(t, store, oldKid)

	clock.Add(10 * time.Minute)
	newKey, err := s.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if newKey.ID == oldKid {
		t.Fatal("rotation kept the kid")
	}
	keys, _ := store.ListSigningKeys(ctx)
	var old *certsum.SigningKey
	for i := range keys {
		if keys[i].ID == oldKid {
			old = &keys[i]
		}
	}
	wantNotAfter := clock.Now().Add(time.Hour + keyRefresh + Leeway)
	if old == nil || old.Retired == nil || !old.Retired.Equal(clock.Now()) || old.NotAfter == nil || !old.NotAfter.Equal(wantNotAfter) {
		t.Fatalf("old key after rotation = %+v, want retired now with NotAfter %v", old, wantNotAfter)
	}

	newToken, _ := mustIssue(t, s, c.ID, secret)
	if got := kidOf(t, newToken); got != newKey.ID {
		t.Errorf("new token kid = %q, want the new key %q", got, newKey.ID)
	}
	if _, err := s.Verify(ctx, oldToken); err != nil {
		t.Errorf("a token of the old key no longer verifies right after rotation: %v", err)
	}
	clock.Set(t0.Add(time.Hour)) // the old token's last second
	if _, err := s.Verify(ctx, oldToken); err != nil {
		t.Errorf("a token of the old key fails before it expires: %v", err)
	}

	// A token signed by the old key that outlives it (which certsum never issues) shows the
	// key's own NotAfter is enforced.
	longLived := sign(t, jwt.SigningMethodES256, oldPriv, oldKid, jwt.MapClaims{
		"client_id": c.ID, "scope": []string{"sp:scopes:all"}, "authorities": []string{"USER"},
		"iss": testIssuer, "aud": []string{testIssuer}, "iat": t0.Unix(), "nbf": t0.Unix(),
		"exp": t0.Add(100 * time.Hour).Unix(), "jti": certsum.NewID(), "identity_id": alice.ID,
	})
	clock.Set(wantNotAfter)
	if _, err := s.Verify(ctx, longLived); err != nil {
		t.Errorf("the old key fails at its NotAfter: %v", err)
	}
	clock.Set(wantNotAfter.Add(Leeway + time.Second))
	if _, err := s.Verify(ctx, longLived); err == nil || !strings.Contains(err.Error(), reasonKeyExpired) {
		t.Errorf("the old key after its NotAfter: %v, want %q", err, reasonKeyExpired)
	}
	if _, err := s.Verify(ctx, newToken); err == nil || !strings.Contains(err.Error(), reasonExpired) {
		t.Errorf("new token long after its expiry: %v", err)
	}

	// The next rotation prunes the expired key.
	if _, err := s.RotateKey(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ = store.ListSigningKeys(ctx)
	for _, k := range keys {
		if k.ID == oldKid {
			t.Errorf("the expired key %s was not pruned", oldKid)
		}
	}
	if len(keys) != 2 {
		t.Errorf("keys after the second rotation = %d, want 2 (current and previous)", len(keys))
	}
	if _, err := s.Verify(ctx, longLived); err == nil || !strings.Contains(err.Error(), reasonUnknownKey) {
		t.Errorf("a token of a pruned key: %v, want %q", err, reasonUnknownKey)
	}
}

func TestTwoServicesOnOneStoreAcceptEachOthersTokens(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice, bob)
	a := mustService(t, store, clock)
	b := mustService(t, store, clock)
	ctx := context.Background()
	ca, sa := mustClient(t, a, ClientSpec{Identity: alice.ID})
	cb, sb := mustClient(t, b, ClientSpec{Identity: bob.ID, Levels: []string{"CERT_ADMIN"}})

	tokA, _ := mustIssue(t, a, ca.ID, sa)
	tokB, _ := mustIssue(t, b, cb.ID, sb)
	if kidOf(t, tokA) != kidOf(t, tokB) {
		t.Errorf("the replicas sign with different keys: %s and %s", kidOf(t, tokA), kidOf(t, tokB))
	}
	if p, err := b.Verify(ctx, tokA); err != nil || p.IdentityID != alice.ID {
		t.Errorf("b verifying a's token: %+v %v", p, err)
	}
	if p, err := a.Verify(ctx, tokB); err != nil || p.IdentityID != bob.ID || !p.IsAdmin() {
		t.Errorf("a verifying b's token: %+v %v", p, err)
	}

	// a rotates; b has the old set cached and meets the new kid: it re-reads the store.
	clock.Add(time.Second)
	k2, err := a.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokA2, _ := mustIssue(t, a, ca.ID, sa)
	if kidOf(t, tokA2) != k2.ID {
		t.Fatalf("a does not sign with its new key")
	}
	if _, err := b.Verify(ctx, tokA2); err != nil {
		t.Errorf("b verifying a token of the key a just made: %v", err)
	}
	if _, err := b.Verify(ctx, tokB); err != nil {
		t.Errorf("b's own token of the retired key: %v", err)
	}
	// b switches to the new signing key within keyRefresh.
	clock.Add(keyRefresh)
	tokB2, _ := mustIssue(t, b, cb.ID, sb)
	if kidOf(t, tokB2) != k2.ID {
		t.Errorf("b still signs with %s a minute after rotation, want %s", kidOf(t, tokB2), k2.ID)
	}
}

func TestUnknownKidsDoNotHammerTheStore(t *testing.T) {
	f := newVerifyFixture(t)
	ctx := context.Background()
	if _, err := f.s.Verify(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	other := mustECKey(t, f.priv.Curve)
	kid, _ := thumbprint(&other.PublicKey)
	forged := sign(t, jwt.SigningMethodES256, other, kid, f.claims())
	before := f.store.keyReadCount()
	for i := 0; i < 50; i++ {
		if _, err := f.s.Verify(ctx, forged); err == nil {
			t.Fatal("a token of an unknown key verified")
		}
	}
	if reads := f.store.keyReadCount() - before; reads > 1 {
		t.Errorf("50 tokens with an unknown kid within a second read the keys %d times, want at most 1", reads)
	}
	f.clock.Add(unknownKidReload)
	_, _ = f.s.Verify(ctx, forged)
	if reads := f.store.keyReadCount() - before; reads != 2 {
		t.Errorf("after %v another unknown kid re-read the keys: %d reads in all, want 2", unknownKidReload, reads)
	}
	before = f.store.keyReadCount()
	for i := 0; i < 20; i++ {
		if _, err := f.s.Verify(ctx, f.token); err != nil {
			t.Fatal(err)
		}
	}
	if reads := f.store.keyReadCount() - before; reads != 0 {
		t.Errorf("verifying known tokens read the keys %d times, want 0 (cached)", reads)
	}
}

// Two services on one store issue and verify each other's tokens concurrently, from a fresh
// install (no key yet) and again after one of them rotated the key. Verification re-reads
// the store for an unknown kid at most once per unknownKidReload, so the clock moves past it
// after the rotation, as it would between a rotation and the next requests.
func TestConcurrentIssueAndVerify(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	a := mustService(t, store, clock)
	b := mustService(t, store, clock)
	c, secret := mustClient(t, a, ClientSpec{Identity: alice.ID})
	burst := func(phase string) {
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				issuer, verifier := a, b
				if i%2 == 1 {
					issuer, verifier = b, a
				}
				tok, _, err := issuer.Issue(context.Background(), c.ID, secret, nil)
				if err != nil {
					errs <- err
					return
				}
				if _, err := verifier.Verify(context.Background(), tok); err != nil {
					errs <- err
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", phase, err)
		}
	}
	burst("fresh install")
	if keys, _ := store.ListSigningKeys(context.Background()); len(keys) > 2 {
		n := len(keys)
		t.Errorf("a fresh install made %d signing keys; each service adds at most one", n)
	}
	if _, err := a.RotateKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Add(unknownKidReload)
	burst("after a rotation")
}

func TestThumbprintMatchesRFC7638(t *testing.T) {
	// RFC 7638 §3.1 computes thumbprints over the members in lexical order with no
	// whitespace; recompute that for a generated key by hand.
	k := mustECKey(t, jwtCurve())
	x, y, err := coordinates(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := thumbprint(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256b64(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`)
	if got != want || !plausibleKid(got) {
		t.Errorf("thumbprint = %q, want %q", got, want)
	}
	if plausibleKid("short") || plausibleKid(strings.Repeat("!", kidLen)) {
		t.Error("plausibleKid accepts what no certsum kid looks like")
	}
}

func TestConcurrentRotationsLeaveTheNewestKeyActive(t *testing.T) {
	clock := &fakeClock{t: t0}
	store := newMemStore(alice)
	s := mustService(t, store, clock)
	ctx := context.Background()
	if _, err := s.EnsureSigningKey(ctx); err != nil {
		t.Fatal(err)
	}
	// Another process rotated a moment later by its clock, between this one's add and list.
	elsewhere, err := generateKey(t0.Add(time.Second), testSealer)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddSigningKey(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	mine, err := s.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := store.ListSigningKeys(ctx)
	active := map[string]bool{}
	for _, k := range keys {
		if k.Retired == nil {
			active[k.ID] = true
		}
	}
	if !active[elsewhere.ID] {
		t.Errorf("the newer key of the concurrent rotation was retired")
	}
	if !active[mine.ID] {
		t.Errorf("this rotation's own key was retired")
	}
	if len(active) != 2 {
		t.Errorf("%d active keys, want the two new ones (the first key retired)", len(active))
	}
	kid, err := s.EnsureSigningKey(ctx)
	if err != nil || kid != elsewhere.ID {
		t.Errorf("signing with %s, %v; want the newest active key %s", kid, err, elsewhere.ID)
	}
}

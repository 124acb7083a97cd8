package auth

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// TestReplicasOnOneSQLiteFile runs two Services, each over its own connection to one SQLite
// file, as two processes would: clients, tokens, rotation and revocation all cross over.
func TestReplicasOnOneSQLiteFile(t *testing.T) {
	clock := &fakeClock{t: t0}
	path := filepath.Join(t.TempDir(), "certsum.db")
	ctx := context.Background()
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, path, sqlite.Options{Now: clock.Now})
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	stA, stB := open(), open()
	if err := stA.CreateIdentity(ctx, &certsum.Identity{ID: alice.ID, Name: alice.Name}); err != nil {
		t.Fatal(err)
	}
	a := mustService(t, stA, clock)
	b := mustService(t, stB, clock)

	admin, err := a.CreateAdminClient(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rev, revSecret := mustClient(t, b, ClientSpec{Identity: alice.Name})

	// A token from b's endpoint verifies on a, and the other way round.
	w := postToken(t, b, tokenRequestSpec{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {admin.Client.ID}, "client_secret": {admin.Secret}}})
	if w.Code != http.StatusOK {
		t.Fatalf("token from b: %d %s", w.Code, w.Body)
	}
	adminToken := decodeObject(t, w.Body.Bytes())["access_token"].(string)
	if p, err := a.Verify(ctx, adminToken); err != nil || p.IdentityID != AdminIdentityID || !p.IsAdmin() {
		t.Fatalf("a verifying b's admin token: %+v %v", p, err)
	}
	revToken, _ := mustIssue(t, a, rev.ID, revSecret)
	if p, err := b.Verify(ctx, revToken); err != nil || p.IdentityID != alice.ID || p.IsAdmin() {
		t.Fatalf("b verifying a's reviewer token: %+v %v", p, err)
	}

	// Rotation through a: b accepts the new key's tokens at once and the old ones still.
	clock.Add(time.Second)
	k2, err := a.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newToken, _ := mustIssue(t, a, rev.ID, revSecret)
	if kidOf(t, newToken) != k2.ID {
		t.Fatal("a does not sign with the rotated key")
	}
	for name, tok := range map[string]string{"new": newToken, "old": adminToken} {
		if _, err := b.Verify(ctx, tok); err != nil {
			t.Errorf("b verifying the %s key's token: %v", name, err)
		}
	}
	keys, err := stB.ListSigningKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != k2.ID || keys[1].Retired == nil {
		t.Errorf("stored keys after rotation = %+v, %v", keys, err)
	}

	// Deleting the reviewer's client through b revokes its tokens on a within the cache time.
	if err := b.DeleteClient(ctx, rev.ID); err != nil {
		t.Fatal(err)
	}
	clock.Add(clientCheckTTL)
	if _, err := a.Verify(ctx, newToken); certsum.ErrorCode(err) != certsum.CodeUnauthenticated {
		t.Errorf("a verifying a deleted client's token: %v, want unauthenticated", err)
	}
}

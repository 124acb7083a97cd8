package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/postgres/pgtest"
	"github.com/certsum/certsum/internal/store/sqlite"
)

func TestSealerRoundTripsAndBindsTheKid(t *testing.T) {
	s := EphemeralSealer()
	plain := []byte("a private key")
	sealed, err := s.Seal("kid-1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) || !isSealed(sealed) {
		t.Fatalf("sealed form %x shows the key or lacks the magic", sealed)
	}
	if got, err := s.Open("kid-1", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("kid-2", sealed); err == nil {
		t.Error("a sealed key opened under another kid")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open("kid-1", tampered); err == nil {
		t.Error("a tampered sealed key opened")
	}
	other := EphemeralSealer()
	if _, err := other.Open("kid-1", sealed); err == nil || !strings.Contains(err.Error(), s.Fingerprint()) {
		t.Errorf("opening with another KEK: %v, want an error naming KEK %s", err, s.Fingerprint())
	}
	for _, bad := range [][]byte{nil, []byte("CSK1"), []byte("CSK1abcdefgh"), append([]byte("CSK1"), sealed[4:20]...)} {
		if _, err := s.Open("kid-1", bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	first, err := NewKeyFile(nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := ParseKeyFile(first)
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewKeyFile(first)
	if err != nil {
		t.Fatal(err)
	}
	both, err := ParseKeyFile(second)
	if err != nil {
		t.Fatal(err)
	}
	if both.Fingerprint() == old.Fingerprint() || len(both.keys) != 2 || both.keys[1].fp != old.keys[0].fp {
		t.Fatalf("a new key file must seal with a fresh key and still hold the previous one")
	}
	sealedByOld, _ := old.Seal("k", []byte("x"))
	if got, err := both.Open("k", sealedByOld); err != nil || string(got) != "x" {
		t.Errorf("the new file does not open what the old one sealed: %v", err)
	}
	for _, bad := range []string{"", "# only a comment\n", "certsum-kek-v1:not-base64!\n", "certsum-kek-v1:AAAA\n", "other:AAAA\n"} {
		if _, err := ParseKeyFile([]byte(bad)); err == nil {
			t.Errorf("ParseKeyFile(%q) succeeded", bad)
		}
	}
}

// keyStoreBackends opens an empty store of each backend (PostgreSQL when the tests have a
// database), holding alice.
func keyStoreBackends(t *testing.T) map[string]Store {
	ctx := context.Background()
	out := map[string]Store{}
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	out["sqlite"] = lite
	if pgStore := openPostgresForKeys(t); pgStore != nil {
		out["postgres"] = pgStore
	}
	for _, st := range out {
		if err := st.CreateIdentity(ctx, &certsum.Identity{ID: alice.ID, Name: alice.Name}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func openPostgresForKeys(t *testing.T) Store {
	dsn := pgtest.SchemaDSN(t)
	st, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// What an attacker who copied the database (and not the key file) holds: every stored row.
// The private keys in it do not parse, and tokens the attacker signs with keys of their own —
// under the stored kid or any other — are refused.
func TestTheDatabaseAloneCannotSignTokens(t *testing.T) {
	ctx := context.Background()
	for name, st := range keyStoreBackends(t) {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{t: time.Now()}
			svc := mustService(t, st, clock)
			admin, err := svc.CreateAdminClient(ctx, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Issue(ctx, admin.Client.ID, admin.Secret, nil); err != nil {
				t.Fatal(err)
			}
			stolen, err := st.ListSigningKeys(ctx)
			if err != nil || len(stolen) == 0 {
				t.Fatalf("keys: %v (%d)", err, len(stolen))
			}
			for _, k := range stolen {
				if _, err := x509.ParsePKCS8PrivateKey(k.PrivateKey); err == nil {
					t.Fatalf("the stored private key of %s parses without the key file", k.ID)
				}
				plain, err := testSealer.Open(k.ID, k.PrivateKey)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(k.PrivateKey, plain) {
					t.Fatal("the stored private key contains its plaintext")
				}
			}

			// A server of the attacker's over a copy of the rows, without the key file.
			copied := newMemStore(alice, certsum.Identity{ID: admin.Client.IdentityID, Name: "built-in admin"})
			for _, k := range stolen {
				if err := copied.AddSigningKey(ctx, &k); err != nil {
					t.Fatal(err)
				}
			}
			if err := copied.CreateClient(ctx, admin.Client); err != nil {
				t.Fatal(err)
			}
			forger := mustService(t, copied, clock, func(o *Options) { o.Sealer = EphemeralSealer() })
			forged, _, err := forger.Issue(ctx, admin.Client.ID, admin.Secret, nil)
			if err != nil {
				t.Fatalf("the forger's own server: %v", err)
			}
			if _, err := svc.Verify(ctx, forged); err == nil {
				t.Error("the real server accepted a token signed by a key made without the key file")
			}
			// The same claims under the stored kid, signed with a key of the attacker's.
			own, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
				"iss": testIssuer, "aud": testIssuer, "sub": admin.Client.ID, "client_id": admin.Client.ID,
				"exp": clock.Now().Add(time.Hour).Unix(), "iat": clock.Now().Unix(), "authorities": []string{certsum.LevelOrgAdmin},
			})
			tok.Header["kid"] = stolen[0].ID
			signed, err := tok.SignedString(own)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Verify(ctx, signed); err == nil {
				t.Error("the real server accepted a token under its kid signed by another key")
			}
		})
	}
}

// A key stored in the clear by an older certsum is sealed the first time a server reads it,
// and keeps signing and verifying.
func TestKeysStoredInTheClearAreSealedOnRead(t *testing.T) {
	ctx := context.Background()
	for name, st := range keyStoreBackends(t) {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{t: time.Now()}
			sk, err := generateKey(clock.Now(), testSealer)
			if err != nil {
				t.Fatal(err)
			}
			if sk.PrivateKey, err = testSealer.Open(sk.ID, sk.PrivateKey); err != nil { // as an older certsum stored it
				t.Fatal(err)
			}
			if err := st.AddSigningKey(ctx, sk); err != nil {
				t.Fatal(err)
			}
			svc := mustService(t, st, clock)
			c, secret := mustClient(t, svc, ClientSpec{Identity: alice.ID})
			tok, _, err := svc.Issue(ctx, c.ID, secret, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			keys, _ := st.ListSigningKeys(ctx)
			if len(keys) != 1 || keys[0].ID != sk.ID {
				t.Fatalf("keys after the first read: %+v", keys)
			}
			if !isSealed(keys[0].PrivateKey) {
				t.Error("the key is still stored in the clear")
			}
		})
	}
}

// Rewrapping seals every key with the new KEK: a server holding only the old KEK cannot sign
// with them any more, one holding the new key file can, and a server that was running
// before keeps signing with the keys it holds.
func TestRewrapKeys(t *testing.T) {
	ctx := context.Background()
	for name, st := range keyStoreBackends(t) {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{t: time.Now()}
			running := mustService(t, st, clock)
			c, secret := mustClient(t, running, ClientSpec{Identity: alice.ID})
			if _, _, err := running.Issue(ctx, c.ID, secret, nil); err != nil {
				t.Fatal(err)
			}
			text, err := NewKeyFile(nil)
			if err != nil {
				t.Fatal(err)
			}
			to, err := ParseKeyFile(text)
			if err != nil {
				t.Fatal(err)
			}
			n, err := running.RewrapKeys(ctx, to)
			if err != nil || n != 1 {
				t.Fatalf("RewrapKeys = %d, %v", n, err)
			}
			keys, _ := st.ListSigningKeys(ctx)
			if _, err := testSealer.Open(keys[0].ID, keys[0].PrivateKey); err == nil {
				t.Error("the old KEK still opens a rewrapped key")
			}
			if _, err := to.Open(keys[0].ID, keys[0].PrivateKey); err != nil {
				t.Errorf("the new KEK does not open the rewrapped key: %v", err)
			}
			clock.Add(2 * keyRefresh) // the running server re-reads the keys
			tok, _, err := running.Issue(ctx, c.ID, secret, nil)
			if err != nil {
				t.Fatalf("the running server stopped signing: %v", err)
			}
			restarted := mustService(t, st, clock, func(o *Options) { o.Sealer = to })
			if _, err := restarted.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			tok2, _, err := restarted.Issue(ctx, c.ID, secret, nil)
			if err != nil {
				t.Fatal(err)
			}
			if kid := kidOf(t, tok2); kid != keys[0].ID {
				t.Errorf("the restarted server signs with %s, want the rewrapped key %s", kid, keys[0].ID)
			}
		})
	}
}

// A sealed key changed in any byte, cut or extended does not open (GCM authenticates all of
// it); parsing arbitrary bytes as a key file never panics.
func FuzzOpenSealed(f *testing.F) {
	s := EphemeralSealer()
	sealed, _ := s.Seal("kid", []byte("a private key"))
	f.Add([]byte{0, 1}, 0, []byte("certsum-kek-v1:AAAA\n"))
	f.Add([]byte{}, -3, []byte("# x\n"))
	f.Fuzz(func(t *testing.T, xor []byte, cut int, keyFile []byte) {
		blob := bytes.Clone(sealed)
		for i, b := range xor {
			blob[i%len(blob)] ^= b
		}
		switch {
		case cut > 0:
			blob = append(blob, bytes.Repeat([]byte{byte(cut)}, cut%64)...)
		case cut < 0:
			blob = blob[:max(0, len(blob)+cut%len(blob))]
		}
		plain, err := s.Open("kid", blob)
		if bytes.Equal(blob, sealed) {
			if err != nil || string(plain) != "a private key" {
				t.Fatalf("the untouched sealed key: %q, %v", plain, err)
			}
		} else if err == nil {
			t.Fatalf("a changed sealed key opened: %x", blob)
		}
		_, _ = ParseKeyFile(keyFile)
	})
}

package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/certsum/certsum"
)

// algorithm is the only JWT signing algorithm certsum issues and accepts: ECDSA P-256 with
// SHA-256. Pinning one asymmetric algorithm rules out "none" and the HS256-with-public-key
// confusion.
const algorithm = "ES256"

// Cache timings of the key ring.
const (
	// keyRefresh is how old the cached key set may grow before it is re-read, so that a
	// rotation by another process reaches every replica's signer and verifier within it.
	keyRefresh = time.Minute
	// unknownKidReload is the least time between store reads caused by tokens naming a key
	// the cache does not hold, so that garbage kids cannot hammer the database.
	unknownKidReload = time.Second
)

// kidLen is the length of certsum's key ids: an unpadded base64url SHA-256 (RFC 7638 JWK
// thumbprint).
const kidLen = 43

// ringKey is one parsed key of the ring.
type ringKey struct {
	kid      string
	pub      *ecdsa.PublicKey
	priv     *ecdsa.PrivateKey // nil when the stored private key could not be opened or parsed
	privErr  error             // why priv is nil
	created  time.Time
	retired  bool
	notAfter time.Time // zero while the key is active
}

// keyRing caches the store's signing keys. Reads are served from the cache; the cache is
// re-read when it is older than keyRefresh, and (at most once per unknownKidReload) when a
// token names a key it does not hold.
type keyRing struct {
	store  certsum.KeyStore
	sealer *Sealer
	now    func() time.Time
	logger *slog.Logger

	loadMu sync.Mutex // one store read at a time
	addMu  sync.Mutex // one first key at a time

	mu         sync.RWMutex
	keys       map[string]*ringKey
	signer     *ringKey // the newest active key, nil when there is none
	loadedAt   time.Time
	loaded     bool
	gen        uint64        // counts loads, so concurrent callers can tell one happened
	missReload time.Time     // last re-read caused by an unknown kid
	missDone   chan struct{} // closed when that re-read is done; nil when none is under way
}

func newKeyRing(store certsum.KeyStore, sealer *Sealer, now func() time.Time, logger *slog.Logger) *keyRing {
	return &keyRing{store: store, sealer: sealer, now: now, logger: logger, keys: map[string]*ringKey{}}
}

// errUnknownKey and errKeyExpired are verification failures about the signing key.
var (
	errUnknownKey = errors.New("signing key is unknown")
	errKeyExpired = errors.New("signing key has expired")
)

// reload re-reads the store. Unless force is set, it does nothing when another caller has
// re-read it since the load that made this caller decide (generation since), so concurrent
// callers share one read.
func (r *keyRing) reload(ctx context.Context, since uint64, force bool) error {
	r.loadMu.Lock()
	defer r.loadMu.Unlock()
	r.mu.RLock()
	fresh := r.loaded && r.gen != since
	r.mu.RUnlock()
	if fresh && !force {
		return nil
	}
	stored, err := r.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	r.mu.RLock()
	previous := r.keys
	r.mu.RUnlock()
	keys := make(map[string]*ringKey, len(stored))
	var signer *ringKey
	for i := range stored { // newest first
		sk := &stored[i]
		if !isSealed(sk.PrivateKey) {
			// A key stored in the clear by an older certsum: seal it in place now.
			if err := r.sealStored(ctx, sk); err != nil {
				r.logger.Warn("cannot seal a signing key stored in the clear", "kid", sk.ID, "err", err)
			}
		}
		k, err := parseKey(sk, r.sealer)
		if err != nil {
			r.logger.Warn("ignoring unusable signing key", "kid", sk.ID, "err", err)
			continue
		}
		if k.priv == nil && k.privErr != nil {
			if old := previous[k.kid]; old != nil && old.priv != nil {
				// Re-sealed with a KEK this server does not hold yet (keys rewrap while it
				// runs): the key itself did not change, so keep signing with it.
				k.priv = old.priv
			} else {
				r.logger.Warn("signing key verifies only: its private half does not open", "kid", k.kid, "err", k.privErr)
			}
		}
		keys[k.kid] = k
		if signer == nil && !k.retired && k.priv != nil {
			signer = k
		}
	}
	r.mu.Lock()
	r.keys, r.signer, r.loadedAt, r.loaded = keys, signer, r.now(), true
	r.gen++
	r.mu.Unlock()
	return nil
}

// stale reports whether the cache needs a re-read, and the generation of the cache.
func (r *keyRing) stale() (bool, uint64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	now := r.now()
	return !r.loaded || now.Sub(r.loadedAt) >= keyRefresh || now.Before(r.loadedAt), r.gen
}

// refreshIfStale re-reads an old cache. A failure is only logged when there is a cache to
// fall back on, so a database hiccup does not stop verification of known keys.
func (r *keyRing) refreshIfStale(ctx context.Context) error {
	stale, at := r.stale()
	if !stale {
		return nil
	}
	err := r.reload(ctx, at, false)
	if err != nil {
		r.mu.RLock()
		loaded := r.loaded
		r.mu.RUnlock()
		if loaded {
			r.logger.Warn("cannot refresh signing keys; using the cached set", "err", err)
			return nil
		}
	}
	return err
}

// signingKey returns the key new tokens are signed with, creating the first key of a fresh
// install.
func (r *keyRing) signingKey(ctx context.Context) (*ringKey, error) {
	if err := r.refreshIfStale(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	k := r.signer
	r.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	// No active key: a fresh install, or every key was retired. Add one, once for all the
	// requests of this process that got here together (the first re-reads the store and
	// adds; the others find its key); if another replica does the same at the same moment,
	// both keys are valid and the newer one wins on the next refresh.
	r.addMu.Lock()
	defer r.addMu.Unlock()
	if err := r.reload(ctx, 0, true); err != nil {
		return nil, err
	}
	r.mu.RLock()
	k = r.signer
	r.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	if _, err := r.add(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	k = r.signer
	r.mu.RUnlock()
	if k == nil {
		return nil, fmt.Errorf("no usable signing key after creating one")
	}
	return k, nil
}

// add generates a key, stores it and reloads the ring.
func (r *keyRing) add(ctx context.Context) (*certsum.SigningKey, error) {
	sk, err := generateKey(r.now(), r.sealer)
	if err != nil {
		return nil, err
	}
	if err := r.store.AddSigningKey(ctx, sk); err != nil {
		return nil, fmt.Errorf("add signing key: %w", err)
	}
	if err := r.reload(ctx, 0, true); err != nil {
		return nil, err
	}
	return sk, nil
}

// verificationKey returns the public key named kid and, for a retired key, its NotAfter
// (zero for an active key), checking that it still verifies at now (its NotAfter plus
// leeway not passed).
func (r *keyRing) verificationKey(ctx context.Context, kid string, leeway time.Duration) (*ecdsa.PublicKey, time.Time, error) {
	if !plausibleKid(kid) {
		return nil, time.Time{}, errUnknownKey
	}
	if err := r.refreshIfStale(ctx); err != nil {
		return nil, time.Time{}, err
	}
	r.mu.Lock()
	k, ok := r.keys[kid]
	at := r.gen
	now := r.now()
	missReload := !ok && (r.missReload.IsZero() || now.Sub(r.missReload) >= unknownKidReload || now.Before(r.missReload))
	var pending chan struct{}
	if missReload {
		r.missReload = now
		r.missDone = make(chan struct{})
		pending = r.missDone
	} else if !ok {
		pending = r.missDone // nil when no re-read is under way
	}
	r.mu.Unlock()
	switch {
	case missReload:
		// Perhaps another replica or `certsum keys rotate` added it since the last read.
		err := r.reload(ctx, at, false)
		r.mu.Lock()
		close(pending)
		if r.missDone == pending {
			r.missDone = nil
		}
		r.mu.Unlock()
		if err != nil {
			return nil, time.Time{}, err
		}
		r.mu.RLock()
		k, ok = r.keys[kid]
		r.mu.RUnlock()
	case pending != nil:
		// Another request is re-reading the store for an unknown kid (perhaps this one):
		// wait for that read instead of failing before it lands.
		select {
		case <-pending:
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		}
		r.mu.RLock()
		k, ok = r.keys[kid]
		r.mu.RUnlock()
	}
	if !ok {
		return nil, time.Time{}, errUnknownKey
	}
	if k.retired && r.now().After(k.notAfter.Add(leeway)) {
		return nil, time.Time{}, errKeyExpired
	}
	return k.pub, k.notAfter, nil
}

// verifying returns the keys that still verify tokens at now, newest first.
func (r *keyRing) verifying(ctx context.Context) ([]*ringKey, error) {
	if err := r.refreshIfStale(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	now := r.now()
	out := make([]*ringKey, 0, len(r.keys))
	for _, k := range r.keys {
		if !k.retired || !now.After(k.notAfter) {
			out = append(out, k)
		}
	}
	sortNewestFirst(out)
	return out, nil
}

func sortNewestFirst(ks []*ringKey) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && (ks[j].created.After(ks[j-1].created) ||
			ks[j].created.Equal(ks[j-1].created) && ks[j].kid < ks[j-1].kid); j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

// rotate adds a new signing key, retires every other active key (they keep verifying until
// now + keep, by which time every token they signed has expired), prunes keys past their
// NotAfter, and returns the new key.
func (r *keyRing) rotate(ctx context.Context, keep time.Duration) (*certsum.SigningKey, error) {
	sk, err := generateKey(r.now(), r.sealer)
	if err != nil {
		return nil, err
	}
	if err := r.store.AddSigningKey(ctx, sk); err != nil {
		return nil, fmt.Errorf("add signing key: %w", err)
	}
	existing, err := r.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	now := r.now()
	for _, k := range existing {
		// Keys newer than this one come from a concurrent rotation elsewhere; leave them be,
		// so that two rotations at once still leave the newest key active.
		if k.ID == sk.ID || k.Retired != nil || k.Created.After(sk.Created.Time) {
			continue
		}
		if err := r.store.RetireSigningKey(ctx, k.ID, certsum.NewTime(now), certsum.NewTime(now.Add(keep))); err != nil &&
			certsum.ErrorCode(err) != certsum.CodeNotFound { // pruned meanwhile by another process
			return nil, fmt.Errorf("retire signing key %s: %w", k.ID, err)
		}
	}
	if _, err := r.store.DeleteSigningKeys(ctx, certsum.NewTime(now)); err != nil {
		return nil, fmt.Errorf("delete expired signing keys: %w", err)
	}
	if err := r.reload(ctx, 0, true); err != nil {
		return nil, err
	}
	return sk, nil
}

// sealStored seals a key stored in the clear and writes it back, unless another process
// changed it meanwhile.
func (r *keyRing) sealStored(ctx context.Context, sk *certsum.SigningKey) error {
	sealed, err := r.sealer.Seal(sk.ID, sk.PrivateKey)
	if err != nil {
		return err
	}
	if err := r.store.ResealSigningKey(ctx, sk.ID, sk.PrivateKey, sealed); err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			return nil // changed or deleted by another process
		}
		return err
	}
	r.logger.Info("sealed a signing key stored in the clear", "kid", sk.ID, "kek", r.sealer.Fingerprint())
	sk.PrivateKey = sealed
	return nil
}

// rewrap re-seals every stored key with to and reloads the ring.
func (r *keyRing) rewrap(ctx context.Context, to *Sealer) (int, error) {
	stored, err := r.store.ListSigningKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sk := range stored {
		plain := sk.PrivateKey
		if isSealed(plain) {
			if plain, err = r.sealer.Open(sk.ID, sk.PrivateKey); err != nil {
				return n, fmt.Errorf("key %s: %w", sk.ID, err)
			}
		}
		sealed, err := to.Seal(sk.ID, plain)
		if err != nil {
			return n, err
		}
		if err := r.store.ResealSigningKey(ctx, sk.ID, sk.PrivateKey, sealed); err != nil {
			if certsum.ErrorCode(err) == certsum.CodeNotFound {
				continue // pruned or re-sealed by another process meanwhile
			}
			return n, fmt.Errorf("key %s: %w", sk.ID, err)
		}
		n++
	}
	return n, r.reload(ctx, 0, true)
}

// generateKey makes a new P-256 key pair named by its JWK thumbprint, its private half
// sealed by sealer.
func generateKey(now time.Time, sealer *Sealer) (*certsum.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	sealed, err := sealer.Seal(kid, privDER)
	if err != nil {
		return nil, err
	}
	return &certsum.SigningKey{
		ID: kid, Algorithm: algorithm, PrivateKey: sealed, PublicKey: pubDER, Created: certsum.NewTime(now),
	}, nil
}

// parseKey turns a stored key into a ring key, opening its private half with sealer (a key
// stored in the clear by an older certsum is read as it is). Keys of other algorithms are
// refused; a key whose private half does not open or parse still verifies, and privErr
// says why it cannot sign.
func parseKey(sk *certsum.SigningKey, sealer *Sealer) (*ringKey, error) {
	if sk.Algorithm != algorithm {
		return nil, fmt.Errorf("algorithm %q is not %s", sk.Algorithm, algorithm)
	}
	pubAny, err := x509.ParsePKIXPublicKey(sk.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := pubAny.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("public key is not ECDSA P-256")
	}
	k := &ringKey{kid: sk.ID, pub: pub, created: sk.Created.Time, retired: sk.Retired != nil}
	if sk.NotAfter != nil {
		k.notAfter = sk.NotAfter.Time
	} else if k.retired {
		k.notAfter = sk.Retired.Time
	}
	der := sk.PrivateKey
	if isSealed(der) {
		if der, k.privErr = sealer.Open(sk.ID, der); k.privErr != nil {
			return k, nil
		}
	}
	privAny, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		k.privErr = fmt.Errorf("private key: %w", err)
		return k, nil
	}
	if priv, ok := privAny.(*ecdsa.PrivateKey); ok && priv.PublicKey.Equal(pub) {
		k.priv = priv
	} else {
		k.privErr = errors.New("the private key does not match the public key")
	}
	return k, nil
}

// thumbprint returns the RFC 7638 JWK thumbprint of a P-256 public key, certsum's kid.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	x, y, err := coordinates(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// coordinates returns the base64url x and y of a P-256 public key, as a JWK writes them.
func coordinates(pub *ecdsa.PublicKey) (x, y string, err error) {
	b, err := pub.Bytes() // 0x04 || X (32 bytes) || Y (32 bytes)
	if err != nil || len(b) != 65 {
		return "", "", fmt.Errorf("encode public key point: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:]), nil
}

// plausibleKid reports whether kid could be one of certsum's key ids, so that tokens with
// made-up ids are refused without a store read.
func plausibleKid(kid string) bool {
	if len(kid) != kidLen {
		return false
	}
	for i := 0; i < len(kid); i++ {
		c := kid[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

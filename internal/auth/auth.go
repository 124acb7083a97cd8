package auth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/ratelimit"
)

// Defaults of Options.
const (
	// DefaultTokenTTL is the access token lifetime. It is long because neither official SDK
	// ever refreshes its token.
	DefaultTokenTTL = 12 * time.Hour
	// DefaultIssuer is the iss claim when Options.Issuer is empty.
	DefaultIssuer = "certsum"
	// DefaultTenantID is the tenant_id claim when Options.TenantID is empty.
	DefaultTenantID = "certsum"
	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	Leeway = 30 * time.Second
)

// Store is what the auth service needs from a backend; every certsum.Store has it.
type Store interface {
	certsum.ClientStore
	certsum.KeyStore
	certsum.InventoryStore
}

// Options configures a Service.
type Options struct {
	// Store keeps clients, signing keys and identities. Required.
	Store Store
	// Issuer is the iss claim of issued tokens and the only issuer accepted. Every replica
	// of one deployment must use the same value. Default DefaultIssuer.
	Issuer string
	// Audience is the aud claim of issued tokens and the only audience accepted. Default:
	// the issuer.
	Audience string
	// TokenTTL is the lifetime of issued tokens. Default DefaultTokenTTL.
	TokenTTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives operational messages (never secrets or tokens). Default: discard.
	Logger *slog.Logger
	// TenantID is the tenant_id of tokens and token responses. Default DefaultTenantID.
	TenantID string
	// Limiter, when set, limits token requests per client id (ratelimit.Key("oauth", id)).
	Limiter ratelimit.Limiter
	// Sealer seals the private halves of signing keys before they are stored and opens them
	// when they are read. Required: every server on one store needs a Sealer over the same
	// key-encryption keys (see seal.go).
	Sealer *Sealer
}

// Service issues and verifies access tokens and manages clients and signing keys. It is safe
// for concurrent use; several Services (one per replica) may share one store.
type Service struct {
	store    Store
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	logger   *slog.Logger
	tenantID string
	limiter  ratelimit.Limiter

	keys     *keyRing
	clients  *clientCache
	verified verifiedCache
}

// New returns a Service. It does not touch the store: the first signing key is created when
// the first token is issued, unless RotateKey made one before.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("auth: Options.Store is required")
	}
	if o.Sealer == nil {
		return nil, fmt.Errorf("auth: Options.Sealer is required: signing keys are never stored in the clear")
	}
	if o.TokenTTL < 0 {
		return nil, fmt.Errorf("auth: token lifetime must be positive, not %s", o.TokenTTL)
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.TokenTTL < time.Second {
		return nil, fmt.Errorf("auth: token lifetime must be at least 1s, not %s", o.TokenTTL)
	}
	if o.Issuer == "" {
		o.Issuer = DefaultIssuer
	}
	if o.Audience == "" {
		o.Audience = o.Issuer
	}
	if o.TenantID == "" {
		o.TenantID = DefaultTenantID
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Service{
		store: o.Store, issuer: o.Issuer, audience: o.Audience, ttl: o.TokenTTL, now: o.Now,
		logger: o.Logger, tenantID: o.TenantID, limiter: o.Limiter,
	}
	s.keys = newKeyRing(o.Store, o.Sealer, o.Now, o.Logger)
	s.clients = newClientCache(o.Store, o.Now)
	return s, nil
}

// TokenTTL returns the lifetime of the tokens this Service issues.
func (s *Service) TokenTTL() time.Duration { return s.ttl }

// keepRetired is how long a retired key must keep verifying: the longest a token it signed
// can live, plus the time other replicas may keep signing with it from their caches, plus
// the leeway.
func (s *Service) keepRetired() time.Duration { return s.ttl + keyRefresh + Leeway }

// RotateKey adds a new signing key that every replica starts signing with within a minute,
// retires the previous ones (they verify until every token they may have signed has
// expired: now + token lifetime + one minute of cache + leeway), and deletes keys whose
// NotAfter has passed.
func (s *Service) RotateKey(ctx context.Context) (*certsum.SigningKey, error) {
	k, err := s.keys.rotate(ctx, s.keepRetired())
	if err != nil {
		return nil, fmt.Errorf("rotate signing key: %w", err)
	}
	s.logger.Info("signing key rotated", "kid", k.ID)
	return k, nil
}

// RewrapKeys seals the private half of every stored signing key with to's sealing KEK
// instead of the KEK it is sealed with now, and returns how many it re-sealed. This Service's
// own Sealer must open every key; to must hold the new KEK first. A key changed by another
// process meanwhile is left as that process wrote it.
func (s *Service) RewrapKeys(ctx context.Context, to *Sealer) (int, error) {
	n, err := s.keys.rewrap(ctx, to)
	if err != nil {
		return n, fmt.Errorf("rewrap signing keys: %w", err)
	}
	s.logger.Info("signing keys re-sealed", "keys", n, "kek", to.Fingerprint())
	return n, nil
}

// EnsureSigningKey makes sure there is an active signing key, creating one on a fresh
// install, and returns its kid. Servers may call it at start-up so that the first token
// request does not pay for key generation.
func (s *Service) EnsureSigningKey(ctx context.Context) (string, error) {
	k, err := s.keys.signingKey(ctx)
	if err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	return k.kid, nil
}

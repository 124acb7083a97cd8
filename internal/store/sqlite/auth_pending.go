package sqlite

import (
	"context"

	"github.com/certsum/certsum"
)

// This file holds the OAuth client and signing key methods until their real implementation
// (client.go, key.go and migrations/002_auth.sql) lands and replaces it. Every method
// reports CodeUnavailable, so nothing can mistake it for working storage.

func errAuthPending(op string) error {
	return certsum.Errorf(certsum.CodeUnavailable, "%s: OAuth client and signing key storage is not available in this build", op)
}

// CreateClient is not available yet.
func (s *Store) CreateClient(ctx context.Context, c *certsum.OAuthClient) error {
	return errAuthPending("create client")
}

// GetClient is not available yet.
func (s *Store) GetClient(ctx context.Context, id string) (*certsum.OAuthClient, error) {
	return nil, errAuthPending("get client")
}

// ListClients is not available yet.
func (s *Store) ListClients(ctx context.Context) ([]certsum.OAuthClient, error) {
	return nil, errAuthPending("list clients")
}

// DeleteClient is not available yet.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return errAuthPending("delete client")
}

// AddSigningKey is not available yet.
func (s *Store) AddSigningKey(ctx context.Context, k *certsum.SigningKey) error {
	return errAuthPending("add signing key")
}

// RetireSigningKey is not available yet.
func (s *Store) RetireSigningKey(ctx context.Context, kid string, retired, notAfter certsum.Time) error {
	return errAuthPending("retire signing key")
}

// ListSigningKeys is not available yet.
func (s *Store) ListSigningKeys(ctx context.Context) ([]certsum.SigningKey, error) {
	return nil, errAuthPending("list signing keys")
}

// DeleteSigningKeys is not available yet.
func (s *Store) DeleteSigningKeys(ctx context.Context, before certsum.Time) (int, error) {
	return 0, errAuthPending("delete signing keys")
}

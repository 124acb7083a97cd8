package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
)

// AddSigningKey stores a new token-signing key. Errors: invalid
// (no kid, algorithm or key material), conflict (kid taken).
func (s *Store) AddSigningKey(ctx context.Context, k *certsum.SigningKey) error {
	switch {
	case k == nil:
		return certsum.Invalidf("key", "no signing key given")
	case strings.TrimSpace(k.ID) == "":
		return certsum.Invalidf("kid", "a signing key needs a kid")
	case strings.TrimSpace(k.Algorithm) == "":
		return certsum.Invalidf("alg", "a signing key needs an algorithm")
	case len(k.PrivateKey) == 0 || len(k.PublicKey) == 0:
		return certsum.Invalidf("key", "a signing key needs its private and public key")
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO signing_keys (id, algorithm, private_key, public_key, created, retired, not_after)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		k.ID, k.Algorithm, k.PrivateKey, k.PublicKey, pgTime(k.Created), pgNullTime(k.Retired), pgNullTime(k.NotAfter))
	if err != nil {
		return fmt.Errorf("add signing key: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return certsum.Conflictf("signing key %q already exists", k.ID)
	}
	return nil
}

// RetireSigningKey marks a key as no longer signing; it verifies until notAfter. Errors:
// not_found.
func (s *Store) RetireSigningKey(ctx context.Context, kid string, retired, notAfter certsum.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE signing_keys SET retired = $1, not_after = $2 WHERE id = $3`,
		pgTime(retired), pgTime(notAfter), kid)
	if err != nil {
		return fmt.Errorf("retire signing key: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return certsum.NotFoundf("signing key %q not found", kid)
	}
	return nil
}

// ListSigningKeys returns every key, newest first (keys created at the same instant in
// reverse order of insertion).
func (s *Store) ListSigningKeys(ctx context.Context) ([]certsum.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, algorithm, private_key, public_key, created, retired, not_after
		FROM signing_keys ORDER BY created DESC, seq DESC`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (certsum.SigningKey, error) {
		var k certsum.SigningKey
		err := r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, timeCol{&k.Created},
			nullTimeCol{&k.Retired}, nullTimeCol{&k.NotAfter})
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", translate(err))
	}
	if out == nil {
		out = []certsum.SigningKey{}
	}
	return out, nil
}

// DeleteSigningKeys removes the keys whose NotAfter is before t and returns how many.
func (s *Store) DeleteSigningKeys(ctx context.Context, before certsum.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE not_after < $1`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("delete signing keys: %w", translate(err))
	}
	return int(tag.RowsAffected()), nil
}

// ResealSigningKey replaces the private half of key kid with sealed if it still holds old.
func (s *Store) ResealSigningKey(ctx context.Context, kid string, old, sealed []byte) error {
	tag, err := s.pool.Exec(ctx, `UPDATE signing_keys SET private_key = $1 WHERE id = $2 AND private_key = $3`, sealed, kid, old)
	if err != nil {
		return fmt.Errorf("reseal signing key: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return certsum.NotFoundf("signing key %q with that private key not found", kid)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
)

const keySelect = `SELECT id, algorithm, private_key, public_key, created, retired, not_after FROM signing_keys`

func scanKey(r rowScanner) (certsum.SigningKey, error) {
	var k certsum.SigningKey
	err := r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, timeCol{&k.Created},
		nullTimeCol{&k.Retired}, nullTimeCol{&k.NotAfter})
	return k, err
}

// AddSigningKey stores a new key. Errors: invalid (no kid, algorithm or key material),
// conflict (kid taken).
func (s *Store) AddSigningKey(ctx context.Context, k *certsum.SigningKey) error {
	switch {
	case k == nil:
		return certsum.Invalidf("key", "no signing key given")
	case strings.TrimSpace(k.ID) == "":
		return certsum.Invalidf("kid", "a signing key needs a kid")
	case k.Algorithm == "":
		return certsum.Invalidf("alg", "a signing key needs an algorithm")
	case len(k.PrivateKey) == 0 || len(k.PublicKey) == 0:
		return certsum.Invalidf("key", "a signing key needs its private and public key")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO signing_keys
			(id, algorithm, private_key, public_key, created, retired, not_after) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.Algorithm, k.PrivateKey, k.PublicKey, timeText(k.Created), nullTimeText(k.Retired), nullTimeText(k.NotAfter))
		if certsum.ErrorCode(s.translate(err)) == certsum.CodeConflict {
			return certsum.Conflictf("signing key %q already exists", k.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("add signing key: %w", err)
	}
	return nil
}

// RetireSigningKey marks a key as no longer signing, verifying until notAfter. Errors:
// not_found.
func (s *Store) RetireSigningKey(ctx context.Context, kid string, retired, notAfter certsum.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired = ?, not_after = ? WHERE id = ?`,
			timeText(retired), timeText(notAfter), kid)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return certsum.NotFoundf("signing key %q not found", kid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("retire signing key: %w", err)
	}
	return nil
}

// ListSigningKeys returns every key, newest first (keys created in the same millisecond in
// reverse order of insertion).
func (s *Store) ListSigningKeys(ctx context.Context) ([]certsum.SigningKey, error) {
	rows, err := s.read.QueryContext(ctx, keySelect+` ORDER BY created DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", s.translate(err))
	}
	defer rows.Close()
	out := []certsum.SigningKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list signing keys: %w", s.translate(err))
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", s.translate(err))
	}
	return out, nil
}

// DeleteSigningKeys removes keys whose NotAfter is before t and returns how many. Active
// keys (no NotAfter) are never removed.
func (s *Store) DeleteSigningKeys(ctx context.Context, before certsum.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE not_after IS NOT NULL AND not_after < ?`, timeText(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete signing keys: %w", err)
	}
	return int(n), nil
}

// ResealSigningKey replaces the private half of key kid with sealed if it still holds old.
func (s *Store) ResealSigningKey(ctx context.Context, kid string, old, sealed []byte) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE signing_keys SET private_key = ? WHERE id = ? AND private_key = ?`, sealed, kid, old)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return certsum.NotFoundf("signing key %q with that private key not found", kid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reseal signing key: %w", err)
	}
	return nil
}

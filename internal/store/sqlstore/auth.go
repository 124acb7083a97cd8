package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// This file keeps the OAuth clients and the token-signing keys (certsum.AdminStore,
// certsum.KeyStore).

const clientSelect = `SELECT id, name, COALESCE(identity_id, ''), levels, scopes, secret_hash, created, last_used
	FROM oauth_clients`

func scanClient(dl Dialect, r Scanner) (certsum.OAuthClient, error) {
	var c certsum.OAuthClient
	err := r.Scan(&c.ID, &c.Name, &c.IdentityID, dl.JSON(&c.Levels), dl.JSON(&c.Scopes), &c.SecretHash,
		dl.Time(&c.Created), dl.NullTime(&c.LastUsed))
	if c.Levels == nil {
		c.Levels = []string{}
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	return c, err
}

// CreateClient stores an OAuth client. Errors: invalid (no id, name or secret hash),
// conflict (id taken), reference (unknown identity).
func (c *Core[K]) CreateClient(ctx context.Context, cl *certsum.OAuthClient) error {
	if err := certsum.CheckNewClient(cl); err != nil {
		return err
	}
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		if cl.IdentityID != "" {
			var one int
			found, err := QueryRow(ctx, tx, `SELECT 1 FROM identities WHERE id = `+dl.Param(1), []any{cl.IdentityID}, &one)
			if err != nil {
				return err
			}
			if !found {
				return &certsum.Error{Code: certsum.CodeReference, Field: "identityId",
					Message: fmt.Sprintf("identity %q not found", cl.IdentityID)}
			}
		}
		n, err := tx.Exec(ctx, `INSERT INTO oauth_clients (id, name, identity_id, levels, scopes, secret_hash, created, last_used)
			VALUES (`+Params(dl, 1, 8)+`) ON CONFLICT (id) DO NOTHING`,
			cl.ID, cl.Name, NullString(cl.IdentityID), dl.StringList(cl.Levels), dl.StringList(cl.Scopes), cl.SecretHash,
			dl.TimeArg(cl.Created), dl.NullTimeArg(cl.LastUsed))
		if err != nil {
			return err
		}
		if n == 0 {
			return certsum.Conflictf("client %q already exists", cl.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return nil
}

// GetClient returns one OAuth client. Errors: not_found.
func (c *Core[K]) GetClient(ctx context.Context, id string) (*certsum.OAuthClient, error) {
	var out *certsum.OAuthClient
	err := c.each(ctx, clientSelect+` WHERE id = `+c.B.Param(1), []any{id}, func(r Rows) error {
		cl, err := scanClient(c.B, r)
		out = &cl
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get client: %w", c.B.Translate(err))
	}
	if out == nil {
		return nil, certsum.NotFoundf("client %q not found", id)
	}
	return out, nil
}

// ListClients returns every OAuth client, oldest first.
func (c *Core[K]) ListClients(ctx context.Context) ([]certsum.OAuthClient, error) {
	out := []certsum.OAuthClient{}
	err := c.each(ctx, clientSelect+` ORDER BY created, id`, nil, func(r Rows) error {
		cl, err := scanClient(c.B, r)
		out = append(out, cl)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", c.B.Translate(err))
	}
	return out, nil
}

// DeleteClient removes an OAuth client. Errors: not_found.
func (c *Core[K]) DeleteClient(ctx context.Context, id string) error {
	return c.change(ctx, "delete client", certsum.NotFoundf("client %q not found", id),
		`DELETE FROM oauth_clients WHERE id = `+c.B.Param(1), id)
}

// each runs a read outside a transaction and calls fn for each row.
func (c *Core[K]) each(ctx context.Context, stmt string, args []any, fn func(Rows) error) error {
	return Each(ctx, c.B.Read(), stmt, args, fn)
}

// Each runs a query through q and calls fn for each row.
func Each(ctx context.Context, q Querier, stmt string, args []any, fn func(Rows) error) error {
	rows, err := q.Query(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// change runs one write statement in a write transaction; none, when not nil, is the error
// when it changed no row.
func (c *Core[K]) change(ctx context.Context, what string, none error, stmt string, args ...any) error {
	_, err := c.changed(ctx, none, stmt, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (c *Core[K]) changed(ctx context.Context, none error, stmt string, args ...any) (int64, error) {
	var n int64
	err := c.B.WriteTx(ctx, func(tx Querier) (err error) {
		n, err = tx.Exec(ctx, stmt, args...)
		if err == nil && n == 0 && none != nil {
			err = none
		}
		return err
	})
	return n, err
}

// AddSigningKey stores a new token-signing key. Errors: invalid (no kid, algorithm or key
// material), conflict (kid taken).
func (c *Core[K]) AddSigningKey(ctx context.Context, k *certsum.SigningKey) error {
	if err := certsum.CheckNewSigningKey(k); err != nil {
		return err
	}
	dl := c.B
	return c.change(ctx, "add signing key", certsum.Conflictf("signing key %q already exists", k.ID),
		`INSERT INTO signing_keys (id, algorithm, private_key, public_key, created, retired, not_after)
		VALUES (`+Params(dl, 1, 7)+`) ON CONFLICT (id) DO NOTHING`,
		k.ID, k.Algorithm, k.PrivateKey, k.PublicKey, dl.TimeArg(k.Created), dl.NullTimeArg(k.Retired), dl.NullTimeArg(k.NotAfter))
}

// RetireSigningKey marks a key as no longer signing; it verifies until notAfter. Errors:
// not_found.
func (c *Core[K]) RetireSigningKey(ctx context.Context, kid string, retired, notAfter certsum.Time) error {
	dl := c.B
	return c.change(ctx, "retire signing key", certsum.NotFoundf("signing key %q not found", kid),
		`UPDATE signing_keys SET retired = `+dl.Param(1)+`, not_after = `+dl.Param(2)+` WHERE id = `+dl.Param(3),
		dl.TimeArg(retired), dl.TimeArg(notAfter), kid)
}

// ListSigningKeys returns every key, newest first (keys created at the same instant in
// reverse order of insertion).
func (c *Core[K]) ListSigningKeys(ctx context.Context) ([]certsum.SigningKey, error) {
	out := []certsum.SigningKey{}
	err := c.each(ctx, `SELECT id, algorithm, private_key, public_key, created, retired, not_after
		FROM signing_keys ORDER BY created DESC, `+c.B.Keys().KeyOrder+` DESC`, nil, func(r Rows) error {
		var k certsum.SigningKey
		err := r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, c.B.Time(&k.Created),
			c.B.NullTime(&k.Retired), c.B.NullTime(&k.NotAfter))
		out = append(out, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", c.B.Translate(err))
	}
	return out, nil
}

// DeleteSigningKeys removes the keys whose NotAfter is before t and returns how many. Active
// keys (no NotAfter) are never removed.
func (c *Core[K]) DeleteSigningKeys(ctx context.Context, before certsum.Time) (int, error) {
	n, err := c.changed(ctx, nil, `DELETE FROM signing_keys WHERE not_after IS NOT NULL AND not_after < `+c.B.Param(1),
		c.B.TimeArg(before))
	if err != nil {
		return 0, fmt.Errorf("delete signing keys: %w", err)
	}
	return int(n), nil
}

// ResealSigningKey replaces the private half of key kid with sealed if it still holds old.
// Errors: not_found.
func (c *Core[K]) ResealSigningKey(ctx context.Context, kid string, old, sealed []byte) error {
	dl := c.B
	return c.change(ctx, "reseal signing key", certsum.NotFoundf("signing key %q with that private key not found", kid),
		`UPDATE signing_keys SET private_key = `+dl.Param(1)+` WHERE id = `+dl.Param(2)+` AND private_key = `+dl.Param(3),
		sealed, kid, old)
}

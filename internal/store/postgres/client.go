package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
)

const clientSelect = `SELECT id, name, COALESCE(identity_id, ''), levels, scopes, secret_hash, created, last_used
	FROM oauth_clients`

func scanClient(r rowScanner) (certsum.OAuthClient, error) {
	var c certsum.OAuthClient
	err := r.Scan(&c.ID, &c.Name, &c.IdentityID, &c.Levels, &c.Scopes, &c.SecretHash,
		timeCol{&c.Created}, nullTimeCol{&c.LastUsed})
	if c.Levels == nil {
		c.Levels = []string{}
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	return c, err
}

// CreateClient stores an OAuth client. Errors: invalid (no id,
// no name, no secret hash), conflict (id taken), reference (unknown identity).
func (s *Store) CreateClient(ctx context.Context, c *certsum.OAuthClient) error {
	if err := certsum.CheckNewClient(c); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if c.IdentityID != "" {
			ok, err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM identities WHERE id = $1)`, c.IdentityID)
			if err != nil {
				return err
			}
			if !ok {
				return &certsum.Error{Code: certsum.CodeReference, Field: "identityId",
					Message: fmt.Sprintf("identity %q not found", c.IdentityID)}
			}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO oauth_clients (id, name, identity_id, levels, scopes, secret_hash, created, last_used)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Name, nullString(c.IdentityID), strs(c.Levels), strs(c.Scopes), c.SecretHash,
			pgTime(c.Created), pgNullTime(c.LastUsed))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return certsum.Conflictf("client %q already exists", c.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return nil
}

// GetClient returns one OAuth client. Errors: not_found.
func (s *Store) GetClient(ctx context.Context, id string) (*certsum.OAuthClient, error) {
	c, err := scanClient(s.pool.QueryRow(ctx, clientSelect+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, certsum.NotFoundf("client %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get client: %w", translate(err))
	}
	return &c, nil
}

// ListClients returns every OAuth client, oldest first.
func (s *Store) ListClients(ctx context.Context) ([]certsum.OAuthClient, error) {
	rows, err := s.pool.Query(ctx, clientSelect+` ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (certsum.OAuthClient, error) { return scanClient(r) })
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", translate(err))
	}
	if out == nil {
		out = []certsum.OAuthClient{}
	}
	return out, nil
}

// DeleteClient removes an OAuth client. Errors: not_found.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM oauth_clients WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete client: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return certsum.NotFoundf("client %q not found", id)
	}
	return nil
}

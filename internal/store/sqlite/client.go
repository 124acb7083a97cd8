package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

const clientSelect = `SELECT id, name, identity_id, levels, scopes, secret_hash, created, last_used FROM oauth_clients`

func scanClient(r rowScanner) (certsum.OAuthClient, error) {
	var c certsum.OAuthClient
	var identity sql.NullString
	err := r.Scan(&c.ID, &c.Name, &identity, jsonCol{&c.Levels}, jsonCol{&c.Scopes}, &c.SecretHash,
		timeCol{&c.Created}, nullTimeCol{&c.LastUsed})
	if err != nil {
		return c, err
	}
	c.IdentityID = identity.String
	if c.Levels == nil {
		c.Levels = []string{}
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	return c, nil
}

// CreateClient stores a client. Errors: invalid (no id, name or secret hash), conflict (id
// taken), reference (unknown identity).
func (s *Store) CreateClient(ctx context.Context, c *certsum.OAuthClient) error {
	if err := certsum.CheckNewClient(c); err != nil {
		return err
	}
	levels, err := sqlstore.JSONText(nonNil(c.Levels))
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	scopes, err := sqlstore.JSONText(nonNil(c.Scopes))
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if c.IdentityID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM identities WHERE id = ?`, c.IdentityID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return &certsum.Error{Code: certsum.CodeReference, Field: "identityId",
					Message: fmt.Sprintf("identity %q not found", c.IdentityID)}
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_clients
			(id, name, identity_id, levels, scopes, secret_hash, created, last_used)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, nullString(c.IdentityID), levels, scopes, c.SecretHash, timeText(c.Created), nullTimeText(c.LastUsed))
		if certsum.ErrorCode(s.translate(err)) == certsum.CodeConflict {
			return certsum.Conflictf("client %q already exists", c.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return nil
}

// nonNil turns a nil list into an empty one, so that it is stored as [] rather than NULL.
func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// GetClient returns a client. Errors: not_found.
func (s *Store) GetClient(ctx context.Context, id string) (*certsum.OAuthClient, error) {
	c, err := scanClient(s.read.QueryRowContext(ctx, clientSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("client %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get client: %w", s.translate(err))
	}
	return &c, nil
}

// ListClients returns every client, oldest first.
func (s *Store) ListClients(ctx context.Context) ([]certsum.OAuthClient, error) {
	rows, err := s.read.QueryContext(ctx, clientSelect+` ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", s.translate(err))
	}
	defer rows.Close()
	out := []certsum.OAuthClient{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list clients: %w", s.translate(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list clients: %w", s.translate(err))
	}
	return out, nil
}

// DeleteClient removes a client. Errors: not_found.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oauth_clients WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return certsum.NotFoundf("client %q not found", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	return nil
}

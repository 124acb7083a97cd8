package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
)

const identitySelect = `SELECT id, name, COALESCE(email, ''), COALESCE(manager_id, ''), department, title FROM identities`

func scanIdentity(r rowScanner) (certsum.Identity, error) {
	var i certsum.Identity
	err := r.Scan(&i.ID, &i.Name, &i.Email, &i.ManagerID, &i.Department, &i.Title)
	return i, err
}

// FindIdentity returns the identity with this id or, failing that, the one identity with
// exactly this name. Errors: not_found, invalid (the name is ambiguous).
func (s *Store) FindIdentity(ctx context.Context, idOrName string) (*certsum.Identity, error) {
	var out *certsum.Identity
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		i, err := scanIdentity(tx.QueryRow(ctx, identitySelect+` WHERE id = $1`, idOrName))
		if err == nil {
			out = &i
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows, err := tx.Query(ctx, identitySelect+` WHERE name = $1 ORDER BY id LIMIT 2`, idOrName)
		if err != nil {
			return err
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (certsum.Identity, error) { return scanIdentity(r) })
		if err != nil {
			return err
		}
		switch len(found) {
		case 0:
			return certsum.NotFoundf("identity %q not found", idOrName)
		case 1:
			out = &found[0]
			return nil
		}
		return certsum.Invalidf("identity", "more than one identity is named %q; use its id", idOrName)
	})
	if err != nil {
		return nil, fmt.Errorf("find identity: %w", err)
	}
	return out, nil
}

// CreateIdentity adds an identity; an empty ID is filled with a new one. Errors: invalid
// (no name, unknown manager), conflict (id taken).
func (s *Store) CreateIdentity(ctx context.Context, id *certsum.Identity) error {
	if err := certsum.CheckNewIdentity(id); err != nil {
		return err
	}
	if id.ID == "" {
		id.ID = certsum.NewID()
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if id.ManagerID != "" {
			ok, err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM identities WHERE id = $1)`, id.ManagerID)
			if err != nil {
				return err
			}
			if !ok {
				return certsum.Invalidf("managerId", "manager %q not found", id.ManagerID)
			}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO identities (id, name, email, manager_id, department, title)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			id.ID, id.Name, nullString(id.Email), nullString(id.ManagerID), id.Department, id.Title)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return certsum.Conflictf("identity %q already exists", id.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create identity: %w", err)
	}
	return nil
}

// CountIdentities returns how many identities the inventory holds.
func (s *Store) CountIdentities(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM identities`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count identities: %w", translate(err))
	}
	return n, nil
}

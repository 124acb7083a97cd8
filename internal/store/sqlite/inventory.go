package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		i, err := scanIdentity(tx.QueryRowContext(ctx, identitySelect+` WHERE id = ?`, idOrName))
		if err == nil {
			out = &i
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, identitySelect+` WHERE name = ? ORDER BY id LIMIT 2`, idOrName)
		if err != nil {
			return err
		}
		defer rows.Close()
		var found []certsum.Identity
		for rows.Next() {
			i, err := scanIdentity(rows)
			if err != nil {
				return err
			}
			found = append(found, i)
		}
		if err := rows.Err(); err != nil {
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if id.ManagerID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM identities WHERE id = ?`, id.ManagerID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return certsum.Invalidf("managerId", "manager %q not found", id.ManagerID)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO identities (id, name, email, manager_id, department, title)
			VALUES (?, ?, ?, ?, ?, ?)`, id.ID, id.Name, nullString(id.Email), nullString(id.ManagerID), id.Department, id.Title)
		if certsum.ErrorCode(s.translate(err)) == certsum.CodeConflict {
			return certsum.Conflictf("identity %q already exists", id.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create identity: %w", err)
	}
	return nil
}

// CountIdentities returns how many identities the inventory holds.
func (s *Store) CountIdentities(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM identities`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count identities: %w", s.translate(err))
	}
	return n, nil
}

package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

const identitySelect = `SELECT id, name, COALESCE(email, ''), COALESCE(manager_id, ''), department, title FROM identities`

// NullString stores "" as NULL.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (c *Core[K]) identities(ctx context.Context, tx Querier, where string, arg any) ([]certsum.Identity, error) {
	rows, err := tx.Query(ctx, identitySelect+` WHERE `+where, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []certsum.Identity
	for rows.Next() {
		var i certsum.Identity
		if err := rows.Scan(&i.ID, &i.Name, &i.Email, &i.ManagerID, &i.Department, &i.Title); err != nil {
			return nil, err
		}
		found = append(found, i)
	}
	return found, rows.Err()
}

// FindIdentity returns the identity with this id or, failing that, the one identity with
// exactly this name. Errors: not_found, invalid (the name is ambiguous).
func (c *Core[K]) FindIdentity(ctx context.Context, idOrName string) (*certsum.Identity, error) {
	var out *certsum.Identity
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		found, err := c.identities(ctx, tx, `id = `+c.B.Param(1), idOrName)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			if found, err = c.identities(ctx, tx, `name = `+c.B.Param(1)+` ORDER BY id LIMIT 2`, idOrName); err != nil {
				return err
			}
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
func (c *Core[K]) CreateIdentity(ctx context.Context, id *certsum.Identity) error {
	if err := certsum.CheckNewIdentity(id); err != nil {
		return err
	}
	if id.ID == "" {
		id.ID = certsum.NewID()
	}
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		if id.ManagerID != "" {
			var one int
			found, err := QueryRow(ctx, tx, `SELECT 1 FROM identities WHERE id = `+c.B.Param(1), []any{id.ManagerID}, &one)
			if err != nil {
				return err
			}
			if !found {
				return certsum.Invalidf("managerId", "manager %q not found", id.ManagerID)
			}
		}
		n, err := tx.Exec(ctx, `INSERT INTO identities (id, name, email, manager_id, department, title)
			VALUES (`+Params(c.B, 1, 6)+`) ON CONFLICT (id) DO NOTHING`,
			id.ID, id.Name, NullString(id.Email), NullString(id.ManagerID), id.Department, id.Title)
		if err != nil {
			return err
		}
		if n == 0 {
			return certsum.Conflictf("identity %q already exists", id.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create identity: %w", err)
	}
	return nil
}

// CountIdentities returns how many identities the inventory holds (removed ones left out).
func (c *Core[K]) CountIdentities(ctx context.Context) (int, error) {
	var n int
	if _, err := QueryRow(ctx, c.B.Read(), `SELECT COUNT(*) FROM identities WHERE deleted_at IS NULL`, nil, &n); err != nil {
		return 0, fmt.Errorf("count identities: %w", c.B.Translate(err))
	}
	return n, nil
}

// LiveIdentities returns every identity that no import removed, in id order.
func (c *Core[K]) LiveIdentities(ctx context.Context) ([]certsum.Identity, error) {
	out := []certsum.Identity{}
	err := Each(ctx, c.B.Read(), `SELECT id, name, COALESCE(email, ''), COALESCE(manager_id, '') FROM identities
		WHERE deleted_at IS NULL ORDER BY id`, nil, func(rows Rows) error {
		var x certsum.Identity
		if err := rows.Scan(&x.ID, &x.Name, &x.Email, &x.ManagerID); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", c.B.Translate(err))
	}
	return out, nil
}

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/certsum/certsum"
)

// Campaign filters (certsum.CampaignFilterStore), kept whole as JSON.

// CreateCampaignFilter stores a new filter and sets its id. Errors: invalid.
func (c *Core[K]) CreateCampaignFilter(ctx context.Context, f *certsum.CampaignFilter) error {
	if err := f.Check(); err != nil {
		return err
	}
	f.ID, f.IsSystemFilter = certsum.NewID(), false
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	dl := c.B
	now := dl.TimeArg(c.now(ctx))
	err = c.B.WriteTx(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO campaign_filters (id, name, filter, created, modified) VALUES (`+Params(dl, 1, 5)+`)`,
			f.ID, f.Name, string(b), now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("create campaign filter: %w", err)
	}
	return nil
}

// UpdateCampaignFilter replaces a filter. Errors: invalid, not_found.
func (c *Core[K]) UpdateCampaignFilter(ctx context.Context, f *certsum.CampaignFilter) error {
	if err := f.Check(); err != nil {
		return err
	}
	f.IsSystemFilter = false
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	dl := c.B
	err = c.B.WriteTx(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE campaign_filters SET name = `+dl.Param(1)+`, filter = `+dl.Param(2)+`, modified = `+
			dl.Param(3)+` WHERE id = `+dl.Param(4), f.Name, string(b), dl.TimeArg(c.now(ctx)), f.ID)
		if err == nil && n == 0 {
			err = certsum.NotFoundf("campaign filter %q not found", f.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update campaign filter: %w", err)
	}
	return nil
}

// getFilterIn reads a filter through q. Errors: not_found.
func getFilterIn(ctx context.Context, q Querier, dl Dialect, id string) (*certsum.CampaignFilter, error) {
	var raw string
	found, err := QueryRow(ctx, q, `SELECT CAST(filter AS TEXT) FROM campaign_filters WHERE id = `+dl.Param(1), []any{id}, &raw)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, certsum.NotFoundf("campaign filter %q not found", id)
	}
	var f certsum.CampaignFilter
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// GetCampaignFilter returns a filter. Errors: not_found.
func (c *Core[K]) GetCampaignFilter(ctx context.Context, id string) (*certsum.CampaignFilter, error) {
	f, err := getFilterIn(ctx, c.B.Read(), c.B, id)
	if err != nil {
		return nil, fmt.Errorf("get campaign filter: %w", c.B.Translate(err))
	}
	return f, nil
}

// ListCampaignFilters returns a page of filters by name, and how many there are.
func (c *Core[K]) ListCampaignFilters(ctx context.Context, limit, start int) ([]certsum.CampaignFilter, int, error) {
	dl := c.B
	out := []certsum.CampaignFilter{}
	var total int
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		if _, err := QueryRow(ctx, tx, `SELECT `+dl.Int("COUNT(*)")+` FROM campaign_filters`, nil, &total); err != nil {
			return err
		}
		raws, err := Strings(ctx, tx, `SELECT CAST(filter AS TEXT) FROM campaign_filters ORDER BY name, id LIMIT `+dl.Param(1)+
			` OFFSET `+dl.Param(2), limit, start)
		if err != nil {
			return err
		}
		for _, raw := range raws {
			var f certsum.CampaignFilter
			if err := json.Unmarshal([]byte(raw), &f); err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list campaign filters: %w", c.B.Translate(err))
	}
	return out, total, nil
}

// DeleteCampaignFilters deletes filters, all or none. Errors: invalid, not_found.
func (c *Core[K]) DeleteCampaignFilters(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return certsum.Invalidf("ids", "name at least one campaign filter")
	}
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		id, err := Missing(ctx, tx, dl, func(ph string) string {
			return `SELECT id FROM campaign_filters WHERE ` + dl.AnyOf("id", ph)
		}, ids)
		if err != nil {
			return err
		}
		if id != "" {
			return certsum.NotFoundf("campaign filter %q not found", id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM campaign_filters WHERE `+dl.AnyOf("id", dl.Param(1)), dl.IDs(ids))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete campaign filters: %w", err)
	}
	return nil
}

package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

const campaignSelect = `SELECT k.id, k.name, k.description, k.deadline, k.type, k.email_notification_enabled,
	k.auto_revoke_allowed, k.recommendations_enabled, k.status, k.correlated_status, k.created,
	k.total_certifications, k.completed_certifications, k.alerts, k.modified, k.filter,
	k.sunset_comments_required, k.source_owner_campaign_info, k.mandatory_comment_requirement,
	COALESCE(k.owner_id, ''), k.search_campaign_info, COALESCE(k.inventory_version, 0), k.filter_snapshot
FROM campaigns k`

func scanCampaign(dl Dialect, r Scanner) (*certsum.Campaign, error) {
	var k certsum.Campaign
	var filter *certsum.CampaignFilterRef
	var soInfo *certsum.SourceOwnerCampaignInfo
	var search *certsum.SearchCampaignInfo
	var snapshot *certsum.CampaignFilter
	err := r.Scan(&k.ID, &k.Name, &k.Description, dl.NullTime(&k.Deadline), &k.Type, &k.EmailNotificationEnabled,
		&k.AutoRevokeAllowed, &k.RecommendationsEnabled, &k.Status, &k.CorrelatedStatus, dl.Time(&k.Created),
		&k.TotalCertifications, &k.CompletedCertifications, dl.JSON(&k.Alerts), dl.Time(&k.Modified), dl.JSON(&filter),
		&k.SunsetCommentsRequired, dl.JSON(&soInfo), &k.MandatoryCommentRequirement,
		&k.OwnerID, dl.JSON(&search), &k.InventoryVersion, dl.JSON(&snapshot))
	if err != nil {
		return nil, err
	}
	k.Filter, k.SourceOwnerCampaignInfo, k.SearchCampaignInfo, k.FilterSnapshot = filter, soInfo, search, snapshot
	if k.Alerts == nil {
		k.Alerts = []certsum.CampaignAlert{}
	}
	return &k, nil
}

// getCampaignIn reads one campaign through q. Errors: not_found.
func getCampaignIn(ctx context.Context, q Querier, dl Dialect, id string) (*certsum.Campaign, error) {
	rows, err := q.Query(ctx, campaignSelect+` WHERE k.id = `+dl.Param(1), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, certsum.NotFoundf("campaign %q not found", id)
	}
	k, err := scanCampaign(dl, rows)
	if err != nil {
		return nil, err
	}
	return k, rows.Err()
}

// GetCampaign returns one campaign with its certification counters. Errors: not_found.
func (c *Core[K]) GetCampaign(ctx context.Context, id string) (*certsum.Campaign, error) {
	k, err := getCampaignIn(ctx, c.B.Read(), c.B, id)
	if err != nil {
		return nil, fmt.Errorf("get campaign: %w", c.B.Translate(err))
	}
	return k, nil
}

// ListCampaigns lists campaigns (certsum.CampaignSchema). Errors: invalid.
func (c *Core[K]) ListCampaigns(ctx context.Context, q certsum.ListQuery) (certsum.Page[certsum.Campaign], error) {
	var page certsum.Page[certsum.Campaign]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = certsum.Page[certsum.Campaign]{Items: []certsum.Campaign{}}
		l := List{
			Schema:    certsum.CampaignSchema,
			SelectSQL: campaignSelect,
			CountSQL:  `SELECT COUNT(*) FROM campaigns k`,
			Args:      Args(c.B),
		}
		total, err := l.Run(ctx, tx, c.B.SQLQ(), q, func(rows Rows) error {
			k, err := scanCampaign(c.B, rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, *k)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return certsum.Page[certsum.Campaign]{Items: []certsum.Campaign{}}, fmt.Errorf("list campaigns: %w", err)
	}
	return page, nil
}

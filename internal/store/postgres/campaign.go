package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

const campaignSelect = `SELECT k.id, k.name, k.description, k.deadline, k.type, k.email_notification_enabled,
	k.auto_revoke_allowed, k.recommendations_enabled, k.status, k.correlated_status, k.created,
	k.total_certifications, k.completed_certifications, k.alerts, k.modified, k.filter,
	k.sunset_comments_required, k.source_owner_campaign_info, k.mandatory_comment_requirement
FROM campaigns k`

func scanCampaign(r rowScanner) (*certsum.Campaign, error) {
	var k certsum.Campaign
	err := r.Scan(&k.ID, &k.Name, &k.Description, nullTimeCol{&k.Deadline}, &k.Type, &k.EmailNotificationEnabled,
		&k.AutoRevokeAllowed, &k.RecommendationsEnabled, &k.Status, &k.CorrelatedStatus, timeCol{&k.Created},
		&k.TotalCertifications, &k.CompletedCertifications, &k.Alerts, timeCol{&k.Modified}, &k.Filter,
		&k.SunsetCommentsRequired, &k.SourceOwnerCampaignInfo, &k.MandatoryCommentRequirement)
	if err != nil {
		return nil, err
	}
	if k.Alerts == nil {
		k.Alerts = []certsum.CampaignAlert{}
	}
	return &k, nil
}

// GetCampaign returns one campaign with its certification counters. Errors: not_found.
func (s *Store) GetCampaign(ctx context.Context, id string) (*certsum.Campaign, error) {
	k, err := scanCampaign(s.pool.QueryRow(ctx, campaignSelect+` WHERE k.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, certsum.NotFoundf("campaign %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get campaign: %w", translate(err))
	}
	return k, nil
}

// ListCampaigns lists campaigns (certsum.CampaignSchema). Errors: invalid.
func (s *Store) ListCampaigns(ctx context.Context, q certsum.ListQuery) (certsum.Page[certsum.Campaign], error) {
	page := certsum.Page[certsum.Campaign]{Items: []certsum.Campaign{}}
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		l := listQuery{
			Schema:    certsum.CampaignSchema,
			SelectSQL: campaignSelect,
			CountSQL:  `SELECT COUNT(*) FROM campaigns k`,
			Args:      newArgs(),
		}
		total, err := l.Run(ctx, pgQuerier{tx}, sqlq.Postgres, q, func(rows sqlstore.Rows) error {
			k, err := scanCampaign(rows)
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

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	var filter *certsum.CampaignFilterRef
	var soInfo *certsum.SourceOwnerCampaignInfo
	err := r.Scan(&k.ID, &k.Name, &k.Description, nullTimeCol{&k.Deadline}, &k.Type, &k.EmailNotificationEnabled,
		&k.AutoRevokeAllowed, &k.RecommendationsEnabled, &k.Status, &k.CorrelatedStatus, timeCol{&k.Created},
		&k.TotalCertifications, &k.CompletedCertifications, jsonCol{&k.Alerts}, timeCol{&k.Modified}, jsonCol{&filter},
		&k.SunsetCommentsRequired, jsonCol{&soInfo}, &k.MandatoryCommentRequirement)
	if err != nil {
		return nil, err
	}
	k.Filter, k.SourceOwnerCampaignInfo = filter, soInfo
	if k.Alerts == nil {
		k.Alerts = []certsum.CampaignAlert{}
	}
	return &k, nil
}

// GetCampaign returns one campaign with its certification counters. Errors: not_found.
func (s *Store) GetCampaign(ctx context.Context, id string) (*certsum.Campaign, error) {
	k, err := scanCampaign(s.read.QueryRowContext(ctx, campaignSelect+` WHERE k.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("campaign %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get campaign: %w", s.translate(err))
	}
	return k, nil
}

// ListCampaigns lists campaigns (certsum.CampaignSchema).
func (s *Store) ListCampaigns(ctx context.Context, q certsum.ListQuery) (certsum.Page[certsum.Campaign], error) {
	page := certsum.Page[certsum.Campaign]{Items: []certsum.Campaign{}}
	l := listQuery{
		Schema:    certsum.CampaignSchema,
		SelectSQL: campaignSelect,
		CountSQL:  `SELECT COUNT(*) FROM campaigns k`,
		Args:      newArgs(),
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
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
		return page, fmt.Errorf("list campaigns: %w", err)
	}
	return page, nil
}

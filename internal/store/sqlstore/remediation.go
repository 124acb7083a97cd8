package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
)

// Remediation items (certsum.RemediationStore) are written by sign-off and by campaign
// completion from the revoked review items of the certifications they sign, and verified by
// imports that no longer show the access.

// remediationInsert copies revoked review items into remediation_items. %[1]s is the
// decided_by expression, %[2]s decided_at, %[3]s comments, %[4]s auto_decided, %[5]s the
// condition on certifications c and review items i; parameter 1 is the time of creation.
const remediationInsert = `INSERT INTO remediation_items (id, campaign_id, cert_id, item_id, identity_id, access_type,
	access_id, access_name, account_id, source_id, reviewer_id, decided_by, decided_at, comments, proposed_end_date,
	auto_decided, external_id, status, created)
SELECT %[6]s, c.campaign_id, c.id, i.id, s.identity_id, i.access_type, i.access_id, i.access_name, i.account_id,
	CASE i.access_type
		WHEN 'ENTITLEMENT' THEN (SELECT e.source_id FROM entitlements e WHERE e.id = i.access_id)
		WHEN 'ACCESS_PROFILE' THEN (SELECT p.source_id FROM access_profiles p WHERE p.id = i.access_id)
	END,
	c.reviewer_id, %[1]s, %[2]s, %[3]s, i.proposed_end_date, %[4]s,
	(SELECT a.external_id FROM assignments a WHERE a.identity_id = s.identity_id AND a.access_type = i.access_type
		AND a.access_id = i.access_id AND a.account_id = COALESCE(i.account_id, '')),
	'PENDING', %[7]s
FROM review_items i
JOIN certifications c ON c.%[8]s = i.%[9]s
JOIN identity_summaries s ON s.%[10]s = i.%[11]s
WHERE %[5]s
ON CONFLICT (item_id) DO NOTHING`

// remediateRevoked records the REVOKE decisions already made on the review items that cond
// selects (over certifications c and review items i, its parameters from 2), as their latest
// audit record names them.
func remediateRevoked(ctx context.Context, tx Querier, dl Dialect, now certsum.Time, cond string, args ...any) error {
	keys := dl.Keys()
	last := func(col string) string {
		return `(SELECT d.` + col + ` FROM decisions d WHERE d.item_id = i.id ORDER BY d.seq DESC LIMIT 1)`
	}
	stmt := fmt.Sprintf(remediationInsert, `COALESCE(`+last("decided_by")+`, '')`, `COALESCE(`+last("decided_at")+`, `+dl.Param(1)+`)`,
		`i.comments`, falseLiteral(dl), cond+` AND i.decision = 'REVOKE'`, dl.NewIDExpr(), dl.Param(1),
		keys.Cert, keys.ItemCert, keys.Summary, keys.ItemSummary)
	_, err := tx.Exec(ctx, stmt, append([]any{dl.TimeArg(now)}, args...)...)
	return err
}

// RemediateSigned records the revocations of every signed certification that has none
// recorded yet: what a bulk load of decided, signed certifications needs.
func RemediateSigned(ctx context.Context, tx Querier, dl Dialect, now certsum.Time) error {
	return remediateRevoked(ctx, tx, dl, now, `c.phase = 'SIGNED'`)
}

// RecountCampaignCounters rewrites every campaign's counters from its certifications: what a
// bulk load that computed the certifications' counters needs.
func RecountCampaignCounters(ctx context.Context, tx Querier, dl Dialect) error {
	return recountCampaignCounters(ctx, tx, dl, `1 = 1`)
}

// remediateUndecided records the undecided review items that cond selects as revoked by
// identity by now, with the automatic completion's comment (parameters of cond from 4).
func remediateUndecided(ctx context.Context, tx Querier, dl Dialect, now certsum.Time, by, comment, cond string, args ...any) error {
	keys := dl.Keys()
	stmt := fmt.Sprintf(remediationInsert, dl.Param(2), dl.Param(1), dl.Param(3), trueLiteral(dl),
		cond+` AND i.decision IS NULL`, dl.NewIDExpr(), dl.Param(1), keys.Cert, keys.ItemCert, keys.Summary, keys.ItemSummary)
	_, err := tx.Exec(ctx, stmt, append([]any{dl.TimeArg(now), by, comment}, args...)...)
	return err
}

// trueLiteral and falseLiteral are boolean constants of the dialect's boolean columns.
func trueLiteral(dl Dialect) string {
	if dl.SQLQ() == sqlq.Postgres {
		return "true"
	}
	return "1"
}

func falseLiteral(dl Dialect) string {
	if dl.SQLQ() == sqlq.Postgres {
		return "false"
	}
	return "0"
}

// verifyRemediations marks VERIFIED the open remediation items whose access an import
// removed (its assignment row is there, removed), or whose identity it removed: the import
// no longer shows the access. Access no import ever showed is left to the operator. It
// returns how many it verified.
func verifyRemediations(ctx context.Context, tx Querier, dl Dialect, now certsum.Time) (int64, error) {
	return tx.Exec(ctx, `UPDATE remediation_items SET status = 'VERIFIED', verified_at = `+dl.Param(1)+`
		WHERE status IN ('PENDING', 'COMPLETED') AND EXISTS (SELECT 1 FROM assignments a
			WHERE a.identity_id = remediation_items.identity_id AND a.access_type = remediation_items.access_type
			AND a.access_id = remediation_items.access_id AND a.account_id = COALESCE(remediation_items.account_id, '')
			AND a.deleted_at IS NOT NULL)
		OR status IN ('PENDING', 'COMPLETED') AND EXISTS (SELECT 1 FROM identities i
			WHERE i.id = remediation_items.identity_id AND i.deleted_at IS NOT NULL AND i.hash IS NOT NULL)`, dl.TimeArg(now))
}

const remediationSelect = `SELECT r.id, r.campaign_id, COALESCE(k.name, ''), r.cert_id, r.item_id, r.reviewer_id,
	COALESCE(ri.name, rg.name, ''), r.identity_id, COALESCE(idn.name, ''), r.source_id, src.name, r.account_id,
	acc.native_identity, r.access_type, r.access_id, r.access_name, e.attribute_name, e.attribute_value, r.auto_decided,
	r.decided_by, r.decided_at, r.comments, r.proposed_end_date, r.status, r.created, r.completed_by, r.completed_at,
	r.verified_at, r.external_id
FROM remediation_items r
LEFT JOIN campaigns k ON k.id = r.campaign_id
LEFT JOIN certifications c ON c.id = r.cert_id
LEFT JOIN identities ri ON c.reviewer_type = 'IDENTITY' AND ri.id = r.reviewer_id
LEFT JOIN governance_groups rg ON c.reviewer_type = 'GOVERNANCE_GROUP' AND rg.id = r.reviewer_id
LEFT JOIN identities idn ON idn.id = r.identity_id
LEFT JOIN sources src ON src.id = r.source_id
LEFT JOIN accounts acc ON acc.id = r.account_id
LEFT JOIN entitlements e ON r.access_type = 'ENTITLEMENT' AND e.id = r.access_id`

// ListRemediations returns the remediation items f selects, oldest first. Errors: invalid.
func (c *Core[K]) ListRemediations(ctx context.Context, f certsum.RemediationFilter) ([]certsum.RemediationItem, error) {
	dl := c.B
	if f.Status != "" && !f.Status.Valid() {
		return nil, certsum.Invalidf("status", "status %q is not PENDING, COMPLETED or VERIFIED", f.Status)
	}
	args := Args(dl)
	where := ` WHERE 1 = 1`
	if f.CampaignID != "" {
		where += ` AND r.campaign_id = ` + args.Add(f.CampaignID)
	}
	if f.Status != "" {
		where += ` AND r.status = ` + args.Add(string(f.Status))
	}
	out := []certsum.RemediationItem{}
	err := Each(ctx, dl.Read(), remediationSelect+where+` ORDER BY r.created, r.campaign_id, r.cert_id, r.item_id`, args.Values,
		func(rows Rows) error {
			var x certsum.RemediationItem
			if err := rows.Scan(&x.ID, &x.CampaignID, &x.CampaignName, &x.CertificationID, &x.ReviewItemID, &x.ReviewerID,
				&x.ReviewerName, &x.IdentityID, &x.IdentityName, &x.SourceID, &x.SourceName, &x.AccountID, &x.NativeIdentity,
				&x.AccessType, &x.AccessID, &x.AccessName, &x.Attribute, &x.Value, &x.AutoDecided, &x.DecidedBy,
				dl.Time(&x.DecidedAt), &x.Comments, dl.NullTime(&x.ProposedEndDate), &x.Status, dl.Time(&x.Created),
				&x.CompletedBy, dl.NullTime(&x.CompletedAt), dl.NullTime(&x.VerifiedAt), &x.BatonGrantID); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list remediations: %w", c.B.Translate(err))
	}
	return out, nil
}

// CountRemediations counts a campaign's remediation items ("" for all) by status.
func (c *Core[K]) CountRemediations(ctx context.Context, campaignID string) (*certsum.RemediationCounts, error) {
	out, err := countRemediations(ctx, c.B.Read(), c.B, campaignID)
	if err != nil {
		return nil, fmt.Errorf("count remediations: %w", c.B.Translate(err))
	}
	return out, nil
}

// countRemediations counts the remediation items of a campaign ("" for all) by status.
func countRemediations(ctx context.Context, q Querier, dl Dialect, campaignID string) (*certsum.RemediationCounts, error) {
	args := Args(dl)
	where := ""
	if campaignID != "" {
		where = ` WHERE campaign_id = ` + args.Add(campaignID)
	}
	out := &certsum.RemediationCounts{CampaignID: campaignID}
	err := Each(ctx, q, `SELECT status, `+dl.Int("COUNT(*)")+` FROM remediation_items`+where+` GROUP BY status`,
		args.Values, func(rows Rows) error {
			var status certsum.RemediationStatus
			var n int
			if err := rows.Scan(&status, &n); err != nil {
				return err
			}
			switch status {
			case certsum.RemediationPending:
				out.Pending = n
			case certsum.RemediationCompleted:
				out.Completed = n
			case certsum.RemediationVerified:
				out.Verified = n
			}
			out.Total += n
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CompleteRemediations marks PENDING items COMPLETED by identity by, all or none, and
// returns how many changed. Errors: invalid, not_found.
func (c *Core[K]) CompleteRemediations(ctx context.Context, ids []string, by string) (int, error) {
	switch {
	case len(ids) == 0:
		return 0, certsum.Invalidf("ids", "ids must name at least one remediation item")
	case len(ids) > certsum.MaxRemediationBatch:
		return 0, certsum.Invalidf("ids", "at most %d remediation items at a time, not %d", certsum.MaxRemediationBatch, len(ids))
	}
	if d := certsum.FirstRepeat(ids); d != "" {
		return 0, certsum.Invalidf("ids", "remediation item %q is listed twice", d)
	}
	dl := c.B
	var changed int64
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		id, err := Missing(ctx, tx, dl, func(ph string) string {
			return `SELECT id FROM remediation_items WHERE ` + dl.AnyOf("id", ph)
		}, ids)
		if err != nil {
			return err
		}
		if id != "" {
			return certsum.NotFoundf("remediation item %q not found", id)
		}
		changed, err = tx.Exec(ctx, `UPDATE remediation_items SET status = 'COMPLETED', completed_by = `+dl.Param(1)+
			`, completed_at = `+dl.Param(2)+` WHERE status = 'PENDING' AND `+dl.AnyOf("id", dl.Param(3)),
			by, dl.TimeArg(c.now(ctx)), dl.IDs(ids))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("complete remediations: %w", err)
	}
	return int(changed), nil
}

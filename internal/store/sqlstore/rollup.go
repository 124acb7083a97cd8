package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// The campaign roll-ups (certsum.RollupStore): a campaign's figures come from the counters
// every write keeps on the campaign (campaigncounters.go), its reviewers' progress from the
// counters kept on each certification; neither reads a review item.

// rollupReviewerJoins joins a certification's reviewer, an identity or a governance group.
const rollupReviewerJoins = `
LEFT JOIN identities ri ON c.reviewer_type = 'IDENTITY' AND ri.id = c.reviewer_id
LEFT JOIN governance_groups rg ON c.reviewer_type = 'GOVERNANCE_GROUP' AND rg.id = c.reviewer_id`

// CampaignRollup returns a campaign's figures from one read transaction: its certifications
// by phase (from the campaign's row), its decisions in all and per item type and its
// identity summaries (from its counter stripes), and its remediation items by status.
// Errors: not_found.
func (c *Core[K]) CampaignRollup(ctx context.Context, campaignID string) (*certsum.CampaignRollup, error) {
	dl := c.B
	var out *certsum.CampaignRollup
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		k, err := getCampaignIn(ctx, tx, dl, campaignID)
		if err != nil {
			return err
		}
		r := &certsum.CampaignRollup{Campaign: certsum.RollupCampaign{ID: k.ID, Name: k.Name, Type: k.Type,
			Status: k.Status, Created: k.Created, Deadline: k.Deadline}}
		// Every certification of a campaign is STAGED until the campaign is activated, and
		// none after; completedCertifications counts the SIGNED ones (both checked by Verify).
		c := &r.Certifications
		c.Total, c.Signed = k.TotalCertifications, k.CompletedCertifications
		if k.Status == certsum.StatusStaged {
			c.Staged = c.Total - c.Signed
		}
		c.Active = c.Total - c.Signed - c.Staged
		t, ids, done, err := campaignCounters(ctx, tx, dl, campaignID)
		if err != nil {
			return err
		}
		r.Identities = certsum.RollupIdentities{Total: ids, Completed: done}
		r.Decisions = certsum.NewRollupDecisions(t)
		rem, err := countRemediations(ctx, tx, dl, campaignID)
		if err != nil {
			return err
		}
		r.Remediation = *rem
		out = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("campaign rollup: %w", c.B.Translate(err))
	}
	return out, nil
}

// ListReviewerProgress lists a campaign's certifications as their reviewers' progress
// (certsum.ReviewerProgressSchema), with the certification each took reassigned items from
// and those it gave items to. Errors: not_found, invalid.
func (c *Core[K]) ListReviewerProgress(ctx context.Context, campaignID string, q certsum.ListQuery) (certsum.Page[certsum.ReviewerProgress], error) {
	dl := c.B
	page := certsum.Page[certsum.ReviewerProgress]{Items: []certsum.ReviewerProgress{}}
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		k, err := getCampaignIn(ctx, tx, dl, campaignID)
		if err != nil {
			return err
		}
		to, err := reassignedTo(ctx, tx, dl, campaignID)
		if err != nil {
			return err
		}
		args := Args(dl)
		l := List{
			Schema: certsum.ReviewerProgressSchema,
			SelectSQL: `SELECT c.id, c.name, c.reviewer_type, c.reviewer_id, COALESCE(ri.name, rg.name, ''), ri.email,
				c.phase, c.due, c.signed, c.decisions_made, c.decisions_total, c.identities_completed, c.identities_total,
				c.reassignment FROM certifications c` + rollupReviewerJoins,
			CountSQL: `SELECT COUNT(*) FROM certifications c` + rollupReviewerJoins,
			Where:    []string{`c.campaign_id = ` + args.Add(campaignID)},
			Args:     args,
			// Unfiltered, the count is the campaign's own (checked by Verify).
			Counted: func(f query.Expr) (int, bool) { return k.TotalCertifications, f == nil },
		}
		total, err := l.Run(ctx, tx, dl.SQLQ(), q, func(rows Rows) error {
			var p certsum.ReviewerProgress
			var re *certsum.Reassignment
			if err := rows.Scan(&p.CertificationID, &p.CertificationName, &p.Reviewer.Type, &p.Reviewer.ID, &p.Reviewer.Name,
				&p.Reviewer.Email, &p.Phase, dl.NullTime(&p.Due), dl.NullTime(&p.Signed), &p.DecisionsMade, &p.DecisionsTotal,
				&p.IdentitiesCompleted, &p.IdentitiesTotal, dl.JSON(&re)); err != nil {
				return err
			}
			p.Remaining = p.DecisionsTotal - p.DecisionsMade
			p.Percent = certsum.PercentDone(p.DecisionsMade, p.DecisionsTotal)
			if re != nil {
				from := re.From.Reviewer
				p.ReassignedFrom = &certsum.ReassignedCert{CertificationID: re.From.ID,
					Reviewer: certsum.RollupReviewer{Type: from.Type, ID: from.ID, Name: from.Name, Email: from.Email}}
			}
			p.ReassignedTo = to[p.CertificationID]
			if p.ReassignedTo == nil {
				p.ReassignedTo = []certsum.ReassignedCert{}
			}
			page.Items = append(page.Items, p)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return certsum.Page[certsum.ReviewerProgress]{}, fmt.Errorf("list reviewer progress: %w", c.B.Translate(err))
	}
	return page, nil
}

// reassignedTo maps each certification of a campaign that gave items away by reassignment
// to the certifications it gave them to (made by the reassignment), in id order.
func reassignedTo(ctx context.Context, tx Querier, dl Dialect, campaignID string) (map[string][]certsum.ReassignedCert, error) {
	out := map[string][]certsum.ReassignedCert{}
	err := Each(ctx, tx, `SELECT c.id, c.reviewer_type, c.reviewer_id, COALESCE(ri.name, rg.name, ''), ri.email, c.reassignment
		FROM certifications c`+rollupReviewerJoins+`
		WHERE c.campaign_id = `+dl.Param(1)+` AND c.reassignment IS NOT NULL ORDER BY c.id`, []any{campaignID},
		func(rows Rows) error {
			var rc certsum.ReassignedCert
			var re *certsum.Reassignment
			if err := rows.Scan(&rc.CertificationID, &rc.Reviewer.Type, &rc.Reviewer.ID, &rc.Reviewer.Name, &rc.Reviewer.Email,
				dl.JSON(&re)); err != nil {
				return err
			}
			if re != nil {
				out[re.From.ID] = append(out[re.From.ID], rc)
			}
			return nil
		})
	return out, err
}

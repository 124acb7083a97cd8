package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// ReadEvidence calls fn with a reader of the scope's certifications and review items, all
// from one read transaction (one snapshot), so that every item row agrees with its
// certification's counters. Errors: invalid, not_found.
func (c *Core[K]) ReadEvidence(ctx context.Context, scope certsum.EvidenceScope, fn func(certsum.EvidenceReader) error) error {
	if err := scope.Check(); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	dl := c.B
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		cond, what := `c.campaign_id = `+dl.Param(1), "campaign"
		if scope.CertificationID != "" {
			cond, what = `c.id = `+dl.Param(1), "certification"
		}
		if scope.CampaignID != "" {
			if _, err := getCampaignIn(ctx, tx, dl, scope.CampaignID); err != nil {
				return err
			}
		}
		r := &evidenceReader[K]{ctx: ctx, tx: tx, dl: dl, keys: map[string]K{}}
		err := Each(ctx, tx, `SELECT c.`+dl.Keys().Cert+`, c.id, c.name, k.id, k.name, c.reviewer_type, c.reviewer_id,
				COALESCE(ri.name, rg.name, ''), ri.email, c.phase, c.due, c.signed, c.decisions_made, c.decisions_total,
				c.identities_completed, c.identities_total, c.reassignment
			FROM certifications c JOIN campaigns k ON k.id = c.campaign_id`+rollupReviewerJoins+`
			WHERE `+cond+` ORDER BY c.id`, []any{scope.ID()}, func(rows Rows) error {
			var key K
			var e certsum.EvidenceCertification
			var re *certsum.Reassignment
			if err := rows.Scan(&key, &e.CertificationID, &e.CertificationName, &e.CampaignID, &e.CampaignName,
				&e.Reviewer.Type, &e.Reviewer.ID, &e.Reviewer.Name, &e.Reviewer.Email, &e.Phase, dl.NullTime(&e.Due),
				dl.NullTime(&e.Signed), &e.DecisionsMade, &e.DecisionsTotal, &e.IdentitiesCompleted, &e.IdentitiesTotal,
				dl.JSON(&re)); err != nil {
				return err
			}
			if re != nil {
				e.ReassignedFrom = re.From.ID
			}
			r.keys[e.CertificationID] = key
			r.certs = append(r.certs, e)
			return nil
		})
		if err != nil {
			return err
		}
		if scope.CertificationID != "" && len(r.certs) == 0 {
			return certsum.NotFoundf("%s %q not found", what, scope.CertificationID)
		}
		return fn(r)
	})
	if err != nil {
		return fmt.Errorf("evidence: %w", c.B.Translate(err))
	}
	return nil
}

// evidenceReader reads the items of the certifications it lists, inside ReadEvidence's
// transaction.
type evidenceReader[K Key] struct {
	ctx   context.Context
	tx    Querier
	dl    Dialect
	certs []certsum.EvidenceCertification
	keys  map[string]K
}

func (r *evidenceReader[K]) Certifications() []certsum.EvidenceCertification { return r.certs }

// Items streams a certification's review items with the latest audit record of each.
func (r *evidenceReader[K]) Items(certificationID string, fn func(*certsum.EvidenceItem) error) error {
	key, ok := r.keys[certificationID]
	if !ok {
		return certsum.NotFoundf("certification %q is not in the evidence's scope", certificationID)
	}
	k := r.dl.Keys()
	var it certsum.EvidenceItem
	return Each(r.ctx, r.tx, `SELECT i.id, s.identity_id, s.name, i.access_type, i.access_id, i.access_name,
			COALESCE(i.ent_source_name, i.ap_source_name, ''), COALESCE(i.account_id, ''), COALESCE(i.decision, ''),
			COALESCE(d.decided_by, ''), COALESCE(di.name, ''), d.decided_at, COALESCE(i.bulk, `+falseLiteral(r.dl)+`),
			i.comments, i.proposed_end_date
		FROM review_items i
		JOIN identity_summaries s ON s.`+k.Summary+` = i.`+k.ItemSummary+`
		LEFT JOIN decisions d ON d.seq = (SELECT MAX(x.seq) FROM decisions x WHERE x.item_id = i.id)
		LEFT JOIN identities di ON di.id = d.decided_by
		WHERE i.`+k.ItemCert+` = `+r.dl.Param(1)+` ORDER BY i.`+k.Item, []any{key}, func(rows Rows) error {
		it = certsum.EvidenceItem{}
		if err := rows.Scan(&it.ItemID, &it.IdentityID, &it.IdentityName, &it.AccessType, &it.AccessID, &it.AccessName,
			&it.SourceName, &it.AccountID, &it.Decision, &it.DecidedByID, &it.DecidedByName, r.dl.NullTime(&it.DecidedAt),
			&it.Bulk, &it.Comments, r.dl.NullTime(&it.ProposedEndDate)); err != nil {
			return err
		}
		if it.Decision == "" {
			// An undecided item has no current decider, whatever its history says.
			it.DecidedByID, it.DecidedByName, it.DecidedAt = "", "", nil
		}
		return fn(&it)
	})
}

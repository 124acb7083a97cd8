package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Reassign moves review items (ITEM) and identity summaries with all their items
// (IDENTITY_SUMMARY, TARGET_SUMMARY) into reassignTo's certification of the same campaign,
// creating that certification (ACTIVE, same due date, reassignment from this one) when it
// does not exist, and returns the source certification. Items keep their decisions; every
// counter on both sides follows. It locks the campaign, then the source certification, then
// the target. Errors: not_found, invalid, reference, conflict.
func (s *Store) Reassign(ctx context.Context, certID, by string, r certsum.ReviewReassign) (*certsum.Certification, error) {
	if err := certsum.ValidateReassign(r); err != nil {
		return nil, fmt.Errorf("reassign: %w", err)
	}
	var out *certsum.Certification
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockCampaignOf(ctx, tx, certID); err != nil {
			return err
		}
		if _, err := lockCertification(ctx, tx, certID); err != nil {
			return err
		}
		src, err := getCertification(ctx, tx, certID)
		if err != nil {
			return err
		}
		if src.Reviewer.Type == certsum.TypeIdentity && src.Reviewer.ID == r.ReassignTo {
			return certsum.Invalidf("reassignTo", "certification %q is already reviewed by %s", certID, r.ReassignTo)
		}
		var toName string
		err = tx.QueryRow(ctx, `SELECT name FROM identities WHERE id = $1`, r.ReassignTo).Scan(&toName)
		if errors.Is(err, pgx.ErrNoRows) {
			return certsum.Errorf(certsum.CodeReference, "identity %s not found", r.ReassignTo)
		}
		if err != nil {
			return err
		}
		moving, err := resolveReassign(ctx, tx, certID, r.Reassign)
		if err != nil {
			return err
		}
		if src.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; only an ACTIVE certification can be reassigned", certID, src.Phase)
		}
		now := s.stamp()
		led := newLedger()
		led.Cert(certID)
		targetID, err := s.reassignTarget(ctx, tx, src, r, toName, now, led)
		if err != nil {
			return err
		}
		if err := moveItems(ctx, tx, certID, targetID, moving, led); err != nil {
			return err
		}
		if err := apply(ctx, tx, led, now); err != nil {
			return err
		}
		s.log.Debug("reassigned review items", "from", certID, "to", targetID, "items", len(moving), "by", by)
		out, err = getCertification(ctx, tx, certID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reassign: %w", err)
	}
	return out, nil
}

// resolveReassign returns the review items that the references name, in the order they were
// named and each once. Every reference must belong to the certification.
func resolveReassign(ctx context.Context, tx pgx.Tx, certID string, refs []certsum.ReassignReference) ([]itemRow, error) {
	var itemIDs, summaryIDs []string
	for _, ref := range refs {
		if ref.Type == certsum.ReassignItem {
			itemIDs = append(itemIDs, ref.ID)
		} else {
			summaryIDs = append(summaryIDs, ref.ID)
		}
	}
	var missing []string
	items, err := itemsByID(ctx, tx, itemIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range itemIDs {
		if it, ok := items[id]; !ok || it.certID != certID {
			missing = append(missing, id)
		}
	}
	bySummary := map[string][]itemRow{}
	if len(summaryIDs) > 0 {
		rows, err := tx.Query(ctx, `SELECT `+itemColumns+`
			FROM review_items i JOIN identity_summaries s ON s.id = i.identity_summary_id
			WHERE i.identity_summary_id = ANY($1) AND i.cert_id = $2
			ORDER BY i.identity_summary_id, i.id`, summaryIDs, certID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			bySummary[it.summaryID] = append(bySummary[it.summaryID], it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// A summary without items cannot exist in a consistent certification, but make sure
		// an unknown id is reported rather than silently ignored.
		srows, err := tx.Query(ctx, `SELECT id FROM identity_summaries WHERE id = ANY($1) AND cert_id = $2`, summaryIDs, certID)
		if err != nil {
			return nil, err
		}
		knownIDs, err := pgx.CollectRows(srows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		known := map[string]bool{}
		for _, id := range knownIDs {
			known[id] = true
		}
		for _, id := range summaryIDs {
			if !known[id] {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		return nil, certsum.Errorf(certsum.CodeReference, "not found in certification %s: %s", certID, strings.Join(missing, ", "))
	}
	seen := map[string]bool{}
	var out []itemRow
	for _, ref := range refs {
		var its []itemRow
		if ref.Type == certsum.ReassignItem {
			its = []itemRow{items[ref.ID]}
		} else {
			its = bySummary[ref.ID]
		}
		for _, it := range its {
			if !seen[it.id] {
				seen[it.id] = true
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// reassignTarget returns the id of reassignTo's certification in the source's campaign,
// locked, creating it (and counting it in the campaign) when there is none. The caller holds
// the campaign's lock, so two reassignments cannot both create one.
func (s *Store) reassignTarget(ctx context.Context, tx pgx.Tx, src *certsum.Certification, r certsum.ReviewReassign,
	toName string, now certsum.Time, led *ledger) (string, error) {
	var id string
	var phase certsum.Phase
	err := tx.QueryRow(ctx, `SELECT id, phase FROM certifications
		WHERE campaign_id = $1 AND reviewer_type = 'IDENTITY' AND reviewer_id = $2 AND id <> $3
		ORDER BY phase = 'ACTIVE' DESC, created, id LIMIT 1
		FOR NO KEY UPDATE`, src.Campaign.ID, r.ReassignTo, src.ID).Scan(&id, &phase)
	if err == nil {
		if phase != certsum.PhaseActive {
			return "", certsum.Conflictf("the certification of %s in this campaign is %s and cannot take reassigned items", r.ReassignTo, phase)
		}
		led.Cert(id)
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	id = certsum.NewID()
	reassignment, err := sqlstore.JSONText(certsum.Reassignment{
		From: certsum.CertificationReference{
			ID: src.ID, Name: src.Name, Type: certsum.TypeCertification, Reviewer: src.Reviewer,
		},
		Comment: r.Reason,
	})
	if err != nil {
		return "", err
	}
	name := src.Campaign.Name + " - " + toName
	if _, err := tx.Exec(ctx, `INSERT INTO certifications
		(id, campaign_id, name, reviewer_id, reviewer_type, phase, created, modified, due, reassignment)
		VALUES ($1, $2, $3, $4, 'IDENTITY', 'ACTIVE', $5, $5, $6, $7)`,
		id, src.Campaign.ID, name, r.ReassignTo, pgTime(now), pgNullTime(src.Due), reassignment); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET total_certifications = total_certifications + 1,
		modified = $1 WHERE id = $2`, pgTime(now), src.Campaign.ID); err != nil {
		return "", err
	}
	led.Cert(id)
	return id, nil
}

// moveItems moves the items into the target certification. An identity summary whose items
// all move, and for whose identity the target has no summary yet, moves as a whole (keeping
// its id); otherwise the items join the target's summary of that identity (created when
// needed) and summaries left empty are deleted.
func moveItems(ctx context.Context, tx pgx.Tx, sourceID, targetID string, moving []itemRow, led *ledger) error {
	groups := map[string][]itemRow{}
	var order []string
	for _, it := range moving {
		if _, ok := groups[it.summaryID]; !ok {
			order = append(order, it.summaryID)
		}
		groups[it.summaryID] = append(groups[it.summaryID], it)
	}
	for _, sid := range order {
		its := groups[sid]
		first := its[0]
		var total int
		if err := tx.QueryRow(ctx, `SELECT items_total FROM identity_summaries WHERE id = $1`, sid).Scan(&total); err != nil {
			return err
		}
		var targetSID string
		var targetDone bool
		err := tx.QueryRow(ctx, `SELECT id, completed FROM identity_summaries WHERE cert_id = $1 AND identity_id = $2`,
			targetID, first.identityID).Scan(&targetSID, &targetDone)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if targetSID == "" && len(its) == total {
			// The whole summary moves with its counters.
			if _, err := tx.Exec(ctx, `UPDATE identity_summaries SET cert_id = $1 WHERE id = $2`, targetID, sid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE review_items SET cert_id = $1 WHERE identity_summary_id = $2`, targetID, sid); err != nil {
				return err
			}
			var t tally
			for _, it := range its {
				t.Add(it.accessType, it.decision, 1)
				led.AccessItem(sourceID, it.access(), it.decision, -1)
				led.AccessItem(targetID, it.access(), it.decision, +1)
			}
			sc, tc := led.Cert(sourceID), led.Cert(targetID)
			sc.T.Plus(t.Neg())
			tc.T.Plus(t)
			sc.Identities--
			tc.Identities++
			sc.Complete -= b2i(first.summaryDone)
			tc.Complete += b2i(first.summaryDone)
			continue
		}
		if targetSID == "" {
			targetSID = certsum.NewID()
			if _, err := tx.Exec(ctx, `INSERT INTO identity_summaries (id, cert_id, identity_id, name) VALUES ($1, $2, $3, $4)`,
				targetSID, targetID, first.identityID, first.identityName); err != nil {
				return err
			}
			// A new summary has no items yet, so it starts out completed.
			tc := led.Cert(targetID)
			tc.Identities++
			tc.Complete++
			targetDone = true
		}
		ids := make([]string, len(its))
		for i, it := range its {
			ids[i] = it.id
			led.Item(sourceID, sid, it.summaryDone, it.access(), it.decision, -1)
			led.Item(targetID, targetSID, targetDone, it.access(), it.decision, +1)
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET cert_id = $1, identity_summary_id = $2 WHERE id = ANY($3)`,
			targetID, targetSID, ids); err != nil {
			return err
		}
	}
	return nil
}

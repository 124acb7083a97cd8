package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Reassign moves review items (ITEM) and identity summaries with all their items
// (IDENTITY_SUMMARY, TARGET_SUMMARY) into reassignTo's certification of the same campaign,
// creating that certification (ACTIVE, same due date, reassignment from this one) when it
// does not exist, and returns the source certification. Items keep their decisions; every
// counter on both sides follows. Errors: not_found, invalid, reference, conflict.
func (s *Store) Reassign(ctx context.Context, certID, by string, r certsum.ReviewReassign) (*certsum.Certification, error) {
	if err := certsum.ValidateReassign(r); err != nil {
		return nil, fmt.Errorf("reassign: %w", err)
	}
	var out *certsum.Certification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		src, err := getCertification(ctx, tx, certID)
		if err != nil {
			return err
		}
		srcKey, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		if src.Reviewer.Type == certsum.TypeIdentity && src.Reviewer.ID == r.ReassignTo {
			return certsum.Invalidf("reassignTo", "certification %q is already reviewed by %s", certID, r.ReassignTo)
		}
		var toName string
		err = tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, r.ReassignTo).Scan(&toName)
		if errors.Is(err, sql.ErrNoRows) {
			return certsum.Errorf(certsum.CodeReference, "identity %s not found", r.ReassignTo)
		}
		if err != nil {
			return err
		}
		moving, err := resolveReassign(ctx, tx, srcKey, certID, r.Reassign)
		if err != nil {
			return err
		}
		if src.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; only an ACTIVE certification can be reassigned", certID, src.Phase)
		}
		now := s.stamp()
		led := newLedger()
		led.Cert(srcKey)
		targetKey, targetID, err := s.reassignTarget(ctx, tx, src, r, toName, now, led)
		if err != nil {
			return err
		}
		if err := moveItems(ctx, tx, srcKey, targetKey, moving, led); err != nil {
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
func resolveReassign(ctx context.Context, tx *sql.Tx, key int64, certID string, refs []certsum.ReassignReference) ([]itemRow, error) {
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
		if it, ok := items[id]; !ok || it.certKey != key {
			missing = append(missing, id)
		}
	}
	bySummary := map[string][]itemRow{}
	if len(summaryIDs) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT s.id, `+itemColumns+`
			FROM identity_summaries s JOIN review_items i ON i.summary_key = s.key
			WHERE s.id IN (SELECT value FROM json_each(?)) AND s.cert_key = ?
			ORDER BY s.key, i.key`, idList(summaryIDs), key)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var sid string
			it, err := scanItem(prefixRow{rows, &sid})
			if err != nil {
				rows.Close()
				return nil, err
			}
			bySummary[sid] = append(bySummary[sid], it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// A summary without items cannot exist in a consistent certification, but make sure
		// an unknown id is reported rather than silently ignored.
		known := map[string]bool{}
		srows, err := tx.QueryContext(ctx, `SELECT id FROM identity_summaries
			WHERE id IN (SELECT value FROM json_each(?)) AND cert_key = ?`, idList(summaryIDs), key)
		if err != nil {
			return nil, err
		}
		for srows.Next() {
			var id string
			if err := srows.Scan(&id); err != nil {
				srows.Close()
				return nil, err
			}
			known[id] = true
		}
		srows.Close()
		if err := srows.Err(); err != nil {
			return nil, err
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

// reassignTarget returns the key and id of reassignTo's certification in the source's
// campaign, creating it (and counting it in the campaign) when there is none.
func (s *Store) reassignTarget(ctx context.Context, tx *sql.Tx, src *certsum.Certification, r certsum.ReviewReassign,
	toName string, now certsum.Time, led *ledger) (int64, string, error) {
	var key int64
	var id string
	var phase certsum.Phase
	err := tx.QueryRowContext(ctx, `SELECT key, id, phase FROM certifications
		WHERE campaign_id = ? AND reviewer_type = 'IDENTITY' AND reviewer_id = ? AND id != ?
		ORDER BY phase = 'ACTIVE' DESC, created, id LIMIT 1`, src.Campaign.ID, r.ReassignTo, src.ID).Scan(&key, &id, &phase)
	if err == nil {
		if phase != certsum.PhaseActive {
			return 0, "", certsum.Conflictf("the certification of %s in this campaign is %s and cannot take reassigned items", r.ReassignTo, phase)
		}
		led.Cert(key)
		return key, id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", err
	}
	id = certsum.NewID()
	reassignment, err := sqlstore.JSONText(certsum.Reassignment{
		From: certsum.CertificationReference{
			ID: src.ID, Name: src.Name, Type: certsum.TypeCertification, Reviewer: src.Reviewer,
		},
		Comment: r.Reason,
	})
	if err != nil {
		return 0, "", err
	}
	name := src.Campaign.Name + " - " + toName
	if err := tx.QueryRowContext(ctx, `INSERT INTO certifications
		(id, campaign_id, name, reviewer_id, reviewer_type, phase, created, modified, due, reassignment)
		VALUES (?, ?, ?, ?, 'IDENTITY', 'ACTIVE', ?, ?, ?, ?) RETURNING key`,
		id, src.Campaign.ID, name, r.ReassignTo, timeText(now), timeText(now), nullTimeText(src.Due), reassignment).Scan(&key); err != nil {
		return 0, "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET total_certifications = total_certifications + 1,
		modified = ? WHERE id = ?`, timeText(now), src.Campaign.ID); err != nil {
		return 0, "", err
	}
	led.Cert(key)
	return key, id, nil
}

// moveItems moves the items into the target certification. An identity summary whose items
// all move, and for whose identity the target has no summary yet, moves as a whole (keeping
// its id); otherwise the items join the target's summary of that identity (created when
// needed) and summaries left empty are deleted.
func moveItems(ctx context.Context, tx *sql.Tx, source, target int64, moving []itemRow, led *ledger) error {
	groups := map[int64][]itemRow{}
	var order []int64
	for _, it := range moving {
		if _, ok := groups[it.summaryKey]; !ok {
			order = append(order, it.summaryKey)
		}
		groups[it.summaryKey] = append(groups[it.summaryKey], it)
	}
	moveItem, err := tx.PrepareContext(ctx, `UPDATE review_items SET cert_key = ?, summary_key = ? WHERE key = ?`)
	if err != nil {
		return err
	}
	defer moveItem.Close()
	for _, sk := range order {
		its := groups[sk]
		first := its[0]
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT items_total FROM identity_summaries WHERE key = ?`, sk).Scan(&total); err != nil {
			return err
		}
		var targetSK int64
		var targetDone bool
		err := tx.QueryRowContext(ctx, `SELECT key, completed FROM identity_summaries WHERE cert_key = ? AND identity_id = ?`,
			target, first.identityID).Scan(&targetSK, &targetDone)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		found := err == nil
		if !found && len(its) == total {
			// The whole summary moves with its counters.
			if _, err := tx.ExecContext(ctx, `UPDATE identity_summaries SET cert_key = ? WHERE key = ?`, target, sk); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE review_items SET cert_key = ? WHERE summary_key = ?`, target, sk); err != nil {
				return err
			}
			var t, neg tally
			for _, it := range its {
				t.Add(it.accessType, it.decision, 1)
				neg.Add(it.accessType, it.decision, -1)
				led.AccessItem(source, it.access(), it.decision, -1)
				led.AccessItem(target, it.access(), it.decision, +1)
			}
			sc, tc := led.Cert(source), led.Cert(target)
			sc.T.Plus(neg)
			tc.T.Plus(t)
			sc.Identities--
			tc.Identities++
			sc.Complete -= b2i(first.summaryDone)
			tc.Complete += b2i(first.summaryDone)
			continue
		}
		if !found {
			if err := tx.QueryRowContext(ctx, `INSERT INTO identity_summaries (id, cert_key, identity_id, name)
				VALUES (?, ?, ?, ?) RETURNING key`, certsum.NewID(), target, first.identityID, first.identityName).Scan(&targetSK); err != nil {
				return err
			}
			// A new summary has no items yet, so it starts out completed.
			tc := led.Cert(target)
			tc.Identities++
			tc.Complete++
			targetDone = true
		}
		for _, it := range its {
			if _, err := moveItem.ExecContext(ctx, target, targetSK, it.key); err != nil {
				return err
			}
			led.Item(source, sk, it.summaryDone, it.access(), it.decision, -1)
			led.Item(target, targetSK, targetDone, it.access(), it.decision, +1)
		}
	}
	return nil
}

// prefixRow scans one leading column into first, then the rest into dest.
type prefixRow struct {
	r     rowScanner
	first any
}

// Scan implements rowScanner.
func (p prefixRow) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

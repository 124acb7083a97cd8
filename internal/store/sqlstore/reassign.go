package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
)

// Reassign moves review items (ITEM) and identity summaries with all their items
// (IDENTITY_SUMMARY, TARGET_SUMMARY) into reassignTo's certification of the same campaign,
// creating that certification (ACTIVE, same due date, reassignment from this one) when it
// does not exist, and returns the source certification. Items keep their decisions; every
// counter on both sides follows. It locks the campaign, then the source certification, then
// the target. Errors: not_found, invalid, reference, conflict.
func (c *Core[K]) Reassign(ctx context.Context, certID, by string, r certsum.ReviewReassign) (*certsum.Certification, error) {
	if err := certsum.ValidateReassign(r); err != nil {
		return nil, fmt.Errorf("reassign: %w", err)
	}
	dl := c.B
	return c.certWrite(ctx, "reassign", certID, true, func(tx Querier, st *CertState[K]) error {
		src, err := GetCertificationIn(ctx, tx, dl, certID)
		if err != nil {
			return err
		}
		if src.Reviewer.Type == certsum.TypeIdentity && src.Reviewer.ID == r.ReassignTo {
			return certsum.Invalidf("reassignTo", "certification %q is already reviewed by %s", certID, r.ReassignTo)
		}
		var toName string
		found, err := QueryRow(ctx, tx, `SELECT name FROM identities WHERE id = `+dl.Param(1), []any{r.ReassignTo}, &toName)
		if err != nil {
			return err
		}
		if !found {
			return certsum.Errorf(certsum.CodeReference, "identity %s not found", r.ReassignTo)
		}
		m := mover[K]{ctx: ctx, tx: tx, dl: dl, k: dl.Keys(), led: NewLedger[K](), from: st.Key}
		moving, err := m.resolve(certID, r.Reassign)
		if err != nil {
			return err
		}
		if src.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; only an ACTIVE certification can be reassigned", certID, src.Phase)
		}
		now := c.now(ctx)
		m.led.Cert(st.Key)
		targetID, err := m.target(src, r, toName, now)
		if err != nil {
			return err
		}
		if err := m.move(moving); err != nil {
			return err
		}
		if err := m.led.Apply(ctx, tx, dl, c.W(tx), now); err != nil {
			return err
		}
		c.B.Log().Debug("reassigned review items", "from", certID, "to", targetID, "items", len(moving), "by", by)
		return nil
	})
}

// mover carries out one reassignment inside its write transaction.
type mover[K Key] struct {
	ctx      context.Context
	tx       Querier
	dl       Dialect
	k        Keys
	led      *Ledger[K]
	from, to K
}

func (m *mover[K]) p(n int) string { return m.dl.Param(n) }

// resolve returns the review items that the references name, in the order they were named
// and each once. Every reference must belong to the source certification.
func (m *mover[K]) resolve(certID string, refs []certsum.ReassignReference) ([]Item[K], error) {
	var itemIDs, summaryIDs []string
	for _, ref := range refs {
		if ref.Type == certsum.ReassignItem {
			itemIDs = append(itemIDs, ref.ID)
		} else {
			summaryIDs = append(summaryIDs, ref.ID)
		}
	}
	var missing []string
	items, err := ItemsByID[K](m.ctx, m.tx, m.dl, itemIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range itemIDs {
		if it, ok := items[id]; !ok || it.Cert != m.from {
			missing = append(missing, id)
		}
	}
	bySummary := map[string][]Item[K]{}
	if len(summaryIDs) > 0 {
		its, err := ScanItems[K](m.ctx, m.tx, m.dl, `SELECT `+ItemColumns(m.dl)+ItemJoin(m.dl)+`
			WHERE `+m.dl.AnyOf("s.id", m.dl.Param(1))+` AND s.`+m.k.SummaryCert+` = `+m.p(2)+`
			ORDER BY s.`+m.k.Summary+`, i.`+m.k.Item, m.dl.IDs(summaryIDs), m.from)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			bySummary[it.SummaryID] = append(bySummary[it.SummaryID], it)
		}
		// A summary without items cannot exist in a consistent certification, but make sure
		// an unknown id is reported rather than silently ignored.
		known := map[string]bool{}
		rows, err := m.tx.Query(m.ctx, `SELECT id FROM identity_summaries WHERE `+m.dl.AnyOf("id", m.dl.Param(1))+
			` AND `+m.k.SummaryCert+` = `+m.p(2), m.dl.IDs(summaryIDs), m.from)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			known[id] = true
		}
		if err := rows.Err(); err != nil {
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
	var out []Item[K]
	for _, ref := range refs {
		var its []Item[K]
		if ref.Type == certsum.ReassignItem {
			its = []Item[K]{items[ref.ID]}
		} else {
			its = bySummary[ref.ID]
		}
		for _, it := range its {
			if !seen[it.ID] {
				seen[it.ID] = true
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// target finds reassignTo's certification in the source's campaign, locked, creating it
// (and counting it in the campaign) when there is none, and returns its id. The caller holds
// the campaign's lock, so two reassignments cannot both create one.
func (m *mover[K]) target(src *certsum.Certification, r certsum.ReviewReassign, toName string, now certsum.Time) (string, error) {
	var id string
	var phase certsum.Phase
	found, err := QueryRow(m.ctx, m.tx, `SELECT `+m.k.Cert+`, id, phase FROM certifications
		WHERE campaign_id = `+m.p(1)+` AND reviewer_type = 'IDENTITY' AND reviewer_id = `+m.p(2)+` AND id <> `+m.p(3)+`
		ORDER BY phase = 'ACTIVE' DESC, created, id LIMIT 1`+m.dl.ForUpdate("certifications"),
		[]any{src.Campaign.ID, r.ReassignTo, src.ID}, &m.to, &id, &phase)
	if err != nil {
		return "", err
	}
	if found {
		if phase != certsum.PhaseActive {
			return "", certsum.Conflictf("the certification of %s in this campaign is %s and cannot take reassigned items", r.ReassignTo, phase)
		}
		m.led.Cert(m.to)
		return id, nil
	}
	id = certsum.NewID()
	reassignment, err := JSONText(certsum.Reassignment{
		From: certsum.CertificationReference{
			ID: src.ID, Name: src.Name, Type: certsum.TypeCertification, Reviewer: src.Reviewer,
		},
		Comment: r.Reason,
	})
	if err != nil {
		return "", err
	}
	name := src.Campaign.Name + " - " + toName
	if _, err := QueryRow(m.ctx, m.tx, `INSERT INTO certifications
		(id, campaign_id, name, reviewer_id, reviewer_type, phase, created, modified, due, reassignment)
		VALUES (`+m.p(1)+`, `+m.p(2)+`, `+m.p(3)+`, `+m.p(4)+`, 'IDENTITY', 'ACTIVE', `+m.p(5)+`, `+m.p(5)+`, `+m.p(6)+`, `+m.p(7)+`)
		RETURNING `+m.k.Cert, []any{id, src.Campaign.ID, name, r.ReassignTo, m.dl.TimeArg(now), m.dl.NullTimeArg(src.Due), reassignment},
		&m.to); err != nil {
		return "", err
	}
	if _, err := m.tx.Exec(m.ctx, `UPDATE campaigns SET total_certifications = total_certifications + 1,
		modified = `+m.p(1)+` WHERE id = `+m.p(2), m.dl.TimeArg(now), src.Campaign.ID); err != nil {
		return "", err
	}
	m.led.Cert(m.to)
	return id, nil
}

// move moves the items into the target certification. An identity summary whose items all
// move, and for whose identity the target has no summary yet, moves as a whole (keeping its
// id); otherwise the items join the target's summary of that identity (created when needed)
// and summaries left empty are deleted.
func (m *mover[K]) move(moving []Item[K]) error {
	groups := map[K][]Item[K]{}
	var order []K
	for _, it := range moving {
		if _, ok := groups[it.Summary]; !ok {
			order = append(order, it.Summary)
		}
		groups[it.Summary] = append(groups[it.Summary], it)
	}
	k := m.k
	for _, sk := range order {
		its := groups[sk]
		first := its[0]
		var total int
		if _, err := QueryRow(m.ctx, m.tx, `SELECT items_total FROM identity_summaries WHERE `+k.Summary+` = `+m.p(1),
			[]any{sk}, &total); err != nil {
			return err
		}
		var targetSK K
		var targetDone bool
		found, err := QueryRow(m.ctx, m.tx, `SELECT `+k.Summary+`, completed FROM identity_summaries
			WHERE `+k.SummaryCert+` = `+m.p(1)+` AND identity_id = `+m.p(2), []any{m.to, first.IdentityID}, &targetSK, &targetDone)
		if err != nil {
			return err
		}
		if !found && len(its) == total {
			// The whole summary moves with its counters.
			if _, err := m.tx.Exec(m.ctx, `UPDATE identity_summaries SET `+k.SummaryCert+` = `+m.p(1)+
				` WHERE `+k.Summary+` = `+m.p(2), m.to, sk); err != nil {
				return err
			}
			if _, err := m.tx.Exec(m.ctx, `UPDATE review_items SET `+k.ItemCert+` = `+m.p(1)+
				` WHERE `+k.ItemSummary+` = `+m.p(2), m.to, sk); err != nil {
				return err
			}
			var t certsum.Tally
			for _, it := range its {
				t.Add(it.Access.Type, it.Decision, 1)
				m.led.AccessItem(m.from, it.Access, it.Decision, -1)
				m.led.AccessItem(m.to, it.Access, it.Decision, +1)
			}
			sc, tc := m.led.Cert(m.from), m.led.Cert(m.to)
			sc.T.Plus(t.Neg())
			tc.T.Plus(t)
			sc.Identities--
			tc.Identities++
			sc.Complete -= B2I(first.SummaryDone)
			tc.Complete += B2I(first.SummaryDone)
			continue
		}
		if !found {
			if _, err := QueryRow(m.ctx, m.tx, `INSERT INTO identity_summaries (id, `+k.SummaryCert+`, identity_id, name)
				VALUES (`+Params(m.dl, 1, 4)+`) RETURNING `+k.Summary, []any{certsum.NewID(), m.to, first.IdentityID, first.IdentityName},
				&targetSK); err != nil {
				return err
			}
			// A new summary has no items yet, so it starts out completed.
			tc := m.led.Cert(m.to)
			tc.Identities++
			tc.Complete++
			targetDone = true
		}
		ids := make([]string, len(its))
		for i, it := range its {
			ids[i] = it.ID
			m.led.Item(m.from, sk, it.SummaryDone, it.Access, it.Decision, -1)
			m.led.Item(m.to, targetSK, targetDone, it.Access, it.Decision, +1)
		}
		if _, err := m.tx.Exec(m.ctx, `UPDATE review_items SET `+k.ItemCert+` = `+m.p(1)+`, `+k.ItemSummary+` = `+m.p(2)+
			` WHERE `+m.dl.AnyOf("id", m.dl.Param(3)), m.to, targetSK, m.dl.IDs(ids)); err != nil {
			return err
		}
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// WriteDecisions updates the changed review items and appends their audit records with one
// statement each, over arrays.
func (w writes) WriteDecisions(ctx context.Context, c *certState, by string, now certsum.Time, changes []sqlstore.Change[string]) error {
	n := len(changes)
	ids, decisions, recIDs := make([]string, n), make([]string, n), make([]string, n)
	comments, recs, prev := make([]*string, n), make([]*string, n), make([]*string, n)
	ends, bulk := make([]*time.Time, n), make([]bool, n)
	for i, ch := range changes {
		d := ch.Decision
		ids[i], decisions[i], recIDs[i] = d.ID, string(d.Decision), ch.RecordID
		comments[i], recs[i], bulk[i] = d.Comments, ch.Rec, *d.Bulk
		if ch.Item.Decision != "" {
			p := string(ch.Item.Decision)
			prev[i] = &p
		}
		if d.ProposedEndDate != nil {
			t := pgTime(*d.ProposedEndDate)
			ends[i] = &t
		}
	}
	if _, err := w.tx.Exec(ctx, `UPDATE review_items i SET decision = d.decision, comments = d.comments,
			proposed_end_date = d.end_date, bulk = d.bulk, recommendation = d.rec::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[])
			AS d(id, decision, comments, end_date, bulk, rec)
		WHERE i.id = d.id`, ids, decisions, comments, ends, bulk, recs); err != nil {
		return fmt.Errorf("update review items: %w", err)
	}
	if _, err := w.tx.Exec(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at,
			decision, previous_decision, bulk, comments, proposed_end_date, recommendation)
		SELECT d.id, $1, d.item_id, $2, $3, d.decision, d.prev, d.bulk, d.comments, d.end_date, d.rec::jsonb
		FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::timestamptz[], $11::text[])
			WITH ORDINALITY AS d(id, item_id, decision, prev, bulk, comments, end_date, rec, ord)
		ORDER BY d.ord`, c.ID, by, pgTime(now),
		recIDs, ids, decisions, prev, bulk, comments, ends, recs); err != nil {
		return fmt.Errorf("record decisions: %w", err)
	}
	return nil
}
